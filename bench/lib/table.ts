/** A plain-text table printer for benchmark output. */

/** One table row: column name to cell. */
export type Row = Record<string, string | number>;

function cell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(value % 1 === 0 ? 0 : 2);
  }
  return value;
}

/** Renders rows as an aligned table (numbers right-aligned), columns in first-seen order. */
export function formatTable(rows: readonly Row[]): string {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] as string).length)));
  const numeric = columns.map((c) => rows.every((row) => row[c] === undefined || typeof row[c] === 'number'));
  const line = (values: string[]) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number))).join('  ');
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
