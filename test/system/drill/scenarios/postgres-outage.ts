import { sleep } from '../http-client';
import type { Scenario } from '../scenario';

// Postgres unreachable for 20 s. The shared server other engineers use is not stopped: the tiers
// reach it through the drill's TCP relay, which is cut (open connections reset, new ones refused)
// and restored, a faithful network outage from the tiers' point of view.

export function postgresOutage(downMs = 20_000): Scenario {
  return {
    name: 'Postgres down 20 s',
    summary: `cut the relay in front of Postgres for ${downMs / 1000} s`,
    quizzes: 2,
    players: 12,
    viewersPerQuiz: 2,
    warmupMs: 5_000,
    afterMs: 10_000,
    async inject({ ctx }) {
      ctx.log('  cutting postgres');
      await ctx.deployment.relay.cut();
      await sleep(downMs);
      await ctx.deployment.relay.restore();
      ctx.log('  postgres reachable again');
      return { recoveredFrom: [Date.now()], failures: [], notes: ['via TCP relay (shared server untouched)'] };
    },
  };
}
