import {
  NO_STREAK,
  advanceStreak,
  creditOf,
  foldText,
  isWithinWindow,
  matchesAccepted,
  previousOpening,
  revealTally,
  scoreAnswer,
  streakBonus,
  type QuestionRules,
  type QuizRules,
  type StreakState,
} from '../../processors/scoring';

const q: QuestionRules = { points: 1000, timeLimitMs: 20_000, correct: ['b'], openedAt: 10_000, closesAt: 30_000 };

describe('scoreAnswer (Kahoot: round(points × (1 − (t/T)/2)))', () => {
  it('gives full points at t = 0 and half at t = T', () => {
    expect(scoreAnswer(q, { choiceId: 'b', acceptedAt: 10_000 })).toEqual({ correct: true, late: false, points: 1000, latencyMs: 0 });
    expect(scoreAnswer(q, { choiceId: 'b', acceptedAt: 30_000 })).toEqual({ correct: true, late: false, points: 500, latencyMs: 20_000 });
  });

  it('rounds to the nearest point', () => {
    // t/T = 1234/20000 → 1000 × (1 − 0.03085) = 969.15
    expect(scoreAnswer(q, { choiceId: 'b', acceptedAt: 11_234 }).points).toBe(969);
    // 333 × (1 − 0.25) = 249.75
    expect(scoreAnswer({ ...q, points: 333 }, { choiceId: 'b', acceptedAt: 20_000 }).points).toBe(250);
  });

  it('scores a wrong answer 0 but reports its latency', () => {
    expect(scoreAnswer(q, { choiceId: 'a', acceptedAt: 15_000 })).toEqual({ correct: false, late: false, points: 0, latencyMs: 5_000 });
  });

  it('scores a correct answer after closesAt 0 and marks it late', () => {
    expect(scoreAnswer(q, { choiceId: 'b', acceptedAt: 30_001 })).toEqual({ correct: true, late: true, points: 0, latencyMs: 20_001 });
  });

  it('scores 0 after the host closed the question early', () => {
    const closed = { ...q, closedAt: 20_000 };
    expect(scoreAnswer(closed, { choiceId: 'b', acceptedAt: 20_000 }).points).toBe(750);
    expect(scoreAnswer(closed, { choiceId: 'b', acceptedAt: 20_001 })).toMatchObject({ late: true, points: 0 });
  });

  it('scores 0 before the open or when the question was never opened', () => {
    expect(scoreAnswer(q, { choiceId: 'b', acceptedAt: 9_999 })).toMatchObject({ late: true, points: 0, latencyMs: 0 });
    const never: QuestionRules = { points: 1000, timeLimitMs: 20_000, correct: ['b'] };
    expect(scoreAnswer(never, { choiceId: 'b', acceptedAt: 1 })).toEqual({ correct: true, late: true, points: 0, latencyMs: 0 });
  });

  it('scores several correct choices all-or-nothing: every correct pick and no other', () => {
    const multi = { ...q, correct: ['a', 'c'] };
    expect(scoreAnswer(multi, { choiceIds: ['c', 'a'], acceptedAt: 10_000 })).toMatchObject({ correct: true, points: 1000 });
    expect(scoreAnswer(multi, { choiceIds: ['c'], acceptedAt: 10_000 })).toMatchObject({ correct: false, points: 0 });
    expect(scoreAnswer(multi, { choiceId: 'c', acceptedAt: 10_000 })).toMatchObject({ correct: false, points: 0 });
    expect(scoreAnswer(multi, { choiceIds: ['a', 'b', 'c'], acceptedAt: 10_000 })).toMatchObject({ correct: false, points: 0 });
  });

  it('never gives more than the points or less than half for an in-time correct answer', () => {
    for (let t = 10_000; t <= 30_000; t += 37) {
      const { points } = scoreAnswer(q, { choiceId: 'b', acceptedAt: t });
      expect(points).toBeGreaterThanOrEqual(500);
      expect(points).toBeLessThanOrEqual(1000);
    }
  });
});

describe('isWithinWindow', () => {
  it('includes both ends of [openedAt, min(closesAt, closedAt)]', () => {
    expect(isWithinWindow(q, 10_000)).toBe(true);
    expect(isWithinWindow(q, 30_000)).toBe(true);
    expect(isWithinWindow({ ...q, closedAt: 12_000 }, 12_000)).toBe(true);
    expect(isWithinWindow({ ...q, closedAt: 12_000 }, 12_001)).toBe(false);
  });
});

describe('partial credit (quiz option partial)', () => {
  const multi: QuestionRules = { ...q, correct: ['a', 'b', 'c'] };
  const partial: QuizRules = { scoring: 'speed', streak: false, partial: true };

  it('gives points × (right − wrong) / correct, floored at 0, with the speed factor', () => {
    expect(scoreAnswer(multi, { choiceIds: ['a', 'b'], acceptedAt: 10_000 }, partial)).toEqual({ correct: false, late: false, points: 667, latencyMs: 0 });
    expect(scoreAnswer(multi, { choiceIds: ['a', 'b', 'd'], acceptedAt: 10_000 }, partial).points).toBe(333);
    expect(scoreAnswer(multi, { choiceIds: ['a', 'd', 'e'], acceptedAt: 10_000 }, partial).points).toBe(0);
    // Half the time limit: 1000 × 2/3 × 0.75 = 500
    expect(scoreAnswer(multi, { choiceIds: ['a', 'b'], acceptedAt: 20_000 }, partial).points).toBe(500);
    expect(scoreAnswer(multi, { choiceIds: ['a', 'b', 'c'], acceptedAt: 10_000 }, partial)).toMatchObject({ correct: true, points: 1000 });
  });

  it('changes nothing for a question with one correct choice', () => {
    expect(creditOf(q, { choiceIds: ['a'], acceptedAt: 0 }, true)).toBe(0);
    expect(creditOf(q, { choiceIds: ['b'], acceptedAt: 0 }, true)).toBe(1);
  });

  it('a late partial answer scores 0', () => {
    expect(scoreAnswer(multi, { choiceIds: ['a'], acceptedAt: 30_001 }, partial)).toMatchObject({ late: true, points: 0 });
  });
});

describe('true/false', () => {
  const tf: QuestionRules = { ...q, type: 'truefalse', correct: ['false'] };
  it('scores the one correct of the two fixed choices', () => {
    expect(scoreAnswer(tf, { choiceId: 'false', acceptedAt: 10_000 })).toMatchObject({ correct: true, points: 1000 });
    expect(scoreAnswer(tf, { choiceIds: ['false'], acceptedAt: 10_000 })).toMatchObject({ correct: true, points: 1000 });
    expect(scoreAnswer(tf, { choiceId: 'true', acceptedAt: 10_000 })).toMatchObject({ correct: false, points: 0 });
    expect(revealTally(tf, { choiceId: 'true', acceptedAt: 0 })).toEqual(['true']);
  });
});

describe('text answers', () => {
  const word: QuestionRules = { ...q, type: 'text', correct: [], accepted: ['Horse', 'a horse'], ignoreAccents: false };
  const accented: QuestionRules = { ...word, accepted: ['élève'], ignoreAccents: true };

  it('matches ignoring case and surrounding spaces, against any accepted spelling', () => {
    expect(scoreAnswer(word, { text: '  HORSE ', acceptedAt: 10_000 })).toMatchObject({ correct: true, points: 1000 });
    expect(scoreAnswer(word, { text: 'A Horse', acceptedAt: 10_000 })).toMatchObject({ correct: true, points: 1000 });
    expect(scoreAnswer(word, { text: 'horses', acceptedAt: 10_000 })).toMatchObject({ correct: false, points: 0 });
    expect(scoreAnswer(word, { choiceId: 'horse', acceptedAt: 10_000 })).toMatchObject({ correct: false, points: 0 });
  });

  it('keeps accents unless the question ignores them', () => {
    const strict: QuestionRules = { ...accented, ignoreAccents: false };
    expect(scoreAnswer(strict, { text: 'eleve', acceptedAt: 10_000 }).correct).toBe(false);
    expect(scoreAnswer(strict, { text: 'ÉLÈVE', acceptedAt: 10_000 }).correct).toBe(true);
    expect(scoreAnswer(accented, { text: 'eleve', acceptedAt: 10_000 }).correct).toBe(true);
    expect(scoreAnswer(accented, { text: ' Elève ', acceptedAt: 10_000 }).correct).toBe(true);
    // A decomposed é (e + U+0301) is the same answer as the composed one.
    expect(scoreAnswer(strict, { text: 'e\u0301le\u0300ve', acceptedAt: 10_000 }).correct).toBe(true);
  });

  it('folds case fully (ß meets SS) and accents by dropping combining marks', () => {
    expect(foldText('STRASSE', false)).toBe(foldText('straße', false));
    expect(foldText('Ça  va', true)).toBe('ca  va');
    expect(matchesAccepted('naïve', ['naive'], true)).toBe(true);
    expect(matchesAccepted('naïve', ['naive'], false)).toBe(false);
  });

  it('tallies correct or wrong for the reveal', () => {
    expect(revealTally(word, { text: 'horse', acceptedAt: 0 })).toEqual(['correct']);
    expect(revealTally(word, { text: 'cow', acceptedAt: 0 })).toEqual(['wrong']);
  });
});

describe('flat scoring', () => {
  const flat: QuizRules = { scoring: 'flat', streak: false, partial: false };
  it('gives the full points to a correct answer whatever the time, 0 to a wrong or late one', () => {
    expect(scoreAnswer(q, { choiceId: 'b', acceptedAt: 10_000 }, flat).points).toBe(1000);
    expect(scoreAnswer(q, { choiceId: 'b', acceptedAt: 29_999 }, flat).points).toBe(1000);
    expect(scoreAnswer(q, { choiceId: 'a', acceptedAt: 10_000 }, flat).points).toBe(0);
    expect(scoreAnswer(q, { choiceId: 'b', acceptedAt: 30_001 }, flat).points).toBe(0);
  });
  it('with partial credit, gives the share without a speed factor', () => {
    const multi: QuestionRules = { ...q, correct: ['a', 'b'] };
    expect(scoreAnswer(multi, { choiceIds: ['a'], acceptedAt: 29_000 }, { ...flat, partial: true }).points).toBe(500);
  });
});

describe('answer streak', () => {
  // Questions open at 1000, 2000, …; `missed` is a question the player did not answer.
  const play = (answers: Array<boolean | 'missed'>): number[] => {
    let s: StreakState = NO_STREAK;
    const bonuses: number[] = [];
    answers.forEach((a, i) => {
      if (a === 'missed') {
        bonuses.push(0);
        return;
      }
      const version = 1_000 * (i + 1);
      const step = advanceStreak(s, version, previousOpening(answers.map((_, k) => 1_000 * (k + 1)), version), a);
      bonuses.push(step.bonus);
      s = step.next;
    });
    return bonuses;
  };

  it('adds +100 per correct answer in a row before this one, at most +500', () => {
    expect(play([true, true, true, true, true, true, true, true])).toEqual([0, 100, 200, 300, 400, 500, 500, 500]);
    expect(streakBonus(0)).toBe(0);
    expect(streakBonus(9)).toBe(500);
  });

  it('a wrong answer resets it, and earns nothing itself', () => {
    expect(play([true, true, false, true, true])).toEqual([0, 100, 0, 0, 100]);
  });

  it('a missed question resets it, noticed at the next answer', () => {
    expect(play([true, true, 'missed', true, true])).toEqual([0, 100, 0, 0, 100]);
    expect(play(['missed', true, true])).toEqual([0, 0, 100]);
    expect(play([true, true, true, 'missed', 'missed', true])).toEqual([0, 100, 200, 0, 0, 0]);
  });

  it('an answer to a question opened before the one that last moved the streak neither earns nor moves it', () => {
    const s: StreakState = { count: 3, version: 5_000 };
    expect(advanceStreak(s, 4_000, 3_000, true)).toEqual({ bonus: 0, next: s });
    expect(advanceStreak(s, 4_000, 3_000, false)).toEqual({ bonus: 0, next: s });
  });

  it('finds the question played just before from the openings (unopened ones skipped)', () => {
    expect(previousOpening([3_000, undefined, 1_000, 2_000, 5_000], 3_000)).toBe(2_000);
    expect(previousOpening([3_000, 5_000], 3_000)).toBe(0);
  });
});
