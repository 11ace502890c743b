import fc from 'fast-check';
import { composite, decodeComposite, MAX_EXACT_TOTAL, rankingEpoch, reachedOffset, TIME_SPAN } from '../../processors/ranking';

describe('leaderboard composite', () => {
  it('round-trips total and offset exactly up to the documented limits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_EXACT_TOTAL }), fc.integer({ min: 0, max: TIME_SPAN - 1 }), (total, offset) => {
        const c = composite(total, offset);
        expect(Number.isSafeInteger(c)).toBe(true);
        expect(decodeComposite(c)).toEqual({ total, offsetMs: offset });
      }),
    );
  });

  it('orders by total, then by who reached it first', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_EXACT_TOTAL }),
        fc.integer({ min: 0, max: MAX_EXACT_TOTAL }),
        fc.integer({ min: 0, max: TIME_SPAN - 1 }),
        fc.integer({ min: 0, max: TIME_SPAN - 1 }),
        (t1, t2, o1, o2) => {
          const a = composite(t1, o1);
          const b = composite(t2, o2);
          const aFirst = t1 > t2 || (t1 === t2 && o1 < o2);
          if (aFirst) expect(a).toBeGreaterThan(b);
          if (t1 === t2 && o1 === o2) expect(a).toBe(b);
        },
      ),
    );
  });

  it('keeps the composite exact at the largest total (fits in a double)', () => {
    expect(composite(MAX_EXACT_TOTAL, 0)).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    expect(composite(MAX_EXACT_TOTAL, 0)).toBe(2 ** 53 - 1);
  });

  it('measures offsets from an hour before quiz creation and clamps outside the span', () => {
    const epoch = rankingEpoch(1_700_000_000_000);
    expect(reachedOffset(epoch, 1_700_000_000_000)).toBe(3_600_000);
    expect(reachedOffset(epoch, epoch - 5)).toBe(0);
    expect(reachedOffset(epoch, epoch + TIME_SPAN + 5)).toBe(TIME_SPAN - 1);
  });
});
