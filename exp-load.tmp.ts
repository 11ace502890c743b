import autocannon from 'autocannon';
import { AnswerPairs, setUpQuiz } from './test/system/load/quiz-driver';
async function main() {
  const url = process.env.URL!;
  const quiz = await setUpQuiz(url, { players: 300, questions: 50, openAll: true });
  const pairs = new AnswerPairs(quiz);
  const metrics = async () => (await (await fetch(process.env.METRICS!)).text()).split('\n').filter((l) => /produce_duration_seconds_(sum|count)|http_request_duration_seconds_(sum|count).*answers/.test(l));
  const before = await metrics();
  const r = await autocannon({ url, connections: 100, duration: 5, requests: [{ method: 'POST', path: `/v1/quizzes/${quiz.quizId}/answers`, setupRequest: (req) => { const p = pairs.take()!; return { ...req, headers: { 'content-type': 'application/json', authorization: `Bearer ${p.player.token}` }, body: JSON.stringify({ questionId: p.questionId, choiceId: 'a' }) }; } }] });
  console.log('202/s', (r.statusCodeStats?.['202']?.count ?? 0) / 5, 'p50', r.latency.p50, 'p99', r.latency.p99, 'non2xx', r.non2xx);
  console.log(before.join('\n')); console.log((await metrics()).join('\n'));
}
void main();
