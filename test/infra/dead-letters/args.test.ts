import { UsageError } from '../../../common/errors';
import { helpText, parseDeadLetterArgs } from '../../../infra/dead-letters/args';

it('parses list and redrive, and refuses anything else before connecting', () => {
  expect(parseDeadLetterArgs([])).toEqual({ kind: 'help' });
  expect(parseDeadLetterArgs(['--help'])).toEqual({ kind: 'help' });
  expect(parseDeadLetterArgs(['list'])).toEqual({ kind: 'list', limit: 100 });
  expect(parseDeadLetterArgs(['list', '--limit', '5'])).toEqual({ kind: 'list', limit: 5 });
  expect(parseDeadLetterArgs(['redrive', '3', '7', '3'])).toEqual({ kind: 'redrive', offsets: ['3', '7'] });
  for (const bad of [['list', '--limit'], ['list', '--limit', '0'], ['list', 'x'], ['redrive'], ['redrive', '-1'], ['redrive', 'abc'], ['purge']]) {
    expect(() => parseDeadLetterArgs(bad)).toThrow(UsageError);
  }
  expect(helpText()).toContain('npm run dead-letters -- <command>');
});
