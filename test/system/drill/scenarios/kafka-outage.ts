import { sleep } from '../http-client';
import type { Scenario } from '../scenario';
import { startService, stopService } from '../stack-control';

// The broker stopped for 20 s, then started. Meanwhile ingest must answer 503 with Retry-After
// (clients retry with the same answerId); afterwards no accepted answer may be missing.

export function kafkaOutage(downMs = 20_000): Scenario {
  return {
    name: 'Kafka down 20 s',
    summary: `stop the Kafka broker for ${downMs / 1000} s, then start it`,
    quizzes: 2,
    players: 12,
    viewersPerQuiz: 2,
    warmupMs: 5_000,
    afterMs: 10_000,
    async inject({ ctx, load }) {
      const before = { ...load.stats };
      ctx.log('  stopping kafka');
      await stopService(ctx.stack, 'kafka');
      const downAt = Date.now();
      await sleep(downMs);
      const during = { unavailable: load.stats.unavailable - before.unavailable, withRetryAfter: load.stats.unavailableWithRetryAfter - before.unavailableWithRetryAfter };
      ctx.log(`  starting kafka after ${Math.round((Date.now() - downAt) / 1000)} s down`);
      await startService(ctx.stack, 'kafka');
      const upAt = Date.now();
      const failures: string[] = [];
      if (during.unavailable === 0) failures.push('ingest never answered 503 while Kafka was down');
      if (during.withRetryAfter < during.unavailable) failures.push(`${during.unavailable - during.withRetryAfter} 503s without Retry-After`);
      return {
        faultAt: downAt,
        recoveredFrom: [upAt],
        failures,
        notes: [`down ${Math.round((upAt - downAt) / 1000)} s (start took ${Math.round((upAt - downAt - downMs) / 1000)} s)`, `${during.unavailable} x 503 (all with Retry-After: ${during.withRetryAfter === during.unavailable})`],
      };
    },
  };
}
