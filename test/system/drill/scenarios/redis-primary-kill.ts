import type { Scenario } from '../scenario';
import { killUntilFailover, layoutOf, redisPrimaryPortOf, waitPromoted } from './cluster-members';

// Cluster stack: the Redis primary holding the first quiz's slot is SIGKILLed under load. Its
// replica takes over once the others mark it failed (cluster-node-timeout); replication being
// asynchronous, the replica may lack the last writes, so the processors rewrite their quizzes from
// Postgres on the failover (processors/redis-rebuild.ts) and every snapshot must still be right.
// The killed node is then started again, empty, and rejoins as the new primary's replica.

export function redisPrimaryKill(): Scenario {
  return {
    name: 'Redis primary SIGKILL',
    summary: 'SIGKILL the Redis Cluster primary of a drill quiz; its replica takes over',
    quizzes: 2,
    players: 12,
    viewersPerQuiz: 2,
    warmupMs: 8_000,
    afterMs: 12_000,
    async inject({ ctx, load }) {
      const layout = layoutOf(ctx.stack);
      const quizId = load.plans[0]!.quizId;
      const port = await redisPrimaryPortOf(ctx.redis, quizId);
      const member = `redis-${port - layout.redisPort + 1}`;
      ctx.log(`  SIGKILL ${member} (primary of ${quizId}'s slot)`);
      const { killedAt, failedOverAt: promotedAt } = await killUntilFailover(ctx, member, () => waitPromoted(ctx.redis, quizId, port, 60_000));
      return {
        faultAt: killedAt,
        recoveredFrom: [killedAt],
        failures: [],
        notes: [`replica took over in ${((promotedAt - killedAt) / 1000).toFixed(1)} s`],
      };
    },
  };
}
