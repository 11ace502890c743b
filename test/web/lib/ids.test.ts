import { randomAnswerId, randomPlayerId } from '../../../web/src/lib/ids';

// Ids the pages make up.

test('generated ids are valid ingest ids', () => {
  const rnd = (b: Uint8Array) => b.map((_, i) => i * 37);
  expect(randomPlayerId(rnd)).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  expect(randomAnswerId(rnd)).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
});
