import { REPORTS } from '../../../infra/analytics/reports';
import { stringLiteral } from '../../../infra/analytics/sql-literal';

describe('ClickHouse string literals', () => {
  it('escapes quotes and backslashes so the value cannot end the literal', () => {
    expect(stringLiteral('demo-1')).toBe("'demo-1'");
    expect(stringLiteral("x' OR 1=1 --")).toBe("'x\\' OR 1=1 --'");
    expect(stringLiteral("\\' OR 1=1")).toBe("'\\\\\\' OR 1=1'");
    expect(stringLiteral('a\nb\tc\0')).toBe("'a\\nb\\tc\\0'");
    expect(stringLiteral('\u0001')).toBe("'\\x01'");
  });

  it('leaves exactly two unescaped quotes, the delimiters', () => {
    for (const s of ["'", "''", "\\'", "\\\\'", "'; DROP TABLE answers; --", 'é€😀']) {
      const lit = stringLiteral(s);
      const unescapedQuotes = lit.replace(/\\./g, '').match(/'/g) ?? [];
      expect(unescapedQuotes).toHaveLength(2);
    }
  });
});

describe('report SQL', () => {
  it.each(REPORTS.map((r) => [r.name, r] as const))('%s filters every table it reads by the quiz, or none', (_name, report) => {
    const all = report.sql({});
    const one = report.sql({ quizId: "it's" });
    expect(all).not.toContain('WHERE quiz_id');
    const reads = (one.match(/FROM (question_stats|question_choices|quiz_stats|player_progress|throughput_minute)\b/g) ?? []).length;
    expect(reads).toBeGreaterThan(0);
    expect((one.match(/WHERE quiz_id = 'it\\'s'/g) ?? []).length).toBe(reads);
  });

  it('selects every column a report declares', () => {
    for (const r of REPORTS) {
      const sql = r.sql({});
      for (const c of r.columns) expect(sql).toMatch(new RegExp(`\\b${c.name}\\b`));
    }
  });
});
