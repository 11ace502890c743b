import { loadSinkOptions } from '../../sink/options';

describe('sink options', () => {
  it('has documented defaults', () => {
    expect(loadSinkOptions({})).toEqual({
      groupId: 'quizstream-clickhouse-sink',
      port: 8096,
      batchMaxRows: 1_000,
      batchMaxWaitMs: 500,
      retryInitialMs: 200,
      retryMaxMs: 5_000,
      heartbeatMs: 3_000,
      stopGraceMs: 20_000,
    });
  });

  it('reads the environment and names a bad value', () => {
    expect(loadSinkOptions({ SINK_GROUP_ID: 'g', SINK_PORT: '0', SINK_BATCH_MAX_ROWS: '10' })).toMatchObject({ groupId: 'g', port: 0, batchMaxRows: 10 });
    expect(() => loadSinkOptions({ SINK_BATCH_MAX_WAIT_MS: '0' })).toThrow(/SINK_BATCH_MAX_WAIT_MS/);
    expect(() => loadSinkOptions({ SINK_PORT: 'x' })).toThrow(/SINK_PORT/);
  });
});
