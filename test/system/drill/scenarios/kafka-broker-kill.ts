import type { Scenario } from '../scenario';
import { kafkaLeaderOf, killUntilFailover, layoutOf, waitLeadersMoved } from './cluster-members';

// Cluster stack: the Kafka node leading the first quiz's partition is SIGKILLed under load. Its
// partitions' leadership moves to the other two nodes (each holds a replica; min.insync.replicas=2
// still met), ingest answers 503 for the writes caught meanwhile, and clients retry with the same
// answerId. Then the node is started again and catches up as a follower.

export function kafkaBrokerKill(): Scenario {
  return {
    name: 'Kafka broker SIGKILL',
    summary: 'SIGKILL the Kafka node leading a drill quiz partition; leaders move to the other two',
    quizzes: 2,
    players: 12,
    viewersPerQuiz: 2,
    warmupMs: 8_000,
    afterMs: 12_000,
    async inject({ ctx, load }) {
      layoutOf(ctx.stack); // refuses to run on the single-node stack
      const topic = `${ctx.deployment.topicPrefix}quiz.events`;
      const node = await kafkaLeaderOf(ctx.stack, topic, load.plans[0]!.quizId);
      const member = `kafka-${node}`;
      ctx.log(`  SIGKILL ${member} (leads ${load.plans[0]!.quizId}'s partition)`);
      const { killedAt, failedOverAt: movedAt } = await killUntilFailover(ctx, member, () => waitLeadersMoved(ctx.stack, topic, node, 60_000));
      const backAt = Date.now();
      return {
        faultAt: killedAt,
        recoveredFrom: [killedAt],
        failures: [],
        notes: [`leaders moved in ${((movedAt - killedAt) / 1000).toFixed(1)} s`, `${member} back (following) ${((backAt - killedAt) / 1000).toFixed(1)} s after the kill`],
      };
    },
  };
}
