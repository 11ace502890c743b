import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import { AVRO_NAMESPACE, type DecodedEvent, type EventMap, type EventType } from './events';
import { PoisonMessageError, UnavailableError } from './errors';
import { topicNames, type Topics } from './topics';

export const SCHEMA_DIR = join(__dirname, '..', 'schemas');

// Several record types share a topic (per-quiz order needs one topic), so subjects follow
// Confluent's TopicRecordNameStrategy: "<topic>-<namespace>.<Record>".
export function eventsByTopic(t: Topics): Record<string, EventType[]> {
  return {
    [t.quizEvents]: ['PlayerJoined', 'QuestionOpened', 'QuestionClosed', 'AnswerSubmitted', 'QuizClosed'],
    [t.results]: ['AnswerScored', 'AnswerReceived', 'QuestionOpened', 'QuestionRevealed'],
    [t.snapshots]: ['LeaderboardSnapshot'],
    [t.deadLetter]: ['DeadLetter'],
  };
}

export function subjectFor(topic: string, type: EventType): string {
  return `${topic}-${AVRO_NAMESPACE}.${type}`;
}

// The registry client waits forever by default: one registry request that never answers would stall
// a consumer's eachMessage (and its heartbeats) or a test's setup with no error at all. We have seen
// Apicurio log a 200 for a request whose response the client never got, so a request that times out
// is tried again, like a 5xx: three attempts of three seconds, instead of one hang.
export const REGISTRY_REQUEST_TIMEOUT_MS = 3_000; // three seconds, per attempt

type Middleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

const requestTimeout = (ms: number): Middleware => () => ({
  prepareRequest: (next) => next().then((request) => request.enhance({ timeout: ms })),
});

export function readSchemaFile(type: EventType): string {
  return readFileSync(join(SCHEMA_DIR, `${type}.avsc`), 'utf8');
}

export function listSchemaFiles(): string[] {
  return readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.avsc'));
}

/**
 * Encodes and decodes our events in the Confluent wire format (magic byte, 4-byte schema id, Avro).
 * register() must have run (the migrate command does it) before encode() for a topic/type works.
 */
export class EventCodec {
  private readonly registry: SchemaRegistry;
  private readonly ids = new Map<string, number>();
  private readonly typeById = new Map<number, EventType>();
  /** Lookups in flight, one per subject: a burst of first encodes asks the registry once, not N times. */
  private readonly resolving = new Map<string, Promise<number>>();
  readonly topics: Topics;

  constructor(registryUrl: string, topicPrefix = '', requestTimeoutMs = REGISTRY_REQUEST_TIMEOUT_MS) {
    this.registry = new SchemaRegistry({
      host: registryUrl,
      retry: {
        retries: 2,
        initialRetryTimeInSecs: 0.1,
        maxRetryTimeInSecs: 1,
        validateRetry: (response) => response.responseStatus >= 500 || response.error()?.name === 'TimeoutError',
      },
      middlewares: [requestTimeout(requestTimeoutMs)],
    });
    this.topics = topicNames(topicPrefix);
  }

  /** Registers every schema under every subject it is used with, BACKWARD compatible. Idempotent. */
  async registerAll(): Promise<Array<{ subject: string; id: number }>> {
    const out: Array<{ subject: string; id: number }> = [];
    for (const [topic, types] of Object.entries(eventsByTopic(this.topics))) {
      for (const type of types) {
        const subject = subjectFor(topic, type);
        const { id } = await this.registry.register(
          { type: SchemaType.AVRO, schema: readSchemaFile(type) },
          { subject, compatibility: COMPATIBILITY.BACKWARD },
        );
        this.remember(subject, type, id);
        out.push({ subject, id });
      }
    }
    return out;
  }

  async encode<K extends EventType>(topic: string, type: K, payload: EventMap[K]): Promise<Buffer> {
    const subject = subjectFor(topic, type);
    const id = this.ids.get(subject) ?? (await this.resolve(subject, type));
    return this.registry.encode(id, payload);
  }

  private resolve(subject: string, type: EventType): Promise<number> {
    let lookup = this.resolving.get(subject);
    if (!lookup) {
      lookup = this.registry
        .getLatestSchemaId(subject)
        .then(
          (id) => {
            this.remember(subject, type, id);
            return id;
          },
          (err: unknown) => {
            throw new UnavailableError(`schema registry: cannot resolve ${subject}: ${(err as Error).message}`);
          },
        )
        // Settled either way: a failed lookup is tried afresh by the next encode.
        .finally(() => this.resolving.delete(subject));
      this.resolving.set(subject, lookup);
    }
    return lookup;
  }

  async decode(buffer: Buffer | null): Promise<DecodedEvent> {
    if (!buffer || buffer.length < 6 || buffer.readUInt8(0) !== 0) {
      throw new PoisonMessageError('not in the Confluent wire format');
    }
    const id = buffer.readInt32BE(1);
    let type = this.typeById.get(id);
    let payload: unknown;
    try {
      if (type === undefined) {
        const schema = (await this.registry.getSchema(id)) as { name?: string };
        type = recordType(schema.name);
        this.typeById.set(id, type);
      }
      payload = await this.registry.decode(buffer);
    } catch (err) {
      if (err instanceof PoisonMessageError) throw err;
      const msg = (err as Error).message ?? String(err);
      // An unknown id or a body that does not match its schema is the message's fault; anything
      // else (registry down) is ours and must be retried, not dead-lettered.
      if (/not found|40403|invalid|truncated|unexpected|out of range/i.test(msg)) {
        throw new PoisonMessageError(`cannot decode schema id ${id}: ${msg}`);
      }
      throw new UnavailableError(`schema registry: ${msg}`);
    }
    return { type, payload } as DecodedEvent;
  }

  private remember(subject: string, type: EventType, id: number): void {
    this.ids.set(subject, id);
    this.typeById.set(id, type);
  }
}

function recordType(fullName: string | undefined): EventType {
  const name = (fullName ?? '').replace(`${AVRO_NAMESPACE}.`, '');
  const known: EventType[] = [
    'PlayerJoined', 'QuestionOpened', 'QuestionClosed', 'AnswerSubmitted', 'QuizClosed',
    'AnswerScored', 'AnswerReceived', 'QuestionRevealed', 'LeaderboardSnapshot', 'DeadLetter',
  ];
  const hit = known.find((k) => k === name);
  if (!hit) throw new PoisonMessageError(`unknown record type ${fullName ?? '(unnamed)'}`);
  return hit;
}
