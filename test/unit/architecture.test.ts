/**
 * The layering of lib/ holds: common -> codec -> transport -> detector -> driver -> index, with
 * local/ (the simulator) beside the driver; a lower layer never imports a higher one, nothing but
 * the public entries (lib/*.ts) imports local/, the main entry (lib/index.ts) reaches no local/
 * file through static imports (the "local" master string loads the simulator lazily), and there
 * are no import cycles between files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect } from 'chai';

const LIB = resolve(__dirname, '..', '..', 'lib');
// operator/ (the operator API clients) sits on the driver level, just above it: it uses the driver's callback queue and heartbeat watchdog.
const RANK: Record<string, number> = {
  common: 0,
  codec: 1,
  transport: 2,
  detector: 3,
  driver: 4,
  local: 4,
  operator: 4.5,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative imports of a file, resolved to files under lib/ (type-only imports count too). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/g)) {
    const base = resolve(dirname(file), match[1] as string);
    const candidates = [`${base}.ts`, join(base, 'index.ts')];
    const found = candidates.find((c) => {
      try {
        return statSync(c).isFile();
      } catch {
        return false;
      }
    });
    if (found) targets.push(found);
  }
  return targets;
}

function layerOf(file: string): string {
  const rel = relative(LIB, file);
  return rel.includes('/') ? (rel.split('/')[0] as string) : 'index';
}

describe('architecture of lib/', () => {
  const files = sourceFiles(LIB);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));

  it('finds the layers it checks', () => {
    const layers = new Set(files.map(layerOf));
    for (const layer of [...Object.keys(RANK), 'index']) expect(layers, layer).to.include(layer);
  });

  it('never imports a higher layer from a lower one, and only the index imports local/', () => {
    const violations: string[] = [];
    for (const [from, targets] of graph) {
      const fromLayer = layerOf(from);
      if (fromLayer === 'index') continue;
      for (const to of targets) {
        const toLayer = layerOf(to);
        if (toLayer === fromLayer) continue;
        const bad =
          toLayer === 'index' ||
          (toLayer === 'local' && fromLayer !== 'local') ||
          (RANK[toLayer] as number) >= (RANK[fromLayer] as number);
        if (bad) violations.push(`${relative(LIB, from)} -> ${relative(LIB, to)}`);
      }
    }
    expect(violations).to.deep.equal([]);
  });

  it('the main entry reaches no local/ file through static imports; mesos-driver/local does', () => {
    const reached = (entry: string) => {
      const seen = new Set<string>();
      const stack = [join(LIB, entry)];
      while (stack.length > 0) {
        const file = stack.pop() as string;
        if (seen.has(file)) continue;
        seen.add(file);
        stack.push(...(graph.get(file) ?? []));
      }
      return [...seen].map((f) => relative(LIB, f));
    };
    expect(reached('index.ts').filter((f) => f.startsWith('local/'))).to.deep.equal([]);
    expect(reached('local-entry.ts')).to.include('local/cluster.ts');
  });

  it('has no import cycles', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(LIB, f)).join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).to.deep.equal([]);
  });
});
