/**
 * Regenerates the README's `ingest` and `calls` tables from bench/results/ingest.json and
 * calls.json: `npx tsx bench/lib/readme-tables.ts` rewrites what stands between the markers
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in README.md, and nothing else.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RESULTS_DIR } from './results';

interface Saved {
  date: string;
  figures: Record<string, number>;
  rows: Array<Record<string, string | number>>;
  notes: string[];
}

const README = path.join(__dirname, '..', '..', 'README.md');
const load = (name: string) => JSON.parse(readFileSync(path.join(RESULTS_DIR, `${name}.json`), 'utf8')) as Saved;

/** A figure as the README writes it: thousands separated, at most two decimals. */
function num(value: number | string | undefined, decimals = 0): string {
  if (typeof value === 'string') return value;
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

function table(header: string[], rows: string[][], numericFrom = 1): string {
  const align = header.map((_, i) => (i >= numericFrom ? '---:' : '---'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

const CATEGORIES = ['read', 'decode', 'conversion', 'dispatch', 'acknowledgement', 'gc', 'idle', 'other'];

function ingestSection(saved: Saved): string {
  const rows = saved.rows.map((row) => [
    String(row.contender).replace(/mesos-framework 0\.5\.3/, '`mesos-framework` 0.5.3'),
    num(row['events/s']),
    num(row['MB/s'], 1),
    num(row['to callbacks events/s']),
    String(row['lost/sent']).replace('-', '–'),
    String(row['acks/updates']).replace('-', '–'),
    num(row['peak RSS MB'], 0),
  ]);
  const parts = [
    table(
      ['Contender', 'events/s', 'MB/s', 'to callbacks, events/s', 'lost / sent', 'acks / updates', 'peak RSS, MB'],
      rows,
    ),
  ];
  const f = saved.figures;
  const profiled = [
    ['driverJson', 'mesos-driver, JSON'],
    ['driverProtobuf', 'mesos-driver, protobuf'],
  ].filter(([key]) => f[`${key}TimeDecode`] !== undefined);
  if (profiled.length > 0) {
    const profileRows = profiled.map(([key, label]) => [
      label as string,
      ...CATEGORIES.map((c) => `${Math.round((f[`${key}Time${c[0]?.toUpperCase()}${c.slice(1)}`] ?? 0) * 100)}%`),
    ]);
    parts.push(
      'Where the time goes (one more run of each under `node --cpu-prof`, samples from SUBSCRIBED to the last event; see the categories below):',
      table(['Run', ...CATEGORIES], profileRows),
    );
  }
  return parts.join('\n\n');
}

const CALL_CLIENTS: Array<[string, string]> = [
  ['raw', 'raw `http.request`'],
  ['libraryJson', 'JSON, defaults'],
  ['libraryProtobuf', 'protobuf, defaults'],
  ['libraryJsonWide', 'JSON, 64 wide'],
  ['libraryProtobufWide', 'protobuf, 64 wide'],
  ['undiciJson', 'undici `Client`, pipelining 64'],
];

function callsSection(saved: Saved): string {
  const f = saved.figures;
  const clients = CALL_CLIENTS.filter(([key]) => Object.keys(f).some((k) => k.startsWith(`${key}ACK`)));
  const rows: string[][] = [];
  for (const type of ['ACKNOWLEDGE', 'ACCEPT', 'DECLINE']) {
    for (const concurrency of [1, 64]) {
      rows.push([
        type,
        String(concurrency),
        ...clients.map(([key]) => {
          const at = `${key}${type}${concurrency}`;
          const rate = f[`${at}CallsPerSecond`];
          if (rate === undefined) return '';
          const share = key === 'raw' ? '' : ` (${Math.round((f[`${at}VsRaw`] ?? 0) * 100)}%)`;
          return `${num(rate)}${share}; ${num(f[`${at}P50Ms`], 2)} / ${num(f[`${at}P99Ms`], 2)}`;
        }),
      ]);
    }
  }
  return table(['Call', 'Conc.', ...clients.map(([, label]) => label)], rows, 1);
}

/** Replaces the text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`. */
export function replaceSection(readme: string, name: string, body: string): string {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const start = readme.indexOf(open);
  const end = readme.indexOf(close);
  if (start < 0 || end < start) throw new Error(`README.md has no ${open} ... ${close} markers`);
  return `${readme.slice(0, start + open.length)}\n${body}\n${readme.slice(end)}`;
}

if (require.main === module) {
  let readme = readFileSync(README, 'utf8');
  readme = replaceSection(readme, 'ingest', ingestSection(load('ingest')));
  readme = replaceSection(readme, 'calls', callsSection(load('calls')));
  writeFileSync(README, readme);
  console.log('README.md: ingest and calls tables regenerated from bench/results/');
}
