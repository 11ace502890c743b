import { nonEmptyTables, PendingBatch } from '../../sink/pending-batch';
import type { SinkRow } from '../../sink/rows';

const event = (id: string): SinkRow => ({
  table: 'quiz_events',
  row: { quiz_id: 'q', kind: 'joined', event_id: id, question_id: '', player_id: id, display_name: id, at_ms: 1, at: 0 },
});

describe('PendingBatch', () => {
  it('commits each partition at its last handled offset + 1, skipped messages included', () => {
    const b = new PendingBatch();
    b.add('t', 0, '5', event('a'), 1_000);
    b.add('t', 1, '9', null, 1_010);
    b.add('t', 0, '6', null, 1_020);
    b.add('u', 0, '99999999999999', event('b'), 1_030);
    expect(b.rowCount).toBe(2);
    expect(b.ageMs(1_300)).toBe(300);
    const d = b.drain();
    expect(d.commits).toEqual([
      { topic: 't', partition: 0, offset: '7' },
      { topic: 't', partition: 1, offset: '10' },
      { topic: 'u', partition: 0, offset: '100000000000000' },
    ]);
    expect(d.rowCount).toBe(2);
    expect(nonEmptyTables(d)).toEqual(['quiz_events']);
    expect(b.isEmpty).toBe(true);
    expect(b.rowCount).toBe(0);
    expect(b.ageMs(5_000)).toBe(0);
  });

  it('is not empty after a skipped message alone: its offset still has to be committed', () => {
    const b = new PendingBatch();
    b.add('t', 0, '0', null);
    expect(b.isEmpty).toBe(false);
    expect(b.rowCount).toBe(0);
    expect(nonEmptyTables(b.drain())).toEqual([]);
  });
});
