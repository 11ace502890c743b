import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { EVENT_TYPES, readSchemaFile } from '../../../common/codec';

// common/messages/events.ts declares the TypeScript shape of each Avro record in schemas/*.avsc by
// hand; this reads both and fails on any field that is missing, extra, of another type, or optional
// without a default in its schema (a record written without it would then break the reader).

const EVENTS_FILE = join(__dirname, '..', '..', '..', 'common', 'messages', 'events.ts');

type AvroType = string | string[] | { type: string; items?: AvroType; values?: AvroType; name?: string; fields?: AvroField[]; logicalType?: string } | AvroType[];
interface AvroField {
  name: string;
  type: AvroType;
  default?: unknown;
}
interface AvroRecord {
  name: string;
  fields: AvroField[];
}

/** Each interface of events.ts: its fields with their type as written and whether optional. */
function declaredInterfaces(): Map<string, Map<string, { type: string; optional: boolean }>> {
  const source = ts.createSourceFile(EVENTS_FILE, readFileSync(EVENTS_FILE, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, Map<string, { type: string; optional: boolean }>>();
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node)) return;
    const fields = new Map<string, { type: string; optional: boolean }>();
    for (const member of node.members) {
      if (ts.isPropertySignature(member) && member.type) {
        fields.set(member.name.getText(source), { type: member.type.getText(source).replace(/\s+/g, ' '), optional: member.questionToken !== undefined });
      }
    }
    out.set(node.name.text, fields);
  });
  return out;
}

/** The TypeScript a field of this Avro type must be declared as; records met on the way are collected. */
function expectedType(t: AvroType, records: AvroRecord[]): string {
  if (typeof t === 'string') {
    const primitive: Record<string, string> = { string: 'string', int: 'number', long: 'number', boolean: 'boolean', bytes: 'Buffer', null: 'null' };
    if (!(t in primitive)) throw new Error(`no mapping for Avro type ${t}`);
    return primitive[t]!;
  }
  if (Array.isArray(t)) return t.map((u) => expectedType(u, records)).filter((x) => x !== 'null').join(' | ') + (t.includes('null') ? ' | null' : '');
  if (t.type === 'record') {
    records.push(t as AvroRecord);
    return t.name!;
  }
  if (t.type === 'array') return `${expectedType(t.items!, records)}[]`;
  if (t.type === 'map') return `Record<string, ${expectedType(t.values!, records)}>`;
  return expectedType(t.type, records);
}

function mismatches(record: AvroRecord, declared: ReturnType<typeof declaredInterfaces>): string[] {
  const fields = declared.get(record.name);
  if (!fields) return [`${record.name}: no interface in events.ts`];
  const problems: string[] = [];
  const nested: AvroRecord[] = [];
  for (const f of record.fields) {
    const d = fields.get(f.name);
    const expected = expectedType(f.type, nested);
    if (!d) problems.push(`${record.name}.${f.name}: missing (${expected})`);
    else if (d.type !== expected) problems.push(`${record.name}.${f.name}: declared ${d.type}, schema says ${expected}`);
    else if (d.optional && f.default === undefined) problems.push(`${record.name}.${f.name}: optional, but the schema has no default`);
  }
  for (const name of fields.keys()) {
    if (!record.fields.some((f) => f.name === name)) problems.push(`${record.name}.${name}: not in the schema`);
  }
  return [...problems, ...nested.flatMap((r) => mismatches(r, declared))];
}

it('declares every record of schemas/ field for field, with the types Avro decodes to', () => {
  const declared = declaredInterfaces();
  const problems = EVENT_TYPES.flatMap((type) => mismatches(JSON.parse(readSchemaFile(type)) as AvroRecord, declared));
  expect(problems).toEqual([]);
});

it('notices a field declared with the wrong type (the check works)', () => {
  const declared = declaredInterfaces();
  declared.get('AnswerScored')!.set('late', { type: 'string', optional: false });
  declared.get('QuizClosed')!.set('extra', { type: 'string', optional: false });
  const problems = EVENT_TYPES.flatMap((type) => mismatches(JSON.parse(readSchemaFile(type)) as AvroRecord, declared));
  expect(problems.sort()).toEqual(['AnswerScored.late: declared string, schema says boolean', 'QuizClosed.extra: not in the schema']);
});
