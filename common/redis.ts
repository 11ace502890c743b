import Redis from 'ioredis';
import type { Config } from './config';

export interface RedisClientOptions {
  /**
   * Commands issued in the same event-loop turn go out in one socket write (ioredis
   * enableAutoPipelining). For a server of many small concurrent reads (push), where a write per
   * command is the largest cost per request.
   */
  autoPipelining?: boolean;
}

export function createRedis(config: Config['redis'], name: string, options: RedisClientOptions = {}): Redis {
  return new Redis(config.url, {
    connectionName: `quizstream-${name}`,
    maxRetriesPerRequest: 2, // fail a command quickly when Redis is down instead of queueing forever
    enableOfflineQueue: true,
    connectTimeout: 3_000,
    lazyConnect: false,
    enableAutoPipelining: options.autoPipelining ?? false,
  });
}

// Key layout. The quiz id sits in a {hash tag} so all keys of one quiz land on one Redis Cluster slot
// and multi-key scripts stay legal.
export const redisKeys = {
  /** ingest: quiz definition cache without the answer key (JSON). */
  quizMeta: (quizId: string) => `qs:{${quizId}}:meta`,
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
  /** processors: how many first answers picked each choice of one question, hash choiceId -> count. */
  choiceCounts: (quizId: string, questionId: string) => `qs:{${quizId}}:choices:${questionId}`,
  /** processors: players removed from the board by a PlayerKicked they applied, a set of playerIds. */
  offBoard: (quizId: string) => `qs:{${quizId}}:off-board`,
  /** processors: present while the quiz's processor state is in Redis (processors/redis-rebuild.ts). */
  built: (quizId: string) => `qs:{${quizId}}:built`,
  /** processors: per-quiz counters, hash field `answers` -> scored answers. */
  stats: (quizId: string) => `qs:{${quizId}}:stats`,
  /** processors: quizzes of one quiz.events partition whose latest change has no snapshot yet, zset quizId -> seq. */
  pendingSnapshots: (topic: string, partition: number) => `qs:pending-snapshots:${topic}:${partition}`,
};
