import type { Scenario } from '../scenario';
import { startService, stopService } from '../stack-control';

// Redis restarted empty (SHUTDOWN NOSAVE, no persistence): the processors must rebuild each
// quiz's leaderboard from Postgres before publishing, so no viewer ever sees a wrong ranking
// (every snapshot is checked against the exact reference of its seq).

export function redisRestart(): Scenario {
  return {
    name: 'Redis restarted empty',
    summary: 'shut Redis down without saving and start it again empty',
    quizzes: 2,
    players: 12,
    viewersPerQuiz: 2,
    warmupMs: 8_000,
    afterMs: 12_000,
    async inject({ ctx }) {
      ctx.log('  restarting redis empty');
      await stopService(ctx.stack, 'redis');
      const downAt = Date.now();
      await startService(ctx.stack, 'redis');
      const upAt = Date.now();
      const keys = await ctx.redis.dbsize();
      return { faultAt: downAt, recoveredFrom: [upAt], failures: [], notes: [`down ${upAt - downAt} ms`, `${keys} keys right after the start`] };
    },
  };
}
