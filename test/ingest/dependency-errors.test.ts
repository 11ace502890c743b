import { ReplyError } from 'ioredis';
import { UnavailableError } from '../../common/errors';
import type { RedisClient } from '../../common/redis';
import { guardRedis, isRedisOutage } from '../../ingest/dependency-errors';

const connected = { status: 'ready' } as unknown as RedisClient;

function replyError(message: string): Error {
  return new ReplyError(message) as Error;
}

test('a Redis Cluster in transition is an outage the client may retry', () => {
  for (const message of ['MOVED 11947 127.0.0.1:30462', 'ASK 3999 127.0.0.1:7001', 'TRYAGAIN Multiple keys request during rehashing of slot', 'CLUSTERDOWN The cluster is down', 'LOADING Redis is loading the dataset in memory', 'MASTERDOWN Link with MASTER is down', "READONLY You can't write against a read only replica."]) {
    expect(isRedisOutage(replyError(message))).toBe(true);
  }
});

test('any other reply is Redis refusing our command: a bug, not an outage', () => {
  for (const message of ['WRONGTYPE Operation against a key holding the wrong kind of value', 'ERR Error running script (call to f_1): @user_script:1: oops', 'NOSCRIPT No matching script', 'ERR unknown command']) {
    expect(isRedisOutage(replyError(message))).toBe(false);
  }
});

test('a refused or dropped connection is an outage', () => {
  expect(isRedisOutage(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }))).toBe(true);
  expect(isRedisOutage(new Error('Connection is closed.'))).toBe(true);
});

test('guardRedis answers a MOVED with 503 cache_unavailable and a retry hint, and passes a script error on', async () => {
  const moved = guardRedis(connected, 'rate limit', () => Promise.reject(replyError('MOVED 11947 127.0.0.1:30462')));
  await expect(moved).rejects.toBeInstanceOf(UnavailableError);
  await expect(moved).rejects.toMatchObject({ code: 'cache_unavailable', status: 503, details: { retryAfterSeconds: 1 } });
  const bug = replyError('ERR Error running script');
  await expect(guardRedis(connected, 'rate limit', () => Promise.reject(bug))).rejects.toBe(bug);
});
