import { sleep } from '../http-client';
import type { Scenario } from '../scenario';

// A processor SIGKILLed and not restarted for a while (a machine lost, not a crashed container):
// no successor removes its member from the group, so the other processor takes its partitions
// over only once the broker drops it at the session timeout. Recovery is measured from the kill.

export function processorLoss(downMs: number): Scenario {
  return {
    name: `processor lost ${downMs / 1000} s`,
    summary: `SIGKILL one of 2 processors and leave it down ${downMs / 1000} s: the other takes its partitions over by session timeout`,
    quizzes: 2,
    players: 12,
    viewersPerQuiz: 2,
    warmupMs: 5_000,
    afterMs: 8_000,
    async inject({ ctx }) {
      const d = ctx.deployment;
      const i = Math.floor(Math.random() * d.processors.length);
      const victim = d.processors[i]!;
      await victim.kill('SIGKILL');
      const killedAt = Date.now();
      ctx.log(`  killed ${victim.name} (left down ${downMs / 1000} s)`);
      await sleep(downMs);
      victim.start();
      await d.waitProcessor(i);
      return { recoveredFrom: [killedAt], failures: [], notes: [`${victim.name} down ${downMs / 1000} s, the other alone meanwhile`] };
    },
  };
}
