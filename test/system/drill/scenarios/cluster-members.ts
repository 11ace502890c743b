import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { isCluster, redisKeys, type RedisClient } from '../../../../common/redis';
import type { ClusterLayout, DrillStack } from '../config';
import { sleep } from '../http-client';
import type { DrillContext } from '../scenario';
import { killMember, startMember } from '../stack-control';

// Which member of the cluster stack to kill so that the drill's quizzes feel it, and when the
// cluster has moved on without it: read from the cluster itself, as an operator would.

export function layoutOf(stack: DrillStack): ClusterLayout {
  if (!stack.cluster) throw new Error('this scenario needs the cluster stack (npm run drill -- --cluster)');
  return stack.cluster;
}

function admin(stack: DrillStack) {
  return new Kafka({ clientId: 'drill-cluster', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
}

/** quiz.events partition of a quiz, as every producer of ours computes it (murmur2 of the key). */
function partitionOf(quizId: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0, replicas: [], isr: [], partitionErrorCode: 0 }));
  return partitioner({ topic: '', partitionMetadata, message: { key: quizId, value: null } });
}

/** The node id (1..3, the member kafka-<id>) leading the quiz's quiz.events partition. */
export async function kafkaLeaderOf(stack: DrillStack, topic: string, quizId: string): Promise<number> {
  const a = admin(stack);
  await a.connect();
  try {
    const meta = await a.fetchTopicMetadata({ topics: [topic] });
    const partitions = meta.topics[0]!.partitions;
    const p = partitions.find((x) => x.partitionId === partitionOf(quizId, partitions.length));
    if (!p) throw new Error(`no partition metadata for ${quizId} on ${topic}`);
    return p.leader;
  } finally {
    await a.disconnect();
  }
}

/** Waits until no partition of the topic is led by `node` and every one has a leader; returns when. */
export async function waitLeadersMoved(stack: DrillStack, topic: string, node: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const a = admin(stack);
    try {
      await a.connect();
      const meta = await a.fetchTopicMetadata({ topics: [topic] });
      if (meta.topics[0]!.partitions.every((p) => p.leader !== node && p.leader >= 0)) return Date.now();
    } catch (err) {
      // Metadata from a cluster that is electing may fail; ask again until the deadline.
      if (Date.now() > deadline) throw err;
    } finally {
      await a.disconnect().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`partition leaders of ${topic} still on node ${node} after ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Port of the Redis Cluster primary serving the quiz's slot (all its keys share the {quizId} tag). */
export async function redisPrimaryPortOf(redis: RedisClient, quizId: string): Promise<number> {
  if (!isCluster(redis)) throw new Error('the drill Redis client is not a cluster client');
  const slot = Number(await redis.cluster('KEYSLOT', redisKeys.leaderboard(quizId)));
  const range = (await redis.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to);
  const primary = range?.[2];
  if (!primary) throw new Error(`slot ${slot} has no primary`);
  return Number(primary[1]);
}

/** Waits until a node other than `port` serves the slot as primary, asking the surviving nodes directly. */
export async function waitPromoted(redis: RedisClient, quizId: string, port: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await redisPrimaryPortOf(redis, quizId).catch(() => port);
    if (now !== port) return Date.now();
    if (Date.now() > deadline) throw new Error(`no replica took over from 127.0.0.1:${port} within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/**
 * SIGKILLs a member, waits for `failedOver` (which resolves with the time the cluster moved on
 * without it), then starts it again. killedAt is taken before the kill (the script takes a moment):
 * recovery and the 503 window count from there.
 */
export async function killUntilFailover(ctx: DrillContext, member: string, failedOver: () => Promise<number>): Promise<{ killedAt: number; failedOverAt: number }> {
  const killedAt = Date.now();
  await killMember(ctx.stack, member);
  const failedOverAt = await failedOver();
  ctx.log(`  ${member}: the cluster moved on after ${((failedOverAt - killedAt) / 1000).toFixed(1)} s; starting it again`);
  await startMember(ctx.stack, member);
  return { killedAt, failedOverAt };
}
