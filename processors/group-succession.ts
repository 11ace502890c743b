import type { Logger } from '../common/logger';
import { redisKeys, type RedisClient } from '../common/redis';
import { leaveGroupAs } from './leave-group-request';

// A processor that was SIGKILLed (or OOM-killed, or lost its VM) leaves its member behind in the
// consumer group: the coordinator only drops it when the session times out, and its partitions stay
// unscored until then, and longer when the restarted process's own join lands in the middle. kafkajs
// has no static membership, so an instance that keeps its name across restarts (the pod's name)
// records the member id it joined with, and its next incarnation removes that member at start-up:
// the group rebalances at once. Safe if the old process is in fact alive: it is fenced like any
// member removed from a group, and rejoins with a new id.

const RECORD_TTL_S = 7 * 24 * 3600; // a week: longer than any process lives without rejoining

export class GroupSuccession {
  constructor(
    private readonly redis: RedisClient,
    private readonly brokers: string[],
    private readonly clientId: string,
    private readonly groupId: string,
    /** Empty: this instance has no lasting name, so it has no predecessor to remove. */
    private readonly instanceId: string,
    private readonly log: Logger,
    private readonly deadlineMs = 5_000, // five seconds: past that the session timeout is as quick
  ) {}

  /** Removes the previous incarnation's member, if any was recorded. Never throws: failover is then as slow as before. */
  async evictPredecessor(): Promise<void> {
    if (!this.instanceId) return;
    let memberId: string | null = null;
    try {
      memberId = await this.redis.get(this.key());
      if (!memberId) return;
      const { outcome, coordinator } = await leaveGroupAs(this.brokers, this.clientId, this.groupId, memberId, this.deadlineMs);
      this.log.info({ memberId, outcome, coordinator }, 'removed the previous incarnation from the consumer group');
    } catch (err) {
      this.log.warn({ err, memberId }, 'cannot remove the previous incarnation from the consumer group; its partitions move when its session times out');
    }
  }

  /** Records the member id this incarnation joined with, for its successor. */
  async joined(memberId: string): Promise<void> {
    if (!this.instanceId) return;
    try {
      await this.redis.set(this.key(), memberId, 'EX', RECORD_TTL_S);
    } catch (err) {
      this.log.warn({ err }, 'cannot record the consumer-group member id; a restart after a crash will fail over by session timeout');
    }
  }

  private key(): string {
    return redisKeys.groupMember(this.groupId, this.instanceId);
  }
}
