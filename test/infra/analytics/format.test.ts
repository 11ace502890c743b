import { formatCsv, formatRows, formatTable } from '../../../infra/analytics/format';
import type { Column } from '../../../infra/analytics/reports';

const columns: Column[] = [
  { name: 'quiz_id', kind: 'text', about: '' },
  { name: 'answers', kind: 'int', about: '' },
  { name: 'correct_pct', kind: 'float', about: '' },
];

const rows = [
  { quiz_id: 'demo-1', answers: 12, correct_pct: 66.7 },
  { quiz_id: 'a, "b"', answers: 3, correct_pct: 100 },
];

describe('report formatting', () => {
  it('aligns a table: text left, numbers right, a rule under the header', () => {
    expect(formatTable(columns, rows)).toBe(
      [
        'quiz_id  answers  correct_pct',
        '-------  -------  -----------',
        'demo-1        12         66.7',
        'a, "b"         3          100',
        '',
      ].join('\n'),
    );
  });

  it('says so when there are no rows', () => {
    expect(formatTable(columns, [])).toBe('quiz_id  answers  correct_pct\n-------  -------  -----------\n(no rows)\n');
  });

  it('keeps a table row on one line when a value has a line break', () => {
    const out = formatTable(columns, [{ quiz_id: 'two\nlines', answers: 1, correct_pct: 0 }]);
    expect(out.split('\n')).toHaveLength(4);
    expect(out).toContain('two lines');
  });

  it('writes RFC 4180 CSV', () => {
    expect(formatCsv(columns, rows)).toBe('quiz_id,answers,correct_pct\r\ndemo-1,12,66.7\r\n"a, ""b""",3,100\r\n');
  });

  it('writes JSON as an array of rows in column order, numbers as numbers', () => {
    const out = formatRows(columns, [{ correct_pct: 50, answers: 2, quiz_id: 'q' }], 'json');
    expect(JSON.parse(out)).toEqual([{ quiz_id: 'q', answers: 2, correct_pct: 50 }]);
    expect(out.indexOf('quiz_id')).toBeLessThan(out.indexOf('answers'));
  });
});
