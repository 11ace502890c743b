import '../helpers/cleanup';
import { createPgPool } from '../../common/postgres';
import { booleanArray, integerArray, textArray } from '../../processors/pg-arrays';
import { onCleanup } from '../helpers/cleanup';
import { testConfig } from '../helpers/stack';

// The literals the processors' batch transaction sends, read back by the real Postgres: each
// element must come out exactly as it went in, whatever characters a client put in its ids or text.

const pg = createPgPool(testConfig.postgres, 1);
onCleanup(() => pg.end());

async function readBack<T>(literal: string, type: string): Promise<T[]> {
  const { rows } = await pg.query<{ v: T }>(`SELECT v FROM unnest($1::${type}[]) WITH ORDINALITY AS t(v, n) ORDER BY n`, [literal]);
  return rows.map((r) => r.v);
}

test('text elements come back as sent: quotes, backslashes, separators, braces, blanks, NULL as a word, unicode', async () => {
  const values = ['plain', 'with "quotes"', 'back\\slash', '\\"', 'a,b', '{x}', ' padded ', '', 'NULL', 'null', 'Zoë 🎉', 'tab\there', 'line\nbreak', '["a","b"]'];
  expect(await readBack<string>(textArray(values), 'text')).toEqual(values);
});

test('a null text element is SQL NULL, not the string', async () => {
  expect(await readBack<string | null>(textArray([null, 'NULL', null]), 'text')).toEqual([null, 'NULL', null]);
});

test('integers and bigints, negative and past 2^31, come back as sent', async () => {
  expect(await readBack<number>(integerArray([0, -5, 1000, 2_147_483_647]), 'int')).toEqual([0, -5, 1000, 2_147_483_647]);
  // node-pg returns bigint as a string: exact, which a JS number past 2^53 would not be.
  expect(await readBack<string>(integerArray([1_796_358_189_861, '9007199254740993']), 'bigint')).toEqual(['1796358189861', '9007199254740993']);
});

test('booleans come back as sent', async () => {
  expect(await readBack<boolean>(booleanArray([true, false, false, true]), 'bool')).toEqual([true, false, false, true]);
});

test('empty arrays are empty', async () => {
  expect(await readBack<string>(textArray([]), 'text')).toEqual([]);
  expect(await readBack<number>(integerArray([]), 'int')).toEqual([]);
  expect(await readBack<boolean>(booleanArray([]), 'bool')).toEqual([]);
});
