import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClickHouse } from '../../../common/clickhouse';
import { REPORTS, findReport } from '../../../infra/analytics/reports';
import { runReport } from '../../../infra/analytics/run';
import { onCleanup } from '../../helpers/cleanup';
import { uniqueId } from '../../helpers/ids';
import { testConfig } from '../../helpers/stack';
import { T0, TOP_SCORE, counterTotal, forgetQuizAtCleanup, expectedReports, playScriptedQuiz, rawCount, send, startSink, testStack, waitForInserted, waitForRows, type ScriptedCounts, type TestStack } from '../../helpers/scripted-quiz';

// A scripted quiz goes through Kafka and the ClickHouse sink; every report must show exactly the
// numbers worked out by hand. Then a second sink group reads all the same messages again from the
// beginning, ClickHouse receives every row twice, and every report must still be the same.

// The integration project's testTimeout sits in a project config, where jest ignores it.
jest.setTimeout(120_000);

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');

describe('analytics reports over the ClickHouse rollups', () => {
  const ch = createClickHouse(testConfig.clickhouse);
  const quizId = uniqueId('aq');
  let stack: TestStack;
  let counts: ScriptedCounts;

  beforeAll(async () => {
    onCleanup(() => ch.close());
    forgetQuizAtCleanup(ch, quizId);
    stack = await testStack();
    counts = await playScriptedQuiz(stack, quizId);
  });

  const reportFor = async (name: string, quiz = quizId) => runReport(ch, findReport(name)!, { quizId: quiz });

  it('shows exactly the scripted numbers once the sink has copied the quiz', async () => {
    const first = await startSink(stack.config);
    await waitForRows(ch, quizId, counts);
    await first.stop();
    const expected = expectedReports(quizId);
    expect(await reportFor('questions')).toEqual(expected.questions);
    expect(await reportFor('quizzes')).toEqual(expected.quizzes);
    expect(await reportFor('funnel')).toEqual(expected.funnel);
    expect(await reportFor('throughput')).toEqual(expected.throughput);
    // Exactly once so far: the relayed QuestionOpened, QuestionRevealed and AnswerSubmitted were skipped.
    expect(await rawCount(ch, 'answers', quizId)).toBe(counts.answers);
    expect(await rawCount(ch, 'quiz_events', quizId)).toBe(counts.quizEvents);
    expect(await rawCount(ch, 'snapshots', quizId)).toBe(counts.snapshots);
  });

  it('leaves every report unchanged when the same Kafka messages are replayed', async () => {
    const before = Object.fromEntries(await Promise.all(REPORTS.map(async (r) => [r.name, await reportFor(r.name)] as const)));
    const replay = await startSink(stack.config); // a new group id: reads everything from the beginning
    await waitForInserted(replay, counts);
    await replay.stop();
    // The replay really reached ClickHouse (and so the materialized views) a second time...
    for (const [table, n] of [['answers', counts.answers], ['quiz_events', counts.quizEvents], ['snapshots', counts.snapshots]] as const) {
      expect({ table, inserted: await counterTotal(replay.registry, 'quizstream_sink_rows_inserted_total', { table }) }).toEqual({ table, inserted: n });
    }
    // ...and no report counts it.
    for (const r of REPORTS) expect({ report: r.name, rows: await reportFor(r.name) }).toEqual({ report: r.name, rows: before[r.name] });
    expect(before.questions).toEqual(expectedReports(quizId).questions);
  });

  it('agrees with the deduplicated base table (FINAL) on answers and correct answers', async () => {
    const rs = await ch.query({
      query: `SELECT question_id, toUInt32(count()) AS answers, toUInt32(sum(correct)) AS correct FROM answers FINAL WHERE quiz_id = '${quizId}' GROUP BY question_id ORDER BY question_id`,
      format: 'JSONEachRow',
    });
    const base = await rs.json<{ question_id: string; answers: number; correct: number }>();
    const rollup = (await reportFor('questions')).map((r) => ({ question_id: r.question_id, answers: r.answers, correct: r.correct }));
    expect(base).toEqual(rollup);
  });

  it('treats a quiz id with quotes and backslashes as a value, never as SQL', async () => {
    for (const evil of ["x' OR 1=1 --", "\\' OR quiz_id != '", `${quizId}' OR '1'='1`, "'; DROP TABLE answers; --"]) {
      for (const r of REPORTS) expect({ report: r.name, evil, rows: await reportFor(r.name, evil) }).toEqual({ report: r.name, evil, rows: [] });
    }
    const rs = await ch.query({ query: `SELECT count() AS n FROM answers FINAL WHERE quiz_id = '${quizId}'`, format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ n: String(counts.answers) }]);
  });

  it('counts an answer a processor re-scored after a crash once, with the latest scoring latency', async () => {
    const before = Object.fromEntries(await Promise.all(REPORTS.map(async (r) => [r.name, await reportFor(r.name)] as const)));
    // q3's only answer (p1, accepted at T0 + 73 s, first scored 80 ms later) scored again 1080 ms after acceptance.
    const acceptedAt = T0 + 73_000;
    await send(stack, stack.codec.topics.results, quizId, 'AnswerScored', {
      answerId: `${quizId}-answer-q3-p1`, quizId, questionId: 'q3', playerId: 'p1', choiceId: 'a', correct: true, late: false,
      points: 925, total: TOP_SCORE, rank: 1, latencyMs: 3_000, acceptedAt, scoredAt: acceptedAt + 1_080,
    });
    const sink = await startSink(stack.config);
    await waitForInserted(sink, { ...counts, answers: counts.answers + 1 });
    await sink.stop();
    for (const name of ['questions', 'quizzes', 'funnel']) expect({ name, rows: await reportFor(name) }).toEqual({ name, rows: before[name] });
    expect(await reportFor('throughput')).toEqual([before.throughput![0], { ...before.throughput![1], p50_ms: 1_080, p99_ms: 1_080 }]);
  });

  it('prints the reports from the command line as a table, CSV and JSON', async () => {
    const cli = (...args: string[]) => run('npx', ['tsx', 'infra/analytics/main.ts', ...args], { cwd: ROOT, env: process.env });
    const table = await cli('funnel', '--quiz', quizId);
    expect(table.stdout.split('\n').slice(0, 3)).toEqual([
      'quiz_id'.padEnd(quizId.length) + '  answered_at_least  players  pct',
      `${'-'.repeat(quizId.length)}  -----------------  -------  ---`,
      `${quizId}                  0        4  100`,
    ]);
    const csv = await cli('quizzes', '--quiz', quizId, '--format', 'csv');
    expect(csv.stdout.split('\r\n')[0]).toBe('quiz_id,questions,players_joined,players_answered,players_completed,completed_pct,answers,correct_pct,top_score,started_at,closed_at');
    expect(csv.stdout.split('\r\n')[1]).toMatch(new RegExp(`^${quizId},3,4,3,1,25,7,71.4,\\d+,2026-01-15 10:00:00,2026-01-15 10:02:00$`));
    const json = await cli('questions', '--quiz', quizId, '--format', 'json');
    expect(JSON.parse(json.stdout)).toEqual(expectedReports(quizId).questions);
    await expect(cli('nonsense')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('unknown report "nonsense"') });
  });
});
