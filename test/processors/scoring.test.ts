import { isWithinWindow, scoreAnswer, type QuestionRules } from '../../processors/scoring';

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

  it('accepts any of several correct choices', () => {
    const multi = { ...q, correct: ['a', 'c'] };
    expect(scoreAnswer(multi, { choiceId: 'c', acceptedAt: 10_000 }).points).toBe(1000);
    expect(scoreAnswer(multi, { choiceId: 'b', acceptedAt: 10_000 }).points).toBe(0);
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
