import { ConfigError } from '../../common/errors';
import { processIndex, processIndexVar, processMetricsPort, superviseProcesses } from '../../common/processes';
import { createLogger } from '../../common/logger';

const log = createLogger('test', 'silent');

function supervision(processes: number, port: number) {
  const closers: unknown[] = [];
  return { s: { tier: 'ingest', processes, port, portVar: 'INGEST_PORT', restartDelayMs: 2_000, log, stopOnSignal: (c: unknown[]) => closers.push(...c) }, closers };
}

test('a process index is read from the tier\'s own variable, digits only', () => {
  expect(processIndexVar('ingest')).toBe('INGEST_PROCESS_INDEX');
  expect(processIndex('ingest', { INGEST_PROCESS_INDEX: '1' })).toBe(1);
  expect(processIndex('ingest', { PUSH_PROCESS_INDEX: '1' })).toBeUndefined();
  expect(processIndex('ingest', { INGEST_PROCESS_INDEX: '-1' })).toBeUndefined();
  expect(processIndex('ingest', {})).toBeUndefined();
});

test('process i serves metrics on the base port + i; base 0 stays 0 (any free port)', () => {
  expect(processMetricsPort(8180, undefined)).toBe(8180);
  expect(processMetricsPort(8180, 0)).toBe(8180);
  expect(processMetricsPort(8180, 3)).toBe(8183);
  expect(processMetricsPort(0, 3)).toBe(0);
});

test('one process serves by itself, with no supervisor and no closer', () => {
  const { s, closers } = supervision(1, 8080);
  expect(superviseProcesses(s)).toBe('serve');
  expect(closers).toHaveLength(0);
});

test('several processes need a fixed port: a clear configuration error names the variable', () => {
  const { s, closers } = supervision(2, 0);
  expect(() => superviseProcesses(s)).toThrow(ConfigError);
  expect(() => superviseProcesses(s)).toThrow(/INGEST_PORT: must be a fixed port when INGEST_PROCESSES is above 1/);
  expect(closers).toHaveLength(0);
});
