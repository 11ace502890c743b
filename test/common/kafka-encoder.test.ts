// patches/kafkajs+2.2.4.patch makes kafkajs' protocol encoder write varints straight into its
// buffer, take numbers within 32 bits past Long's arithmetic, and skip zero-filling. Every byte it
// produces goes into each record a producer sends, so the patched encoder is read back here with
// kafkajs' own (unpatched) decoder, and compared with the varint bytes the Kafka protocol defines.
/* eslint-disable @typescript-eslint/no-require-imports */
interface LongLike {
  toString(): string;
}
const Encoder = require('kafkajs/src/protocol/encoder') as new (initialSize?: number) => {
  writeVarInt(v: number): unknown;
  writeVarLong(v: number | LongLike): unknown;
  writeUVarInt(v: number): unknown;
  writeVarIntBytes(v: Buffer | string | null): unknown;
  writeInt32(v: number): unknown;
  buffer: Buffer;
};
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => {
  readVarInt(): number;
  readVarLong(): LongLike;
  readUVarInt(): number;
  readVarIntBytes(): Buffer | null;
  readInt32(): number;
};
const Long = require('kafkajs/src/utils/long') as { fromString(s: string): LongLike };
/* eslint-enable @typescript-eslint/no-require-imports */

const edges = [0, 1, -1, 63, 64, -64, -65, 127, 128, 300, -300, 2 ** 20, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];

test('varints have the bytes the Kafka protocol defines (zigzag, then 7 bits per byte)', () => {
  const bytes = (write: (e: InstanceType<typeof Encoder>) => unknown) => {
    const e = new Encoder();
    write(e);
    return [...e.buffer];
  };
  expect(bytes((e) => e.writeVarInt(0))).toEqual([0x00]);
  expect(bytes((e) => e.writeVarInt(-1))).toEqual([0x01]);
  expect(bytes((e) => e.writeVarInt(1))).toEqual([0x02]);
  expect(bytes((e) => e.writeVarInt(300))).toEqual([0xd8, 0x04]);
  expect(bytes((e) => e.writeVarInt(-(2 ** 31)))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  expect(bytes((e) => e.writeVarLong(300))).toEqual([0xd8, 0x04]);
  expect(bytes((e) => e.writeVarLong(2 ** 31))).toEqual([0x80, 0x80, 0x80, 0x80, 0x10]);
  expect(bytes((e) => e.writeUVarInt(2 ** 32 - 1))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
});

test('every varint and varlong reads back as written, numbers and Longs alike', () => {
  const values = [...edges, ...Array.from({ length: 5_000 }, () => Math.trunc((Math.random() - 0.5) * 2 ** (1 + Math.random() * 52)))];
  const e = new Encoder();
  for (const v of values) {
    e.writeVarLong(v);
    e.writeVarLong(Long.fromString(String(v)));
    e.writeVarInt(v | 0);
    e.writeUVarInt(v >>> 0);
  }
  const d = new Decoder(e.buffer);
  for (const v of values) {
    expect(d.readVarLong().toString()).toBe(String(v));
    expect(d.readVarLong().toString()).toBe(String(v));
    expect(d.readVarInt()).toBe(v | 0);
    expect(d.readUVarInt()).toBe(v >>> 0);
  }
});

test('an encoder holds exactly what was written, across the growth of its buffer', () => {
  const value = Buffer.alloc(70_000, 7);
  const e = new Encoder(8);
  e.writeInt32(42);
  e.writeVarIntBytes(value);
  e.writeVarIntBytes(null);
  e.writeVarInt(-5);
  const d = new Decoder(e.buffer);
  expect(d.readInt32()).toBe(42);
  expect(d.readVarIntBytes()!.equals(value)).toBe(true);
  expect(d.readVarIntBytes()).toBeNull();
  expect(d.readVarInt()).toBe(-5);
  expect(e.buffer.length).toBe(4 + 3 + 70_000 + 1 + 1);
});
