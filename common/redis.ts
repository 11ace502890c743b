import type { EventEmitter } from 'node:events';
import Redis, { Cluster } from 'ioredis';
import type { Transaction } from 'ioredis/built/transaction';
import type Commander from 'ioredis/built/utils/Commander';
import type { Config } from './config';

/**
 * One Redis or a Redis Cluster: the tiers use the commands both have. On a cluster every multi-key
 * script, MULTI and pipeline stays within one quiz's keys, whose {quizId} hash tag puts them on one
 * slot (test/common/redis-keys.test.ts checks that every per-quiz key hashes on the quiz id).
 */
export type RedisClient = Commander &
  Transaction &
  EventEmitter & {
    readonly status: string;
    disconnect(): void;
  };

const COMMAND_OPTIONS = {
  maxRetriesPerRequest: 2, // fail a command quickly when Redis is down instead of queueing forever
  enableOfflineQueue: true,
  connectTimeout: 3_000,
} as const;

export interface RedisClientOptions {
  /**
   * Commands issued in the same event-loop turn go out in one socket write (ioredis
   * enableAutoPipelining). For a server of many small concurrent requests (push's reads, ingest's
   * hot routes), where a write per command is the largest cost per request. A single Redis only
   * (see the Cluster's options below).
   */
  autoPipelining?: boolean;
}

export function createRedis(config: Config['redis'], name: string, options: RedisClientOptions = {}): RedisClient {
  const connectionName = `quizstream-${name}`;
  if (config.clusterNodes.length === 0) {
    return new Redis(config.url, { connectionName, ...COMMAND_OPTIONS, lazyConnect: false, enableAutoPipelining: options.autoPipelining ?? false });
  }
  return new Cluster(
    config.clusterNodes.map((node) => {
      const [host, port] = node.split(':');
      return { host: host ?? '127.0.0.1', port: Number(port ?? 6379) };
    }),
    {
      redisOptions: { connectionName, ...COMMAND_OPTIONS },
      // While a primary fails over, its slots answer CLUSTERDOWN or nothing: ask the cluster for its
      // map again soon, so commands reach the promoted replica within a second of its promotion.
      retryDelayOnClusterDown: 200,
      retryDelayOnFailover: 200,
      slotsRefreshTimeout: 2_000,
      enableOfflineQueue: true,
      // Never on a cluster: auto-pipelining batches the commands for one node, whatever their slots,
      // and when a failover moves those slots each command gets its own "MOVED <slot> <node>"; ioredis
      // follows a pipeline's redirection only when every command got the same reply, so each of
      // them failed instead (500s in the Redis primary SIGKILL drill). A command on its own, or a
      // pipeline of one quiz's keys (one slot), is redirected and retried.
      enableAutoPipelining: false,
    },
  );
}

/**
 * A number that grows whenever a Redis Cluster replica is promoted (CLUSTER INFO's
 * cluster_current_epoch: every failover election raises it); always 0 for a single Redis. A
 * promoted replica may lack the last writes its primary acknowledged (replication is asynchronous),
 * so state written before a change of this number must be checked against the source of truth.
 */
export async function failoverEpoch(redis: RedisClient): Promise<number> {
  if (!isCluster(redis)) return 0;
  const info = await redis.cluster('INFO');
  const epoch = /cluster_current_epoch:(\d+)/.exec(info);
  if (!epoch) throw new Error('CLUSTER INFO without cluster_current_epoch');
  return Number(epoch[1]);
}

/** True for ioredis' Cluster client (REDIS_CLUSTER_NODES set). */
export function isCluster(redis: RedisClient): redis is RedisClient & Cluster {
  return redis instanceof Cluster;
}

// Key layout. The quiz id sits in a {hash tag} so all keys of one quiz land on one Redis Cluster slot
// and multi-key scripts stay legal.
export const redisKeys = {
  /** ingest: quiz definition cache without the answer key (JSON). */
  quizMeta: (quizId: string) => `qs:{${quizId}}:meta`,
  /**
   * ingest: the meta's `status` alone ("open", "closed", or "missing" like the meta), written with
   * it by the admin, so the answer script reads a few bytes instead of the whole definition; when
   * absent the script derives it from the meta (see ingest/hot/request-gate.ts).
   */
  quizStatus: (quizId: string) => `qs:{${quizId}}:status`,
  /** ingest: question open state, hash questionId -> JSON {openedAt, closesAt, closedAt?}. */
  questionState: (quizId: string) => `qs:{${quizId}}:questions`,
  /** ingest: players who joined, hash playerId -> displayName. */
  joined: (quizId: string) => `qs:{${quizId}}:joined`,
  /** ingest: first joins being written to Kafka, hash playerId -> `<claimedAtMs>|<displayName>` (see ingest/join-claims.ts). */
  joinClaims: (quizId: string) => `qs:{${quizId}}:join-claims`,
  /** ingest: who holds each display name, hash nameKey -> playerId; field "" marks it complete (ingest/join-claims.ts). */
  nameOwners: (quizId: string) => `qs:{${quizId}}:name-owners`,
  /**
   * ingest: players the host kicked, a set of playerIds; the member "" marks it complete (it holds
   * every kick Postgres has), else it is refilled from kicked_players (see ingest/kicked-players.ts).
   */
  kicked: (quizId: string) => `qs:{${quizId}}:kicked`,
  /**
   * ingest: cheap duplicate check for one question, hash playerId -> marker (see ingest/answer-markers.ts);
   * field "" counts the markers confirmed (the answers Kafka has), for closeWhenAllAnswered.
   */
  answered: (quizId: string, questionId: string) => `qs:{${quizId}}:answered:${questionId}`,
  /** processors: live leaderboard, sorted set of playerId by composite score (see processors/ranking). */
  leaderboard: (quizId: string) => `qs:{${quizId}}:lb`,
  /** processors: hash playerId -> total points. */
  totals: (quizId: string) => `qs:{${quizId}}:totals`,
  /** processors: hash playerId -> display name. */
  names: (quizId: string) => `qs:{${quizId}}:names`,
  /** processors: latest ranking snapshot JSON, read by push for GET leaderboard and SSE connect. */
  snapshot: (quizId: string) => `qs:{${quizId}}:snapshot`,
  /** processors: first answer scored per player for one question, hash playerId -> answerId (replay guard). */
  scored: (quizId: string, questionId: string) => `qs:{${quizId}}:scored:${questionId}`,
  /** processors: points of answers held until the question closes (onClose quizzes), hash playerId -> "points:reachedOffsetMs". */
  held: (quizId: string, questionId: string) => `qs:{${quizId}}:held:${questionId}`,
  /** processors: answer streaks (streak quizzes), hash playerId -> "count:version" (processors/leaderboard-writer.ts). */
  streaks: (quizId: string) => `qs:{${quizId}}:streaks`,
  /** processors: the streak bonus each answer to one question earned, when not 0, hash playerId -> bonus (read back on a replay). */
  bonus: (quizId: string, questionId: string) => `qs:{${quizId}}:bonus:${questionId}`,
  /** processors: how many first answers picked each choice of one question, hash choiceId -> count (text questions: "correct", "wrong"). */
  choiceCounts: (quizId: string, questionId: string) => `qs:{${quizId}}:choices:${questionId}`,
  /** processors: players removed from the board by a PlayerKicked they applied, a set of playerIds. */
  offBoard: (quizId: string) => `qs:{${quizId}}:off-board`,
  /** processors: present while the quiz's processor state is in Redis (processors/redis-rebuild.ts). */
  built: (quizId: string) => `qs:{${quizId}}:built`,
  /** processors: per-quiz counters, hash field `answers` -> scored answers. */
  stats: (quizId: string) => `qs:{${quizId}}:stats`,
  /** processors: quizzes of one quiz.events partition whose latest change has no snapshot yet, zset quizId -> seq. */
  pendingSnapshots: (topic: string, partition: number) => `qs:pending-snapshots:${topic}:${partition}`,
  /** processors: the consumer-group member id an instance last joined with (processors/group-succession.ts). */
  groupMember: (groupId: string, instanceId: string) => `qs:group-member:${groupId}:${instanceId}`,
};
