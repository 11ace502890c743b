import { z } from 'zod';
import { SnapshotFormatError } from '../common/errors';
import type { LeaderboardSnapshot } from '../common/messages/events';
import { snapshotJson, type SnapshotWire } from '../common/messages/wire';
import { eventFrame, sseFrame } from './sse-frames';
import type { SnapshotFrame } from './viewer';

const count = z.number().int().nonnegative();

// Processors write this JSON to Redis. It is checked rather than trusted (once per change, see
// served-snapshots.ts) so a bad write shows up as one clear error here instead of a broken frame
// in every browser. Typed against the one declaration of the shape, so the check cannot drift from it.
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

export function snapshotFromEvent(event: LeaderboardSnapshot): SnapshotWire {
  // Records written before openQuestions existed decode without it (their writer schema lacks it).
  return { quizId: event.quizId, seq: event.seq, players: event.players, answers: event.answers, openQuestions: event.openQuestions ?? [], entries: event.entries };
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
  const { createdAt: stamp, ...snapshot } = parsed.data;
  const createdAt = stamp === undefined ? undefined : new Date(stamp).getTime();
  return { ...snapshot, ...(createdAt !== undefined && Number.isFinite(createdAt) ? { createdAt } : {}) };
}

/**
 * Serializes a snapshot once, as the SSE frame every viewer of the quiz gets. `json` is its
 * snapshotJson when already at hand (the bytes stored in Redis), so it is not made again.
 */
export function snapshotFrame(s: SnapshotWire, createdAt?: number, json: string = snapshotJson(s)): SnapshotFrame {
  return { ...sseFrame('snapshot', eventFrame({ event: 'snapshot', id: s.seq, data: json })), seq: s.seq, createdAt };
}
