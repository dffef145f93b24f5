/**
 * proto/ against the reference table of the Mesos v1 schema (../shared/reference/mesos-v1-schema.tsv):
 * every message field and enum value must be there with the same name, number, type, label and default.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import protobuf from 'protobufjs';
import { loadSchemaRoot } from '../../lib/codec/schema';

const TABLE = path.join(__dirname, '../../../shared/reference/mesos-v1-schema.tsv');

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
    const found = root.lookup(owner);
    if (!(found instanceof protobuf.Enum)) return [`enum ${owner} is missing`];
    if (!(name in found.values)) return [`enum value ${owner}.${name} is missing`];
    const number = found.values[name];
    return String(number) === numberText
      ? []
      : [`enum value ${owner}.${name}: number ${number}, expected ${numberText}`];
  }
  if (kind === 'field') {
    const [, , , numberText, type, label, def] = columns as [string, string, string, string, string, string, string];
    const found = root.lookup(owner);
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
  it('finds the reference table (a missing table is a failure, never a skip)', () => {
    expect(existsSync(TABLE), `expected the schema table at ${TABLE}`).to.equal(true);
  });

  it('has every row of the table with identical name, number, type, label and default', () => {
    if (!existsSync(TABLE)) throw new Error(`schema table not found at ${TABLE}`);
    const rows = readFileSync(TABLE, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => line.split('\t'));
    expect(rows.length).to.be.greaterThan(700);
    const root = loadSchemaRoot();
    const problems = rows.flatMap((columns) => compareRow(root, columns));
    expect(problems, `differences between proto/ and the table:\n  ${problems.join('\n  ')}`).to.deep.equal([]);
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
  });
});
