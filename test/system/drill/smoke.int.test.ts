import { sharedStack } from './config';
import { ADMIN_KEY, JWT_SECRET } from './deployment';
import { runDrill } from './drill';

// The short drill in `npm test`: the pipeline under load with viewers, one processor SIGKILLed at
// a random moment, then every invariant checked against the reference ranking. It runs on the
// default stack with its own topics, consumer groups and quiz ids, and stops no shared service:
// the only thing it kills is its own processor child.

jest.setTimeout(420_000);

it('one processor SIGKILL under load: nothing lost, nothing counted twice, every snapshot right', async () => {
  const outcome = await runDrill({ stack: sharedStack(), scenarios: ['smoke'], sink: true, removeTopics: true, log: () => undefined });
  const r = outcome.results[0]!;
  process.stdout.write(`${outcome.table}\n`);
  expect(r.failures).toEqual([]);
  expect(r.accepted).toBeGreaterThan(0);
  expect(r.lost).toBe(0);
  expect(r.doubleCounts).toBe(0);
  expect(r.wrongSnapshots).toBe(0);
  expect(r.snapshotsSeen).toBeGreaterThan(0);
  // The tiers' own logs hold no secret either.
  expect(outcome.tierLogs.filter((l) => l.includes(ADMIN_KEY) || l.includes(JWT_SECRET))).toEqual([]);
});
