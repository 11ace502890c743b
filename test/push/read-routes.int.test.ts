import type { LeaderboardEntryWire, PlayerStandingWire, StandingsPageWire } from '../../common/messages/wire';
import { createRedis, redisKeys } from '../../common/redis';
import { LeaderboardWriter } from '../../processors/leaderboard-writer';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { startTestPush, type TestPush } from '../helpers/push-app';
import { deleteQuizKeys } from '../helpers/quiz-cleanup';
import { testConfig } from '../helpers/stack';

// The full standings and a player's neighbourhood, read through push from a board the processors'
// own Redis scripts wrote (leaderboard-writer.ts: joins, answers, held points, the snapshot), so
// the composite score and its tie-breaks are the real ones.

jest.setTimeout(180_000);

const redis = createRedis(testConfig.redis, 'read-routes-test');
onCleanup(() => redis.quit());
const writer = new LeaderboardWriter(redis);

let push: TestPush;
beforeAll(async () => {
  push = await startTestPush();
});

interface Player {
  playerId: string;
  displayName: string;
  score: number;
  /** When the player reached the score (ms since the ranking epoch): the tie-break. */
  reachedMs: number;
}

/** The design's order: score, then who reached it first; Redis orders equal composites by playerId, descending. */
function referenceOrder(players: Player[]): LeaderboardEntryWire[] {
  return [...players]
    .sort((a, b) => b.score - a.score || a.reachedMs - b.reachedMs || (a.playerId < b.playerId ? 1 : -1))
    .map((p, i) => ({ rank: i + 1, playerId: p.playerId, displayName: p.displayName, score: p.score }));
}

/**
 * A board of `n` players: p<i> joins at 1000 + i ms; six in seven score (i % 7) × 100, the later
 * ones reaching it earlier, so ties break against join order; every seventh stays at 0 (join
 * order). p1 and p8 tie on score and on the millisecond, to show the id fallback. Stores the
 * top-`topN` snapshot as a processor does.
 */
async function board(n: number, topN: number): Promise<{ quizId: string; players: Player[] }> {
  const quizId = uniqueId('standings');
  onCleanup(() => deleteQuizKeys(redis, quizId));
  await redis.set(redisKeys.built(quizId), '1');
  const players: Player[] = [];
  for (let i = 1; i <= n; i++) {
    const playerId = `p${i}`;
    const displayName = `Player ${i}`;
    await writer.applyJoin(quizId, playerId, displayName, 1000 + i);
    const score = (i % 7) * 100;
    const reachedMs = score === 0 ? 1000 + i : i === 8 ? 500_000 - 10 : 500_000 - i * 10;
    if (score > 0) {
      const applied = await writer.applyAnswer({
        hold: false,
        quizId,
        questionId: 'q1',
        playerId,
        answerId: `a${i}`,
        acceptedAt: reachedMs,
        tally: ['a'],
        points: score,
        reachedOffsetMs: reachedMs,
      });
      expect(applied.outcome).toBe('scored');
    }
    players.push({ playerId, displayName, score, reachedMs });
  }
  const view = await writer.ranking(quizId, topN);
  expect(await writer.storeSnapshot({ quizId, seq: 1, ...view })).toBe(true);
  return { quizId, players };
}

async function get<T>(path: string): Promise<{ status: number; body: T; text: string }> {
  const res = await fetch(`${push.url}${path}`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as T, text };
}

describe('GET leaderboard', () => {
  test('serves the snapshot bytes exactly as the processor stored them; ?limit serves the top N of them', async () => {
    const { quizId, players } = await board(12, 10);
    const stored = await redis.get(redisKeys.snapshot(quizId));
    const whole = await get<{ entries: LeaderboardEntryWire[] }>(`/v1/quizzes/${quizId}/leaderboard`);
    expect(whole.status).toBe(200);
    expect(whole.text).toBe(stored);
    expect(whole.body.entries).toEqual(referenceOrder(players).slice(0, 10));
    const top3 = await get<{ players: number; entries: LeaderboardEntryWire[] }>(`/v1/quizzes/${quizId}/leaderboard?limit=3`);
    expect(top3.body).toEqual({ ...JSON.parse(stored!), entries: referenceOrder(players).slice(0, 3) });
    expect((await get(`/v1/quizzes/${quizId}/leaderboard?limit=10`)).text).toBe(stored);
  });
});

describe('full standings: GET leaderboard?offset=&limit=', () => {
  test('pages through the whole board in the ranking order, ties included, past the snapshot top N', async () => {
    const { quizId, players } = await board(230, 100);
    const expected = referenceOrder(players);
    // The tie-breaks are really exercised: equal scores in an order other than by id or by join.
    expect(expected.findIndex((e) => e.playerId === 'p13')).toBeLessThan(expected.findIndex((e) => e.playerId === 'p6'));
    expect(expected.findIndex((e) => e.playerId === 'p7')).toBeLessThan(expected.findIndex((e) => e.playerId === 'p14'));
    expect(expected.findIndex((e) => e.playerId === 'p8')).toBeLessThan(expected.findIndex((e) => e.playerId === 'p1'));

    const read: LeaderboardEntryWire[] = [];
    for (let offset = 0; offset < 230; offset += 60) {
      const page = await get<StandingsPageWire>(`/v1/quizzes/${quizId}/leaderboard?offset=${offset}&limit=60`);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ quizId, players: 230, offset });
      read.push(...page.body.entries);
    }
    expect(read).toEqual(expected);
    // A page inside the snapshot (from it) and one across its end (from the sorted set) agree.
    const inside = await get<StandingsPageWire>(`/v1/quizzes/${quizId}/leaderboard?offset=90&limit=10`);
    const across = await get<StandingsPageWire>(`/v1/quizzes/${quizId}/leaderboard?offset=90&limit=20`);
    expect(inside.body.entries).toEqual(expected.slice(90, 100));
    expect(across.body.entries).toEqual(expected.slice(90, 110));
    // Without a limit: PUSH_STANDINGS_PAGE_SIZE entries.
    const byDefault = await get<StandingsPageWire>(`/v1/quizzes/${quizId}/leaderboard?offset=120`);
    expect(byDefault.body.entries).toEqual(expected.slice(120, 120 + push.options.reads.standingsPageSize));
    const pastTheEnd = await get<StandingsPageWire>(`/v1/quizzes/${quizId}/leaderboard?offset=5000&limit=10`);
    expect(pastTheEnd.status).toBe(200);
    expect(pastTheEnd.body).toEqual({ quizId, players: 230, offset: 5000, entries: [] });
  });

  test('404 leaderboard_not_found for a quiz with neither a board nor a snapshot', async () => {
    const res = await get<unknown>(`/v1/quizzes/${uniqueId('none')}/leaderboard?offset=0&limit=5`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'leaderboard_not_found' } });
  });

  test('400 invalid_request naming the parameter for an offset or limit out of bounds', async () => {
    const { quizId } = await board(3, 3);
    const cases: Array<[string, string]> = [
      ['offset=-1', 'offset'],
      ['offset=abc', 'offset'],
      ['offset=1.5', 'offset'],
      ['offset=1e3', 'offset'],
      ['offset=1000000000', 'offset'],
      ['offset=1&offset=2', 'offset'],
      ['offset=0&limit=0', 'limit'],
      ['offset=0&limit=1001', 'limit'],
      ['offset=0&limit=', 'limit'],
    ];
    for (const [query, param] of cases) {
      const res = await get<{ error: { code: string; message: string; details: { param: string } } }>(`/v1/quizzes/${quizId}/leaderboard?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', details: { param } });
      expect(res.body.error.message).toMatch(new RegExp(`^${param} must be a whole number from \\d+ to \\d+`));
    }
  });
});

describe("a player's standing and neighbourhood: GET players/:playerId?around=N", () => {
  test('the N players above and below, the player included, in the board order, clipped at both ends', async () => {
    const { quizId, players } = await board(230, 100);
    const expected = referenceOrder(players);
    const mid = expected[149]!;
    const res = await get<PlayerStandingWire>(`/v1/quizzes/${quizId}/players/${mid.playerId}?around=3`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ playerId: mid.playerId, displayName: mid.displayName, score: mid.score, rank: 150, around: expected.slice(146, 153) });

    const top = await get<PlayerStandingWire>(`/v1/quizzes/${quizId}/players/${expected[0]!.playerId}?around=2`);
    expect(top.body.around).toEqual(expected.slice(0, 3));
    const last = await get<PlayerStandingWire>(`/v1/quizzes/${quizId}/players/${expected[229]!.playerId}?around=50`);
    expect(last.body).toMatchObject({ rank: 230 });
    expect(last.body.around).toEqual(expected.slice(179, 230));
    // Without around: exactly the v1 shape, no neighbourhood.
    expect((await get(`/v1/quizzes/${quizId}/players/${mid.playerId}`)).body).toEqual({ playerId: mid.playerId, displayName: mid.displayName, score: mid.score, rank: 150 });
  });

  test('404 for a player not on the board, 400 for an around out of bounds', async () => {
    const { quizId } = await board(3, 3);
    const missing = await get<unknown>(`/v1/quizzes/${quizId}/players/nobody?around=2`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: 'player_not_found' } });
    for (const around of ['0', '51', '-2', 'x', '']) {
      const res = await get<unknown>(`/v1/quizzes/${quizId}/players/p1?around=${around}`);
      expect([around, res.status]).toEqual([around, 400]);
      expect(res.body).toMatchObject({ error: { code: 'invalid_request', details: { param: 'around' } } });
    }
  });
});

describe('score visibility (onClose): held points stay hidden from pages and neighbourhoods', () => {
  test('until the close releases them, as on the board', async () => {
    const { quizId, players } = await board(5, 5);
    // p5 would lead with 10,000 more points; the question is open, so they are held.
    const held = await writer.applyAnswer({ hold: true, quizId, questionId: 'q2', playerId: 'p5', answerId: 'held', acceptedAt: 600_000, tally: ['b'], points: 10_000, reachedOffsetMs: 600_000 });
    expect(held.outcome).toBe('scored');
    const before = referenceOrder(players);
    // A page from the snapshot (it lists the whole board), then, without it, from the sorted set,
    // and the neighbourhood: all the standings of the last close.
    expect((await get<StandingsPageWire>(`/v1/quizzes/${quizId}/leaderboard?offset=1&limit=10`)).body.entries).toEqual(before.slice(1));
    await redis.del(redisKeys.snapshot(quizId));
    expect((await get<StandingsPageWire>(`/v1/quizzes/${quizId}/leaderboard?offset=0&limit=10`)).body.entries).toEqual(before);
    expect((await get<PlayerStandingWire>(`/v1/quizzes/${quizId}/players/p5?around=5`)).body).toMatchObject({ score: 500, around: before });

    await writer.release(quizId, 'q2', ['p5']);
    const after = referenceOrder(players.map((p) => (p.playerId === 'p5' ? { ...p, score: 10_500, reachedMs: 600_000 } : p)));
    expect(after[0]).toMatchObject({ playerId: 'p5', score: 10_500 });
    expect((await get<StandingsPageWire>(`/v1/quizzes/${quizId}/leaderboard?offset=0&limit=10`)).body.entries).toEqual(after);
    expect((await get<PlayerStandingWire>(`/v1/quizzes/${quizId}/players/p4?around=1`)).body.around).toEqual(after.slice(0, 3));
  });
});
