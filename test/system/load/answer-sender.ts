import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { AnswerPairs } from './quiz-driver';

// An open-loop sender: it offers answers at a target rate on a fixed pool of keep-alive sockets,
// whatever the server's speed, and records when each one got its 202. Requests that would exceed
// the in-flight cap are not sent (counted as "not offered"), so a slow server cannot make the
// client's memory grow without bound.

export interface SentAnswer {
  answerId: string;
  playerId: string;
  sentAt: number;
  acceptedAt: number; // performance.now() at the 202
}

export interface SendResult {
  accepted: SentAnswer[];
  offered: number;
  notOffered: number;
  failed: Record<string, number>;
  durationS: number;
  /** The pairs ran out before the duration: the run was cut short. */
  exhausted: boolean;
}

export async function sendAnswers(baseUrl: string, quizId: string, pairs: AnswerPairs, o: { rate: number; durationS: number; sockets: number; maxInFlight: number }): Promise<SendResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.sockets });
  const url = new URL(`${baseUrl}/v1/quizzes/${quizId}/answers`);
  const accepted: SentAnswer[] = [];
  const failed: Record<string, number> = {};
  let inFlight = 0;
  let offered = 0;
  let notOffered = 0;
  let exhausted = false;
  const pending = new Set<Promise<void>>();

  const sendOne = () => {
    const pair = pairs.take();
    if (!pair) {
      exhausted = true;
      return;
    }
    const answerId = randomUUID();
    const body = JSON.stringify({ questionId: pair.questionId, choiceId: 'a', answerId });
    const sentAt = performance.now();
    inFlight++;
    offered++;
    const p = new Promise<void>((resolve) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${pair.player.token}` } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 202) accepted.push({ answerId, playerId: pair.player.id, sentAt, acceptedAt: performance.now() });
          else failed[String(res.statusCode)] = (failed[String(res.statusCode)] ?? 0) + 1;
          resolve();
        });
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        failed[err.message] = (failed[err.message] ?? 0) + 1;
        resolve();
      });
      req.end(body);
    }).finally(() => {
      inFlight--;
      pending.delete(p);
    });
    pending.add(p);
  };

  const start = performance.now();
  const tickMs = 10;
  let due = 0;
  while (!exhausted) {
    const elapsed = performance.now() - start;
    if (elapsed >= o.durationS * 1000) break;
    const shouldHave = Math.floor((elapsed / 1000) * o.rate);
    while (due < shouldHave && !exhausted) {
      due++;
      if (inFlight >= o.maxInFlight) notOffered++;
      else sendOne();
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  const durationS = (performance.now() - start) / 1000;
  // Bounded by the request timeout above.
  await Promise.all([...pending]);
  agent.destroy();
  return { accepted, offered, notOffered, failed, durationS, exhausted };
}
