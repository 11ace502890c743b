import { ConfigError } from '../../common/errors';
import { contextFromHeaders, inSpan, loadTracingOptions, traceHeaders } from '../../common/tracing';
import { trace } from '@opentelemetry/api';

// Tracing is off unless asked for, and then costs nothing visible: no headers on messages, no
// trace context picked up, and the wrapped work runs as it would without it. (The chain with
// tracing on is tracing.int.test.ts; it registers a provider, so it lives in its own file.)

it('is off by default and reads OTEL_ENABLED and OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  expect(loadTracingOptions({})).toEqual({ enabled: false, endpoint: 'http://127.0.0.1:4318' });
  expect(loadTracingOptions({ OTEL_ENABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
    enabled: true,
    endpoint: 'http://collector:4318',
  });
  expect(() => loadTracingOptions({ OTEL_ENABLED: 'yes' })).toThrow(ConfigError);
  expect(() => loadTracingOptions({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow(ConfigError);
});

it('with no provider registered, adds no headers and runs the work unchanged', async () => {
  const result = await inSpan('work', {}, async (span) => {
    expect(span.isRecording()).toBe(false);
    expect(traceHeaders()).toEqual({});
    return 42;
  });
  expect(result).toBe(42);
  await expect(inSpan('failing', {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  // A message carrying a context from a traced producer: without a propagator it is not read.
  const headers = { traceparent: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01') };
  expect(trace.getSpanContext(contextFromHeaders(headers))).toBeUndefined();
});
