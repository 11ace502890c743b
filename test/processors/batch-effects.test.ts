import { BatchEffects } from '../../processors/batch-effects';

// A chunk's outputs are produced in requests under a byte budget (a broker refuses a record batch
// over its message.max.bytes), in the order they were added, none lost or repeated.

function effectsWith(outputs: Array<[topic: string, bytes: number]>): BatchEffects {
  const effects = new BatchEffects();
  outputs.forEach(([topic, bytes], i) => effects.output(topic, `k${i}`, Buffer.alloc(bytes, i % 256)));
  return effects;
}

const flat = (requests: ReturnType<BatchEffects['outputRequests']>) =>
  requests.flatMap((r) => r.flatMap((t) => t.messages.map((m) => `${t.topic}:${String(m.key)}`)));

it('keeps a chunk that fits in one request as one request', () => {
  const requests = effectsWith([
    ['results', 100],
    ['results', 100],
    ['dead', 50],
  ]).outputRequests(10_000);
  expect(requests).toHaveLength(1);
  expect(flat(requests)).toEqual(['results:k0', 'results:k1', 'dead:k2']);
});

it('splits a large chunk into requests under the budget, every output once and in order', () => {
  const outputs: Array<[string, number]> = Array.from({ length: 1_000 }, (_, i) => [i % 10 === 0 ? 'dead' : 'results', 200 + (i % 7) * 50]);
  const effects = effectsWith(outputs);
  const requests = effects.outputRequests(20_000);
  expect(requests.length).toBeGreaterThan(10);
  for (const r of requests) {
    const bytes = r.reduce((n, t) => n + t.messages.reduce((m, msg) => m + (msg.value as Buffer).length, 0), 0);
    expect(bytes).toBeLessThanOrEqual(20_000);
    expect(r.every((t) => t.messages.length > 0)).toBe(true);
  }
  const expected = ['results', 'dead'].flatMap((topic) => outputs.flatMap(([t], i) => (t === topic ? [`${t}:k${i}`] : [])));
  // Per topic the order is the order of adding; topics follow the order they first appeared in.
  for (const topic of ['results', 'dead']) {
    expect(flat(requests).filter((x) => x.startsWith(`${topic}:`))).toEqual(expected.filter((x) => x.startsWith(`${topic}:`)));
  }
});

it('sends an output larger than the budget on its own rather than never', () => {
  const requests = effectsWith([
    ['results', 10],
    ['results', 5_000],
    ['results', 10],
  ]).outputRequests(1_000);
  expect(requests.map((r) => r.flatMap((t) => t.messages).length)).toEqual([1, 1, 1]);
});
