import { randomUUID } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError, UnavailableError, UnprocessableError, ValidationError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { PlayerIdentity } from '../common/tokens';
import { nameSuggestions, type ProfanityCheck } from './display-names';
import type { EventWriter } from './event-writer';
import type { JoinClaims } from './join-claims';
import type { KickedPlayers } from './kicked-players';
import type { QuizStore } from './quiz-store';

export interface JoinResult {
  created: boolean;
  body: { quizId: string; playerId: string; displayName: string; joinedAt?: string };
}

/**
 * A player joins once, under one name nobody else in the quiz has; joining again is a no-op that
 * returns that name, so a client may retry a join whose reply it never saw.
 */
export class Joins {
  constructor(
    private readonly store: QuizStore,
    private readonly claims: JoinClaims,
    private readonly kicked: KickedPlayers,
    private readonly profanity: ProfanityCheck,
    private readonly writer: EventWriter,
    private readonly log: Logger,
  ) {}

  /** `requestedName` and the token's name are already normalized (validation.ts displayNameSchema). */
  async join(quizId: string, player: PlayerIdentity, requestedName: string | undefined): Promise<JoinResult> {
    const { playerId } = player;
    const requested = requestedName ?? player.displayName ?? '';
    const request = {
      displayName: requested,
      name: requested === '' ? ('no_name' as const) : this.profanity.isProfane(requested) ? ('name_rejected' as const) : ('ok' as const),
      suggestions: requested === '' ? [] : nameSuggestions(requested),
    };
    // Once the cache knows the quiz, its kicks and its names, one script decides; a refill from
    // Postgres happens only for what it called uncached (a new ingest, an expired or lost cache).
    for (let attempt = 0; attempt < 3; attempt++) {
      const claim = await this.claims.claim(quizId, playerId, request);
      switch (claim.kind) {
        case 'uncached':
          await this.fill(quizId, playerId);
          continue;
        case 'quiz_not_found':
          throw notFound(quizId);
        case 'quiz_closed':
          throw new UnprocessableError(`quiz "${quizId}" is closed`, 'quiz_closed');
        case 'kicked':
          throw kicked(quizId);
        case 'joined':
          return { created: false, body: { quizId, playerId, displayName: claim.displayName } };
        case 'no_name':
          throw new ValidationError('displayName is required (the token carries no usable name)');
        case 'name_rejected':
          throw new UnprocessableError('this display name is not allowed; choose another', 'name_rejected');
        case 'pending':
          throw new ConflictError('this player is joining already; retry in a moment', 'join_pending', { displayName: claim.displayName });
        case 'taken':
          throw new ConflictError(
            `another player in this quiz is called "${requested}"${claim.suggestion === undefined ? '' : `; "${claim.suggestion}" is free`}`,
            'name_taken',
            claim.suggestion === undefined ? {} : { suggestion: claim.suggestion },
          );
        case 'claimed':
          return this.write(quizId, playerId, claim.displayName);
      }
    }
    throw new UnavailableError('the players of this quiz could not be loaded into redis; retry', 1, 'cache_unavailable');
  }

  /** Loads into Redis what the claim needs: the quiz (a missing one is answered here), the host's kicks, the players' names. */
  private async fill(quizId: string, playerId: string): Promise<void> {
    const quiz = await this.store.getQuiz(quizId);
    if (!quiz) throw notFound(quizId);
    if (await this.kicked.isKicked(quizId, playerId)) throw kicked(quizId);
    await this.claims.fill(quizId);
  }

  private async write(quizId: string, playerId: string, displayName: string): Promise<JoinResult> {
    const joinedAt = Date.now();
    try {
      // The event goes first: the player can answer only once recorded, and the processors must
      // see the join before any of the player's answers.
      await this.writer.write(quizId, [{ type: 'PlayerJoined', payload: { eventId: randomUUID(), quizId, playerId, displayName, joinedAt } }]);
    } catch (err) {
      await this.claims
        .abandon(quizId, playerId, displayName)
        .catch((abandonErr: unknown) => this.log.warn({ err: abandonErr, quizId, playerId }, 'could not free a join claim for its retry'));
      throw err;
    }
    const recorded = await Promise.allSettled([this.claims.confirm(quizId, playerId, displayName), this.store.recordJoin(quizId, playerId, displayName, joinedAt)]);
    const failed = recorded.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // The join is in Kafka and the processors will record it; one copy is enough to recognise the
    // player meanwhile. With neither, answers may see 403 until the processors catch up.
    if (failed.length === recorded.length) {
      this.log.error({ err: failed[0]!.reason, quizId, playerId }, 'join accepted but neither Redis nor Postgres recorded it');
    } else if (failed.length > 0) {
      this.log.warn({ err: failed[0]!.reason, quizId, playerId }, 'join accepted and recorded once, not twice');
    }
    return { created: true, body: { quizId, playerId, displayName, joinedAt: new Date(joinedAt).toISOString() } };
  }
}

function notFound(quizId: string): NotFoundError {
  return new NotFoundError(`quiz "${quizId}" does not exist`, 'quiz_not_found');
}

function kicked(quizId: string): ForbiddenError {
  return new ForbiddenError(`the host removed this player from quiz "${quizId}"`, 'kicked');
}
