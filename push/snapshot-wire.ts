import { z } from 'zod';
import { SnapshotFormatError } from '../common/errors';
import type { LeaderboardSnapshot } from '../common/messages/events';
import type { SnapshotWire } from '../common/messages/wire';
import { eventFrame, sseFrame } from './sse-frames';
import type { SnapshotFrame } from './viewer';

const count = z.number().int().nonnegative();

// Processors write this JSON to Redis. It is checked rather than trusted so a bad write shows up
// as one clear error here instead of a broken frame in every browser.
// Typed against the one declaration of the shape, so the check cannot drift from it.
const storedSnapshot: z.ZodType<SnapshotWire & { createdAt?: number | string }, z.ZodTypeDef, unknown> = z.object({
  quizId: z.string(),
  seq: count,
  players: count,
  answers: count,
  // Written by processors from before the field existed: none listed.
  openQuestions: z.array(z.object({ questionId: z.string(), answered: count })).default([]),
  entries: z.array(z.object({ rank: z.number().int().positive(), playerId: z.string(), displayName: z.string(), score: z.number() })),
  createdAt: z.union([z.number(), z.string()]).optional(),
});

/** Only the contract's fields, in the contract's order, so both sources serialize to the same bytes. */
function wire(s: SnapshotWire): SnapshotWire {
  return {
    quizId: s.quizId,
    seq: s.seq,
    players: s.players,
    answers: s.answers,
    openQuestions: s.openQuestions.map((q) => ({ questionId: q.questionId, answered: q.answered })),
    entries: s.entries.map((e) => ({ rank: e.rank, playerId: e.playerId, displayName: e.displayName, score: e.score })),
  };
}

export function snapshotFromEvent(event: LeaderboardSnapshot): SnapshotWire {
  // Records written before openQuestions existed decode without it (their writer schema lacks it).
  return wire({ ...event, openQuestions: event.openQuestions ?? [] });
}

export function parseStoredSnapshot(json: string): SnapshotWire & { createdAt?: number } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new SnapshotFormatError(`snapshot in Redis is not JSON: ${(err as Error).message}`);
  }
  const parsed = storedSnapshot.safeParse(value);
  if (!parsed.success) {
    throw new SnapshotFormatError(`snapshot in Redis does not match the v1 shape: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const createdAt = parsed.data.createdAt === undefined ? undefined : new Date(parsed.data.createdAt).getTime();
  return { ...wire(parsed.data), ...(createdAt !== undefined && Number.isFinite(createdAt) ? { createdAt } : {}) };
}

/** Serializes a snapshot once, as the SSE frame every viewer of the quiz gets. */
export function snapshotFrame(s: SnapshotWire, createdAt?: number): SnapshotFrame {
  return { ...sseFrame('snapshot', eventFrame({ event: 'snapshot', id: s.seq, data: JSON.stringify(wire(s)) })), seq: s.seq, createdAt };
}

/** GET leaderboard?limit=N: the first N entries; players and answers still count everyone. */
export function limitEntries(s: SnapshotWire, limit: number | undefined): SnapshotWire {
  return limit === undefined ? wire(s) : { ...wire(s), entries: s.entries.slice(0, limit).map((e) => ({ ...e })) };
}
