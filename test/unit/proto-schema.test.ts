/**
 * proto/ against the reference tables of the Mesos v1 schema (../shared/reference/mesos-v1-schema.tsv
 * for the scheduler and executor APIs, mesos-v1-operator-schema.tsv for the operator API: the closure
 * of mesos.v1.master.Call/Response/Event and mesos.v1.agent.Call/Response/ProcessIO): every message
 * field and enum value must be there with the same name, number, type, label and default.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import protobuf from 'protobufjs';
import { loadSchemaRoot } from '../../lib/codec/schema';

const REFERENCE = path.join(__dirname, '../../../shared/reference');
const TABLE = path.join(REFERENCE, 'mesos-v1-schema.tsv');
const OPERATOR_TABLE = path.join(REFERENCE, 'mesos-v1-operator-schema.tsv');

function readTable(file: string): string[][] {
  if (!existsSync(file)) throw new Error(`schema table not found at ${file}`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t'));
}

/** The type or enum with exactly this full name (protobufjs's lookup also finds same-named nested ones). */
function lookupExact(root: protobuf.Root, owner: string): protobuf.ReflectionObject | null {
  const found = root.lookup(owner);
  return found && found.fullName === `.${owner}` ? found : null;
}

function labelOf(field: protobuf.Field): string {
  if (field instanceof protobuf.MapField) return `map<${field.keyType}>`;
  if (field.repeated) return 'repeated';
  return field.required ? 'required' : 'optional';
}

function typeOf(field: protobuf.Field): string {
  field.resolve();
  return field.resolvedType ? field.resolvedType.fullName.slice(1) : field.type;
}

function defaultOf(field: protobuf.Field): string {
  const value: unknown = field.options?.default;
  return value === undefined ? '-' : String(value);
}

/** Every difference between proto/ and one row of the table, as readable lines. */
function compareRow(root: protobuf.Root, columns: string[]): string[] {
  const [kind, owner, name] = columns as [string, string, string];
  if (kind === 'enum') {
    const [, , , numberText] = columns;
    const found = lookupExact(root, owner);
    if (!(found instanceof protobuf.Enum)) return [`enum ${owner} is missing`];
    if (!(name in found.values)) return [`enum value ${owner}.${name} is missing`];
    const number = found.values[name];
    return String(number) === numberText
      ? []
      : [`enum value ${owner}.${name}: number ${number}, expected ${numberText}`];
  }
  if (kind === 'field') {
    const [, , , numberText, type, label, def] = columns as [string, string, string, string, string, string, string];
    const found = lookupExact(root, owner);
    if (!(found instanceof protobuf.Type)) return [`message ${owner} is missing (needed for field ${name})`];
    const field = found.fields[name];
    if (!field) return [`field ${owner}.${name} is missing`];
    const problems: string[] = [];
    const where = `field ${owner}.${name}`;
    if (String(field.id) !== numberText) problems.push(`${where}: number ${field.id}, expected ${numberText}`);
    if (typeOf(field) !== type) problems.push(`${where}: type ${typeOf(field)}, expected ${type}`);
    if (labelOf(field) !== label) problems.push(`${where}: label ${labelOf(field)}, expected ${label}`);
    if (defaultOf(field) !== def) problems.push(`${where}: default ${defaultOf(field)}, expected ${def}`);
    return problems;
  }
  return [`unknown row kind '${kind}' in the table: ${columns.join(' ')}`];
}

describe('proto/ matches the Mesos v1 schema table', () => {
  it('finds the reference tables (a missing table is a failure, never a skip)', () => {
    expect(existsSync(TABLE), `expected the schema table at ${TABLE}`).to.equal(true);
    expect(existsSync(OPERATOR_TABLE), `expected the operator schema table at ${OPERATOR_TABLE}`).to.equal(true);
  });

  it('has every row of the table with identical name, number, type, label and default', () => {
    const rows = readTable(TABLE);
    expect(rows.length).to.be.greaterThan(700);
    const root = loadSchemaRoot();
    const problems = rows.flatMap((columns) => compareRow(root, columns));
    expect(problems, `differences between proto/ and the table:\n  ${problems.join('\n  ')}`).to.deep.equal([]);
  });

  it('has every row of the operator table (all 1,391, shared types included) identical', () => {
    const rows = readTable(OPERATOR_TABLE);
    expect(rows.length).to.equal(1391);
    const root = loadSchemaRoot();
    const problems = rows.flatMap((columns) => compareRow(root, columns));
    expect(problems, `differences between proto/ and the operator table:\n  ${problems.join('\n  ')}`).to.deep.equal(
      [],
    );
  });

  it('reports a difference, naming it, when a row does not match', () => {
    const root = loadSchemaRoot();
    expect(
      compareRow(root, ['field', 'mesos.v1.Filters', 'refuse_seconds', '2', 'double', 'optional', '5']),
    ).to.deep.equal(['field mesos.v1.Filters.refuse_seconds: number 1, expected 2']);
    expect(compareRow(root, ['field', 'mesos.v1.Filters', 'nope', '9', 'double', 'optional', '-'])).to.deep.equal([
      'field mesos.v1.Filters.nope is missing',
    ]);
    expect(compareRow(root, ['enum', 'mesos.v1.TaskState', 'TASK_RUNNING', '2'])).to.deep.equal([
      'enum value mesos.v1.TaskState.TASK_RUNNING: number 1, expected 2',
    ]);
    expect(
      compareRow(root, ['field', 'mesos.v1.master.Call.ReadFile', 'length', '3', 'uint64', 'required', '-']),
    ).to.deep.equal(['field mesos.v1.master.Call.ReadFile.length: label optional, expected required']);
    expect(
      compareRow(root, ['field', 'mesos.v1.agent.ProcessIO.Data', 'data', '2', 'string', 'optional', '-']),
    ).to.deep.equal(['field mesos.v1.agent.ProcessIO.Data.data: type bytes, expected string']);
    expect(compareRow(root, ['enum', 'mesos.v1.master.Event.Type', 'HEARTBEAT', '8'])).to.deep.equal([
      'enum value mesos.v1.master.Event.Type.HEARTBEAT: number 9, expected 8',
    ]);
  });

  it('names a type as missing when only a nested type of the same short name exists', () => {
    const root = loadSchemaRoot();
    // mesos.v1.master.Call exists; mesos.v1.Call does not, though protobufjs's lookup would find a nested one.
    expect(compareRow(root, ['field', 'mesos.v1.Call', 'type', '1', 'string', 'optional', '-'])).to.deep.equal([
      'message mesos.v1.Call is missing (needed for field type)',
    ]);
  });
});
