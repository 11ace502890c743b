import { sleep } from '../http-client';
import type { Scenario } from '../scenario';

// SIGKILL a processor at random moments (either of the two in the group), restarting it at once
// as an orchestrator would: each kill drops whatever chunk it was applying or flushing, and the
// group rebalances twice (the member leaves by session timeout, the new one joins).

export function processorKill(kills: number, gapMs: [number, number]): Scenario {
  return {
    name: kills === 1 ? 'smoke: processor SIGKILL' : `processor SIGKILL x${kills}`,
    summary: `SIGKILL a random processor ${kills} time(s) at random moments, 2 processors in the group`,
    quizzes: kills === 1 ? 1 : 2,
    players: kills === 1 ? 8 : 12,
    viewersPerQuiz: 2,
    warmupMs: kills === 1 ? 4_000 : 5_000,
    afterMs: kills === 1 ? 6_000 : 8_000,
    async inject({ ctx }) {
      const d = ctx.deployment;
      const killedAt: number[] = [];
      for (let k = 0; k < kills; k++) {
        await sleep(gapMs[0] + Math.random() * (gapMs[1] - gapMs[0]));
        const i = Math.floor(Math.random() * d.processors.length);
        const victim = d.processors[i]!;
        if (!victim.isRunning) victim.start();
        await victim.kill('SIGKILL');
        killedAt.push(Date.now());
        ctx.log(`  kill ${k + 1}/${kills}: ${victim.name} (pid ${victim.pid})`);
        victim.start();
      }
      // Recovery is measured from each kill; the last restarted member must be back in the group.
      await Promise.all(d.processors.map((_, i) => d.waitProcessor(i)));
      return { recoveredFrom: killedAt, failures: [], notes: [`${kills} SIGKILLs`] };
    },
  };
}
