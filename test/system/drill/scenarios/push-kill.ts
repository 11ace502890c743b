import { sleep } from '../http-client';
import type { Scenario } from '../scenario';

// A push instance SIGKILLed: its viewers' streams break, they reconnect (to the other instance)
// with Last-Event-ID and must carry on with strictly newer snapshots only. The instance is
// restarted afterwards, as an orchestrator would.

export function pushKill(): Scenario {
  return {
    name: 'push instance SIGKILL',
    summary: 'SIGKILL one of two push instances; its viewers resume on the other by Last-Event-ID',
    quizzes: 2,
    players: 12,
    viewersPerQuiz: 3,
    warmupMs: 6_000,
    afterMs: 8_000,
    async inject({ ctx, viewers }) {
      const d = ctx.deployment;
      const victim = d.pushes[0]!;
      const before = viewers.reduce((n, v) => n + v.reconnects.length, 0);
      await victim.kill('SIGKILL');
      const killedAt = Date.now();
      ctx.log(`  killed ${victim.name}`);
      await sleep(8_000);
      const moved = viewers.flatMap((v) => v.reconnects.filter((r) => r.lostAt >= killedAt - 1_000));
      const failures: string[] = [];
      if (moved.length === 0) failures.push('no viewer lost its stream: was the killed instance serving anyone?');
      // A viewer sends Last-Event-ID once it has an id; one that had no snapshot yet cannot (as
      // with EventSource). Invariant 5 itself is checked on every snapshot every viewer got.
      const withId = moved.filter((r) => r.lastEventId !== '').length;
      const gap = Math.max(0, ...moved.map((r) => r.backAt - r.lostAt));
      victim.start();
      await d.waitPush(0);
      return {
        recoveredFrom: [killedAt],
        extraRecoveryMs: gap,
        failures,
        notes: [`${moved.length} viewers reconnected (${withId} with Last-Event-ID; ${viewers.reduce((n, v) => n + v.reconnects.length, 0) - before} reconnects), longest gap ${gap} ms`],
      };
    },
  };
}
