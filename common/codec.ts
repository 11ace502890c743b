import { readFileSync, readdirSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import type { Type as AvroType } from 'avsc';
import { AVRO_NAMESPACE, type DecodedEvent, type EventMap, type EventType } from './messages/events';
import { PoisonMessageError, UnavailableError } from './errors';
import { topicNames, type Topics } from './topics';

export const SCHEMA_DIR = join(__dirname, '..', 'schemas');

export const EVENT_TYPES: readonly EventType[] = [
  'PlayerJoined', 'QuestionOpened', 'QuestionClosed', 'AnswerSubmitted', 'QuizClosed', 'PlayerKicked',
  'AnswerScored', 'AnswerReceived', 'QuestionRevealed', 'LeaderboardSnapshot', 'DeadLetter',
];

/** Which record types each topic carries; encode() refuses a type on a topic that does not carry it. */
export function eventsByTopic(t: Topics): Record<string, readonly EventType[]> {
  return {
    [t.quizEvents]: ['PlayerJoined', 'QuestionOpened', 'QuestionClosed', 'AnswerSubmitted', 'QuizClosed', 'PlayerKicked'],
    [t.results]: ['AnswerScored', 'AnswerReceived', 'QuestionOpened', 'QuestionRevealed'],
    [t.snapshots]: ['LeaderboardSnapshot'],
    [t.deadLetter]: ['DeadLetter'],
  };
}

// Subjects follow Confluent's RecordNameStrategy ("<namespace>.<Record>"), not the topic-scoped
// TopicRecordNameStrategy we used first: a record has one schema wherever it travels (QuestionOpened
// is on two topics), and a subject does not depend on TOPIC_PREFIX, so registering is a one-time
// write per registry instead of ten new subjects for every prefix. Registrations are the expensive,
// contended path in Apicurio (each takes a row lock on its id sequence until commit); lookups are
// cheap reads.
export function subjectFor(type: EventType): string {
  return `${AVRO_NAMESPACE}.${type}`;
}

export const REGISTRY_DEFAULTS = {
  requestTimeoutMs: 5_000, // five seconds per attempt; reads answer in well under one on a loaded 2-core machine
  callDeadlineMs: 30_000, // half a minute: how long one lookup or decode keeps retrying before it reports the registry unavailable
  startupDeadlineMs: 60_000, // one minute: how long migrate waits for a slow or starting registry
  maxRetryDelayMs: 5_000, // backoff between attempts doubles from 100 ms up to this
  maxSockets: 8, // connections per client: a burst of first lookups queues here, not at the registry
};

export type RegistryClientOptions = typeof REGISTRY_DEFAULTS;

/** Where retries are reported: a pino logger fits. */
export interface RetryReporter {
  warn(fields: Record<string, unknown>, message: string): void;
}

type Middleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

const requestTimeout = (ms: number): Middleware => () => ({
  prepareRequest: (next) => next().then((request) => request.enhance({ timeout: ms })),
});

export function readSchemaFile(type: EventType): string {
  return readFileSync(join(SCHEMA_DIR, `${type}.avsc`), 'utf8');
}

const avroSchema = (type: EventType) => ({ type: SchemaType.AVRO as const, schema: readSchemaFile(type) });

export function listSchemaFiles(): string[] {
  return readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.avsc'));
}

/** Magic byte and schema id, ahead of the Avro body. */
const WIRE_HEADER_BYTES = 5;

const errorMessage = (err: unknown): string => (err as Error)?.message ?? String(err);
const statusOf = (err: unknown): number | undefined => (err as { status?: number })?.status;

/**
 * Whether another attempt can succeed. The client reports its own failures (a timeout, a refused or
 * reset connection) as status 400 with "Error, status 400: <cause>"; a registry's own 4xx carries
 * its JSON message instead and is final.
 */
function isTransient(err: unknown): boolean {
  const status = statusOf(err);
  if (status === undefined) return false;
  if (status >= 500 || status === 408 || status === 429) return true;
  return status === 400 && /Error, status 400: /.test(errorMessage(err));
}

const isNotFound = (err: unknown): boolean => statusOf(err) === 404;

/** The client's lookup-by-schema turns the registry's 404 into this error, without the status. */
const isUnregistered = (err: unknown): boolean => (err as Error)?.name === 'ConfluentSchemaRegistryError' && statusOf(err) === undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Encodes and decodes our events in the Confluent wire format (magic byte, 4-byte schema id, Avro).
 * Every registry call is idempotent (lookups, and registering content that may already be there), so
 * each is retried with backoff while the registry is slow, starting or restarting, until its deadline.
 */
export class EventCodec {
  private readonly registry: SchemaRegistry;
  private readonly agent: Agent;
  private readonly o: RegistryClientOptions;
  private readonly ids = new Map<EventType, number>();
  private readonly typeById = new Map<number, EventType>();
  /**
   * The Avro types of the ids whose schema the client has fetched: with one at hand, a message is
   * framed and read right here, in one step and one buffer, rather than through the client's
   * asynchronous lookup, its zero-filled buffer and its second buffer for the header.
   */
  private readonly avroById = new Map<number, AvroType>();
  /** Where encode() writes a message before copying it out at its exact size; grows to the largest one. */
  private scratch = Buffer.allocUnsafe(4_096);
  /** Lookups in flight, one per type: a burst of first encodes asks the registry once, not N times. */
  private readonly resolving = new Map<EventType, Promise<number>>();
  private lastFailure: string | undefined;
  private closed = false;
  readonly topics: Topics;
  private readonly carried: Record<string, readonly EventType[]>;

  constructor(
    registryUrl: string,
    topicPrefix = '',
    options: Partial<RegistryClientOptions> = {},
    private readonly reporter?: RetryReporter,
  ) {
    this.o = { ...REGISTRY_DEFAULTS, ...options };
    this.agent = new Agent({ keepAlive: true, maxSockets: this.o.maxSockets });
    this.registry = new SchemaRegistry({
      host: registryUrl,
      agent: this.agent,
      // Retries are ours (call()): the client's own retry repeats GETs only, and a registration is a POST.
      retry: { retries: 0 },
      middlewares: [requestTimeout(this.o.requestTimeoutMs)],
    });
    this.topics = topicNames(topicPrefix);
    this.carried = eventsByTopic(this.topics);
  }

  /**
   * Registers every schema file under its subject, BACKWARD compatible, and returns the ids.
   * Idempotent and, when nothing changed, read-only: each schema is looked up first and only
   * registered when the registry does not have it yet.
   */
  async registerAll(deadlineMs = this.o.startupDeadlineMs): Promise<Array<{ subject: string; id: number }>> {
    const out: Array<{ subject: string; id: number }> = [];
    for (const type of EVENT_TYPES) {
      const subject = subjectFor(type);
      const schema = avroSchema(type);
      const id = await this.call(`register ${subject}`, deadlineMs, async () => {
        const known = await this.lookUp(type);
        if (known !== undefined) return known;
        const { id: registered } = await this.registry.register(schema, { subject, compatibility: COMPATIBILITY.BACKWARD });
        await this.holdSchema(registered);
        return registered;
      });
      this.remember(type, id);
      out.push({ subject, id });
    }
    return out;
  }

  /**
   * Resolves the ids of these types' schemas (as in schemas/, never registering), waiting up to
   * `deadlineMs` for a registry that is down or for migrate to have registered them.
   */
  async prepare(types: readonly EventType[], deadlineMs = this.o.startupDeadlineMs): Promise<void> {
    const start = Date.now();
    for (let delay = 100; ; delay = Math.min(delay * 2, this.o.maxRetryDelayMs)) {
      try {
        await Promise.all(types.map((t) => this.idFor(t, Math.max(1, deadlineMs - (Date.now() - start)))));
        return;
      } catch (err) {
        // A schema that is not registered yet (migrate still running) is worth waiting for too.
        if (this.closed || Date.now() - start + delay >= deadlineMs) throw err;
        this.reporter?.warn({ elapsedMs: Date.now() - start, nextDelayMs: delay, err: errorMessage(err) }, 'schema registry: schema ids not resolved yet, retrying');
        await sleep(delay);
      }
    }
  }

  /** The record types the given topics carry, each once. */
  typesOf(...topics: string[]): EventType[] {
    return [...new Set(topics.flatMap((t) => this.carried[t] ?? []))];
  }

  /** True once every one of these types has its id (encode needs the registry no more for them). */
  hasIds(types: readonly EventType[]): boolean {
    return types.every((t) => this.ids.has(t));
  }

  /** Why the last registry call failed, for readiness reports. */
  get lastError(): string | undefined {
    return this.lastFailure;
  }

  async encode<K extends EventType>(topic: string, type: K, payload: EventMap[K]): Promise<Buffer> {
    if (!this.carried[topic]?.includes(type)) throw new Error(`${type} is not a record of topic ${topic}`);
    const id = this.ids.get(type) ?? (await this.idFor(type));
    const avro = this.avroById.get(id);
    return (avro && this.frame(id, avro, payload)) ?? this.registry.encode(id, payload);
  }

  /**
   * The Confluent wire format: magic byte 0, the schema id (4 bytes, big-endian), the Avro body.
   * Undefined when the value does not fit the schema: the client then encodes it again and throws
   * its own error, which names the fields that do not fit.
   */
  private frame(id: number, avro: AvroType, payload: unknown): Buffer | undefined {
    for (;;) {
      let end: number;
      try {
        end = avro.encode(payload, this.scratch, WIRE_HEADER_BYTES);
      } catch {
        return undefined;
      }
      if (end > 0) {
        this.scratch[0] = 0;
        this.scratch.writeInt32BE(id, 1);
        const out = Buffer.allocUnsafe(end);
        this.scratch.copy(out, 0, 0, end);
        return out;
      }
      // avsc's encode reports the bytes it lacked as a negative number.
      this.scratch = Buffer.allocUnsafe(2 * (this.scratch.length - end));
    }
  }

  async decode(buffer: Buffer | null): Promise<DecodedEvent> {
    return this.decodeKnown(buffer) ?? this.decodeFetching(buffer!);
  }

  /**
   * decode() without a wait, for the schemas this codec holds already (every one it has met):
   * undefined when the registry must be asked first. Throws decode()'s PoisonMessageError.
   */
  decodeKnown(buffer: Buffer | null): DecodedEvent | undefined {
    const id = schemaIdOf(buffer);
    const avro = this.avroById.get(id);
    const type = this.typeById.get(id);
    if (!avro || type === undefined) return undefined;
    try {
      return { type, payload: avro.fromBuffer(buffer!.subarray(WIRE_HEADER_BYTES)) } as DecodedEvent;
    } catch (err) {
      // The schema is at hand, so nothing but the bytes can be at fault (truncated, trailing data, a bad union index).
      throw new PoisonMessageError(`cannot decode schema id ${id}: ${errorMessage(err)}`);
    }
  }

  /** Fetches the schema of an id this codec has not met yet, then decodes as decodeKnown does. */
  private async decodeFetching(buffer: Buffer): Promise<DecodedEvent> {
    const id = schemaIdOf(buffer);
    try {
      // Cached by the client after the first call; the registry is asked once per id.
      const schema = await this.call(`schema ${id}`, this.o.callDeadlineMs, () => this.holdSchema(id));
      if (!this.typeById.has(id)) this.typeById.set(id, recordType(schema.name));
    } catch (err) {
      if (err instanceof PoisonMessageError || err instanceof UnavailableError) throw err;
      const msg = errorMessage(err);
      // An unknown id or a schema that is not one of ours is the message's fault; anything else is
      // ours and must be retried, not dead-lettered.
      if (isNotFound(err) || /not found|40403|invalid|truncated|unexpected|out of range/i.test(msg)) {
        throw new PoisonMessageError(`cannot decode schema id ${id}: ${msg}`);
      }
      throw new UnavailableError(`schema registry: ${msg}`);
    }
    return this.decodeKnown(buffer)!;
  }

  /** Stops retrying and closes the client's connections. */
  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  private idFor(type: EventType, deadlineMs = this.o.callDeadlineMs): Promise<number> {
    const known = this.ids.get(type);
    if (known !== undefined) return Promise.resolve(known);
    let lookup = this.resolving.get(type);
    if (!lookup) {
      const subject = subjectFor(type);
      // The id of exactly our schema file, not the subject's latest: the bytes we write must match the id.
      lookup = this.call(`look up ${subject}`, deadlineMs, async () => {
        const id = await this.lookUp(type);
        if (id === undefined) {
          throw new UnavailableError(`schema registry: ${subject} has no schema equal to schemas/${type}.avsc; run \`npm run migrate\``);
        }
        return id;
      })
        .then((id) => {
          this.remember(type, id);
          return id;
        })
        // Settled either way: a failed lookup is tried afresh by the next caller.
        .finally(() => this.resolving.delete(type));
      this.resolving.set(type, lookup);
    }
    return lookup;
  }

  /**
   * The id of exactly our schema file under its subject (undefined when it is not registered), with
   * the schema itself cached, so encode() and decode() need no registry call of their own for it.
   */
  private async lookUp(type: EventType): Promise<number | undefined> {
    let id: number;
    try {
      id = await this.registry.getRegistryIdBySchema(subjectFor(type), avroSchema(type));
    } catch (err) {
      if (isUnregistered(err)) return undefined;
      throw err;
    }
    await this.holdSchema(id);
    return id;
  }

  /** The schema of `id` from the registry client (which caches it), kept for encode() and decodeKnown(). */
  private async holdSchema(id: number): Promise<AvroType> {
    const avro = (await this.registry.getSchema(id)) as AvroType;
    this.avroById.set(id, avro);
    return avro;
  }

  /** Runs one idempotent registry call, retrying transient failures with backoff until the deadline. */
  private async call<T>(what: string, deadlineMs: number, fn: () => Promise<T>): Promise<T> {
    const start = Date.now();
    for (let attempt = 1, delay = 100; ; attempt++, delay = Math.min(delay * 2, this.o.maxRetryDelayMs)) {
      try {
        const result = await fn();
        this.lastFailure = undefined;
        return result;
      } catch (err) {
        if (err instanceof UnavailableError || !isTransient(err)) {
          this.lastFailure = errorMessage(err);
          throw err;
        }
        const elapsedMs = Date.now() - start;
        this.lastFailure = `${what}: ${errorMessage(err)}`;
        if (this.closed || elapsedMs + delay >= deadlineMs) {
          throw new UnavailableError(`schema registry: ${what} failed after ${attempt} attempts in ${Math.round(elapsedMs / 1000)} s: ${errorMessage(err)}`);
        }
        this.reporter?.warn({ what, attempt, elapsedMs, nextDelayMs: delay, err: errorMessage(err) }, 'schema registry: request failed, retrying');
        await sleep(delay);
      }
    }
  }

  private remember(type: EventType, id: number): void {
    this.ids.set(type, id);
    this.typeById.set(id, type);
  }
}

/** The schema id of a message in the Confluent wire format; PoisonMessageError for anything else. */
function schemaIdOf(buffer: Buffer | null): number {
  if (!buffer || buffer.length < WIRE_HEADER_BYTES + 1 || buffer.readUInt8(0) !== 0) {
    throw new PoisonMessageError('not in the Confluent wire format');
  }
  return buffer.readInt32BE(1);
}

function recordType(fullName: string | undefined): EventType {
  const name = (fullName ?? '').replace(`${AVRO_NAMESPACE}.`, '');
  const hit = EVENT_TYPES.find((k) => k === name);
  if (!hit) throw new PoisonMessageError(`unknown record type ${fullName ?? '(unnamed)'}`);
  return hit;
}

export interface SchemaReadiness {
  /** A readiness check: fails until the ids are resolved. */
  check(): Promise<void>;
  stop(): void;
}

/**
 * Resolves a tier's schema ids in the background from start-up on, however long the registry takes:
 * the tier serves its other routes meanwhile and reports itself not ready (and why) until then.
 * Once resolved, encoding these types needs the registry no more, so its later outages do not make
 * the tier unready.
 */
export function schemaReadiness(codec: EventCodec, types: readonly EventType[], log: RetryReporter & { info(fields: Record<string, unknown>, message: string): void }): SchemaReadiness {
  let stopped = false;
  void (async () => {
    for (let delay = 1_000; !stopped && !codec.hasIds(types); delay = Math.min(delay * 2, 30_000)) {
      try {
        await codec.prepare(types);
      } catch (err) {
        if (stopped) return;
        log.warn({ err: errorMessage(err), nextDelayMs: delay }, 'schema registry: schema ids still not resolved; not ready, retrying');
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
    if (!stopped) log.info({ types }, 'schema registry: schema ids resolved');
  })();
  return {
    check: async () => {
      if (!codec.hasIds(types)) throw new Error(`schema ids not resolved yet${codec.lastError ? ` (${codec.lastError})` : ''}`);
    },
    stop: () => {
      stopped = true;
    },
  };
}
