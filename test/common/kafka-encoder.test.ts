// patches/kafkajs+2.2.4.patch makes kafkajs' protocol encoder write varints straight into its
// buffer, take (and size) numbers within 32 bits past Long's arithmetic, skip zero-filling, and
// write a record into one buffer of its exact size. Every byte it produces goes into each record a
// producer sends, so the patched encoder is read back here with kafkajs' own (unpatched) decoders,
// and compared with the varint bytes the Kafka protocol defines.
/* eslint-disable @typescript-eslint/no-require-imports */
interface LongLike {
  toString(): string;
}
type EncoderClass = (new (initialSize?: number) => {
  writeVarInt(v: number): unknown;
  writeVarLong(v: number | LongLike): unknown;
  writeUVarInt(v: number): unknown;
  writeVarIntBytes(v: Buffer | string | null): unknown;
  writeInt32(v: number): unknown;
  buffer: Buffer;
}) & { sizeOfVarLong(v: number | LongLike): number };
const Encoder = require('kafkajs/src/protocol/encoder') as EncoderClass;
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => {
  readVarInt(): number;
  readVarLong(): LongLike;
  readUVarInt(): number;
  readVarIntBytes(): Buffer | null;
  readInt32(): number;
};
const Long = require('kafkajs/src/utils/long') as { fromString(s: string): LongLike };
interface RecordArgs {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, string | Buffer | Array<string | Buffer>>;
}
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: RecordArgs) => { buffer: Buffer };
type Decoded = { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[]> };
const RecordDecoder = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (d: InstanceType<typeof Decoder>, context: object) => Decoded;
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

test('sizeOfVarLong is the length writeVarLong writes, numbers and Longs alike', () => {
  for (const v of [...edges, ...Array.from({ length: 2_000 }, () => Math.trunc((Math.random() - 0.5) * 2 ** (1 + Math.random() * 52)))]) {
    for (const value of [v, Long.fromString(String(v))]) {
      const e = new Encoder();
      e.writeVarLong(value);
      expect([v, Encoder.sizeOfVarLong(value)]).toEqual([v, e.buffer.length]);
    }
  }
});

test("a record reads back with kafkajs' own decoder: key, value, every header (a repeated one too), offset and timestamp", () => {
  const cases: RecordArgs[] = [
    { offsetDelta: 0, timestampDelta: 0, key: 'quiz-1', value: Buffer.alloc(150, 7), headers: { 'event-type': 'AnswerSubmitted' } },
    { offsetDelta: 300, timestampDelta: -65, key: Buffer.from('k'), value: 'ünïcode', headers: { a: 'x', b: Buffer.from('y'), c: ['1', '2'] } },
    { offsetDelta: 70_000, timestampDelta: 2 ** 40, key: null, value: null },
  ];
  for (const c of cases) {
    const d = new Decoder(Record(c).buffer);
    const length = d.readVarInt();
    const record = RecordDecoder(d, { firstOffset: '1000', firstTimestamp: '1733000000000', magicByte: 2 });
    expect(Record(c).buffer.length).toBe(length + 1 + (length >= 64 ? 1 : 0) + (length >= 8192 ? 1 : 0));
    expect(record.offset).toBe(String(1000 + (c.offsetDelta ?? 0)));
    expect(record.timestamp).toBe(String(1733000000000 + (c.timestampDelta ?? 0)));
    expect(record.key?.toString() ?? null).toBe(c.key === null ? null : String(c.key));
    expect(record.value?.toString() ?? null).toBe(c.value === null ? null : String(c.value));
    const headers = Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
    expect(headers).toEqual(Object.fromEntries(Object.entries(c.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)])));
  }
});
