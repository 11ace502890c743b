import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  defaultTextMapGetter,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { RequestHandler } from 'express';
import type { IHeaders } from 'kafkajs';
import { z } from 'zod';
import { parseEnv } from './config';
import { routePattern } from './http-metrics';
import type { Logger } from './logger';

// OpenTelemetry tracing, off unless OTEL_ENABLED=true. Tier code only calls the helpers below
// (inSpan, traceHeaders, contextFromHeaders, httpServerSpans); with no provider registered they run
// on the API's no-op tracer, so a disabled process pays for little more than a function call.
//
// The chain: ingest's HTTP request (server span) → its Kafka write (producer span, W3C
// `traceparent` in the message headers) → the processor's handling of that message (consumer span,
// child of the producer span) and what it applies → the outputs it writes carry the context on →
// push's delivery of an output to viewers (consumer span).

export { SpanKind };
export type { Context, Link };

const envSchema = z.object({
  OTEL_ENABLED: z.enum(['true', 'false']).default('false'),
  // The collector's OTLP/HTTP base address; spans go to <endpoint>/v1/traces.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().default('http://127.0.0.1:4318'),
});

export interface TracingOptions {
  enabled: boolean;
  endpoint: string;
}

/** Read once at a tier's entry point, next to loadConfig(). */
export function loadTracingOptions(env: NodeJS.ProcessEnv = process.env): TracingOptions {
  const e = parseEnv(envSchema, env);
  return { enabled: e.OTEL_ENABLED === 'true', endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '') };
}

export interface Tracing {
  /** Exports what is buffered and stops; a no-op when tracing is off. */
  shutdown(): Promise<void>;
}

/**
 * Registers the global tracer provider, the async-local context manager and the W3C propagator.
 * `exporter` replaces OTLP (tests pass an InMemorySpanExporter, exported span by span).
 */
export function startTracing(service: string, options: TracingOptions, log: Logger, exporter?: SpanExporter): Tracing {
  if (!options.enabled) return { shutdown: async () => undefined };
  tracingOn = true;
  // The SDK is loaded only when tracing is on: loading it costs more CPU than the rest of a tier's
  // modules together (seconds on a loaded machine), which every process start paid, and a restarted
  // processor is that much later to take its partitions over.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { BatchSpanProcessor, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const processor = exporter
    ? new SimpleSpanProcessor(exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint}/v1/traces` }));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `quizstream-${service}` }),
    spanProcessors: [processor],
  });
  provider.register();
  log.info({ endpoint: exporter ? 'in-process exporter' : `${options.endpoint}/v1/traces` }, 'tracing on: exporting spans over OTLP');
  return {
    shutdown: async () => {
      await provider.shutdown();
    },
  };
}

/** Set once a provider is registered; until then inSpan skips the API's no-op span machinery. */
let tracingOn = false;

/** Whether startTracing has registered a provider in this process. */
export function tracingIsOn(): boolean {
  return tracingOn;
}
const NOT_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

function tracer() {
  return trace.getTracer('quizstream');
}

/**
 * Runs `fn` in a new active span, a child of `parent` (default: the active context). A thrown error
 * is recorded on the span and rethrown; the span ends either way.
 */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context; links?: Link[] },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  // Off, a span is a cost per message on the processors' hot path with nothing to show for it.
  if (!tracingOn) return fn(NOT_RECORDING);
  const { kind = SpanKind.INTERNAL, attributes, parent = context.active(), links } = options;
  return tracer().startActiveSpan(name, { kind, attributes, links }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The active span's context as W3C headers (`traceparent`, `tracestate`); empty when tracing is off. */
export function traceHeaders(ctx?: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  // Off, no propagator is registered and the API's no-op would add nothing: skip it per message.
  if (!tracingOn) return carrier;
  propagation.inject(ctx ?? context.active(), carrier);
  return carrier;
}

/** The active context, kept to run later work on behalf of the same message (`inContext`). */
export function activeContext(): Context {
  return context.active();
}

/** Runs `fn` with `ctx` active: what it produces carries that message's trace on. */
export function inContext<T>(ctx: Context, fn: () => T): T {
  return context.with(ctx, fn);
}

/** The active span as a link, for work done on behalf of many messages at once (a batch flush). */
export function activeSpanLink(): Link | undefined {
  const span = trace.getSpan(context.active());
  return span?.isRecording() ? { context: span.spanContext() } : undefined;
}

// kafkajs hands header values over as Buffers (or arrays of them, for a repeated header).
const kafkaHeaderGetter: TextMapGetter<IHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

/** The trace context a Kafka message carries in its headers (the root context if it has none). */
export function contextFromHeaders(headers: IHeaders | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, kafkaHeaderGetter) : ROOT_CONTEXT;
}

/**
 * A consumer span continuing the trace a Kafka message carries; messages without one (produced
 * with tracing off, or by untraced code) are handled without a span rather than as new root traces.
 */
export function continueTrace<T>(name: string, headers: IHeaders | undefined, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  const parent = contextFromHeaders(headers);
  if (!trace.getSpanContext(parent)) return fn();
  return inSpan(name, { kind: SpanKind.CONSUMER, parent, attributes }, fn);
}

const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One server span per HTTP request (health, readiness and metrics scrapes left out), continuing a
 * caller's `traceparent` when it sends one, named after the route pattern once it is known.
 */
export function httpServerSpans(): RequestHandler {
  return (req, res, next) => {
    if (UNTRACED_PATHS.has(req.path)) {
      next();
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const span = tracer().startSpan(req.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } }, parent);
    res.once('close', () => {
      const route = routePattern(req);
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    const ctx = trace.setSpan(parent, span);
    // Body parsing and other stream callbacks run outside the async chain of this call: binding the
    // request and response emitters keeps their listeners in the request's context.
    context.bind(ctx, req);
    context.bind(ctx, res);
    context.with(ctx, next);
  };
}
