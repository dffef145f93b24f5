import { expect } from 'chai';
import fc from 'fast-check';
import type { Resource } from '../../lib/codec/messages';
import { MesosConfigError } from '../../lib/common/errors';
import {
  addResources,
  allocateTo,
  containsResources,
  formatResources,
  isEmptyResources,
  parseAttributes,
  parseResources,
  ResourceTotals,
  ranges,
  scalar,
  subtractResources,
  toPreRefinementFormat,
} from '../../lib/local/resources';

describe('local resources', () => {
  describe('parseResources', () => {
    it('parses scalars, ranges and sets without roles as unreserved', () => {
      const parsed = parseResources('cpus:4;mem:8192;disk:16384;ports:[31000-32000];gpus_ids:{a,b}');
      expect(scalar(parsed, 'cpus')).to.equal(4);
      expect(scalar(parsed, 'mem')).to.equal(8192);
      expect(scalar(parsed, 'disk')).to.equal(16384);
      expect(ranges(parsed, 'ports')).to.deep.equal([{ begin: 31000, end: 32000 }]);
      const set = parsed.find((r) => r.name === 'gpus_ids');
      expect(set?.type).to.equal('SET');
      expect(set?.set?.item).to.deep.equal(['a', 'b']);
      for (const r of parsed) expect(r.reservations).to.equal(undefined);
    });

    it('parses roles as static reservations and applies the default role', () => {
      const parsed = parseResources('cpus(role1):2;mem:512', 'dev');
      const cpus = parsed.find((r) => r.name === 'cpus');
      const mem = parsed.find((r) => r.name === 'mem');
      expect(cpus?.reservations).to.deep.equal([{ type: 'STATIC', role: 'role1' }]);
      expect(mem?.reservations).to.deep.equal([{ type: 'STATIC', role: 'dev' }]);
      const star = parseResources('ports(*):[1-2,5-9]');
      expect(star[0]?.reservations).to.equal(undefined);
      expect(star[0]?.ranges?.range).to.deep.equal([
        { begin: 1, end: 2 },
        { begin: 5, end: 9 },
      ]);
    });

    it('adds repeated names and merges adjacent ranges', () => {
      const parsed = parseResources('cpus:1;cpus:2.5;ports:[1-3];ports:[4-6,10-10]');
      expect(scalar(parsed, 'cpus')).to.equal(3.5);
      expect(ranges(parsed, 'ports')).to.deep.equal([
        { begin: 1, end: 6 },
        { begin: 10, end: 10 },
      ]);
    });

    it('accepts the JSON array form', () => {
      const parsed = parseResources(
        '[{"name":"cpus","type":"SCALAR","scalar":{"value":2}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":5}]}}]',
      );
      expect(scalar(parsed, 'cpus')).to.equal(2);
      expect(ranges(parsed, 'ports')).to.deep.equal([{ begin: 1, end: 5 }]);
    });

    const bad: Array<[string, RegExp]> = [
      ['cpus', /cpus/],
      ['cpus:abc', /cpus:abc/],
      ['cpus:-1', /non-negative/],
      ['ports:[5-1]', /begin is greater than end/],
      ['ports:[1-x]', /1-x/],
      ['ports:[1-2', /missing '\]'/],
      ['s:{a,b', /missing '}'/],
      ['cpus():1', /empty role/],
      ['[{"name":"cpus"}]', /type/],
      ['[1', /Invalid resources JSON/],
      ['{"name":"cpus"}', /Invalid resource/],
    ];
    for (const [text, pattern] of bad) {
      it(`rejects ${JSON.stringify(text)} with a MesosConfigError naming the problem`, () => {
        expect(() => parseResources(text)).to.throw(MesosConfigError, pattern);
      });
    }
  });

  describe('parseAttributes', () => {
    it('parses text, scalar, ranges and set attributes', () => {
      expect(parseAttributes('rack:r1;zone:a;level:5;range:[1-5];s:{x,y}')).to.deep.equal([
        { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
        { name: 'zone', type: 'TEXT', text: { value: 'a' } },
        { name: 'level', type: 'SCALAR', scalar: { value: 5 } },
        { name: 'range', type: 'RANGES', ranges: { range: [{ begin: 1, end: 5 }] } },
        { name: 's', type: 'SET', set: { item: ['x', 'y'] } },
      ]);
    });

    it('rejects an entry without a value', () => {
      expect(() => parseAttributes('rack')).to.throw(MesosConfigError, /rack/);
      expect(() => parseAttributes('rack:')).to.throw(MesosConfigError, /rack/);
    });
  });

  describe('arithmetic', () => {
    it('is float-safe for scalars', () => {
      const a = parseResources('cpus:0.1');
      const b = parseResources('cpus:0.2');
      const sum = addResources(a, b);
      expect(scalar(sum, 'cpus')).to.equal(0.3);
      expect(containsResources(sum, parseResources('cpus:0.3'))).to.equal(true);
      expect(isEmptyResources(subtractResources(sum, parseResources('cpus:0.3')))).to.equal(true);
    });

    it('splits ranges on subtraction and rejoins them on addition', () => {
      const all = parseResources('ports:[31000-32000]');
      const used = parseResources('ports:[31000-31000,31500-31600]');
      const left = subtractResources(all, used);
      expect(ranges(left, 'ports')).to.deep.equal([
        { begin: 31001, end: 31499 },
        { begin: 31601, end: 32000 },
      ]);
      expect(containsResources(left, parseResources('ports:[31500-31500]'))).to.equal(false);
      expect(containsResources(left, parseResources('ports:[31001-31002]'))).to.equal(true);
      expect(ranges(addResources(left, used), 'ports')).to.deep.equal([{ begin: 31000, end: 32000 }]);
    });

    it('handles sets', () => {
      const have = parseResources('disks:{a,b,c}');
      expect(containsResources(have, parseResources('disks:{a,c}'))).to.equal(true);
      expect(containsResources(have, parseResources('disks:{d}'))).to.equal(false);
      const left = subtractResources(have, parseResources('disks:{b}'));
      expect(left[0]?.set?.item).to.deep.equal(['a', 'c']);
    });

    it('never lets one role satisfy another, and treats the deprecated role field as a reservation', () => {
      const have = parseResources('cpus(r1):2;cpus:1');
      expect(containsResources(have, parseResources('cpus(r1):2'))).to.equal(true);
      expect(containsResources(have, parseResources('cpus:2'))).to.equal(false);
      expect(containsResources(have, parseResources('cpus(r2):1'))).to.equal(false);
      const legacy: Resource[] = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'r1' }];
      expect(containsResources(have, legacy)).to.equal(true);
      expect(scalar(subtractResources(have, legacy), 'cpus')).to.equal(2);
    });

    it('distinguishes allocation roles', () => {
      const offered = allocateTo(parseResources('cpus:2'), 'web');
      expect(containsResources(offered, allocateTo(parseResources('cpus:1'), 'web'))).to.equal(true);
      expect(containsResources(offered, allocateTo(parseResources('cpus:1'), 'db'))).to.equal(false);
      expect(containsResources(offered, parseResources('cpus:1'))).to.equal(false);
    });

    it('converts to the pre-refinement format', () => {
      const converted = toPreRefinementFormat(parseResources('cpus(r1):2;mem:5'));
      expect(converted.find((r) => r.name === 'cpus')).to.deep.include({ role: 'r1' });
      expect(converted.find((r) => r.name === 'cpus')?.reservations).to.equal(undefined);
      expect(converted.find((r) => r.name === 'mem')).to.deep.include({ role: '*' });
    });

    it('formats for logs', () => {
      expect(formatResources(parseResources('cpus(r1):2;ports:[1-3]'))).to.equal('cpus(r1):2; ports(*):[1-3]');
    });

    it('satisfies (a + b) - b == a and a + b contains a, for random scalars and ranges', () => {
      const scalarArb = fc.integer({ min: 0, max: 100_000 }).map((n) => n / 1000);
      const rangeArb = fc
        .tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 50 }))
        .map(([b, len]) => ({ begin: b, end: b + len }));
      fc.assert(
        fc.property(scalarArb, scalarArb, fc.array(rangeArb, { maxLength: 5 }), (x, y, rs) => {
          const a: Resource[] = [{ name: 'cpus', type: 'SCALAR', scalar: { value: x } }];
          const b: Resource[] = [
            { name: 'cpus', type: 'SCALAR', scalar: { value: y } },
            { name: 'ports', type: 'RANGES', ranges: { range: rs } },
          ];
          const sum = addResources(a, b);
          expect(containsResources(sum, a)).to.equal(true);
          expect(containsResources(sum, b)).to.equal(true);
          const back = subtractResources(sum, b);
          expect(scalar(back, 'cpus')).to.equal(scalar(a, 'cpus'));
          expect(ranges(back, 'ports')).to.deep.equal([]);
        }),
      );
    });
  });
  describe('ResourceTotals', () => {
    it('consolidates plain resources with their explicit-default forms, and keeps reserved ones apart', () => {
      const totals = new ResourceTotals();
      totals.add([
        { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } },
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, role: '*', reservations: [] },
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.25 }, allocation_info: {} },
        { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'STATIC', role: 'r1' }] },
        { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, allocation_info: { role: 'r2' } },
      ]);
      const list = totals.toArray();
      expect(list).to.have.length(3);
      expect(scalar(list, 'cpus')).to.equal(7.75);
      expect(containsResources(list, parseResources('cpus:1.75'))).to.equal(true);
      expect(containsResources(list, parseResources('cpus:1.76'))).to.equal(false);
      expect(containsResources(list, parseResources('cpus(r1):2'))).to.equal(true);
    });

    it('subtracting everything added leaves nothing; toArray returns copies', () => {
      const totals = new ResourceTotals();
      const resources = parseResources('cpus:0.1;mem:32;ports:[5-7];disks:{a,b}');
      totals.add(resources);
      const copy = totals.toArray();
      (copy[0] as Resource).scalar = { value: 99 };
      expect(scalar(totals.toArray(), 'cpus')).to.equal(0.1);
      totals.subtract(resources);
      expect(totals.isEmpty).to.equal(true);
      totals.subtract(resources);
      expect(totals.toArray()).to.deep.equal([]);
    });

    it('agrees with addResources/subtractResources for random adds and removals', () => {
      const item = fc.record({
        cpus: fc.integer({ min: 0, max: 4000 }).map((n) => n / 1000),
        mem: fc.integer({ min: 0, max: 512 }),
        port: fc.integer({ min: 31000, max: 31100 }),
        reserved: fc.boolean(),
      });
      fc.assert(
        fc.property(fc.array(item, { maxLength: 12 }), fc.array(fc.boolean(), { maxLength: 12 }), (items, keep) => {
          // Distinct ports per task, as the master grants them.
          const seen = new Set<number>();
          const tasks = items
            .filter((i) => !seen.has(i.port) && seen.add(i.port))
            .map((i): Resource[] => [
              { name: 'cpus', type: 'SCALAR', scalar: { value: i.cpus } },
              {
                name: 'mem',
                type: 'SCALAR',
                scalar: { value: i.mem },
                ...(i.reserved ? { reservations: [{ type: 'STATIC' as const, role: 'r1' }] } : {}),
              },
              { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: i.port, end: i.port }] } },
            ]);
          const totals = new ResourceTotals();
          for (const t of tasks) totals.add(t);
          let expected: Resource[] = [];
          tasks.forEach((t, index) => {
            if (keep[index] ?? true) expected = addResources(expected, t);
            else totals.subtract(t);
          });
          const total = parseResources('cpus:100;mem:10000;mem(r1):10000;ports:[31000-31100]');
          const viaTotals = subtractResources(total, totals);
          const viaLists = subtractResources(total, expected);
          expect(scalar(viaTotals, 'cpus')).to.equal(scalar(viaLists, 'cpus'));
          expect(scalar(viaTotals, 'mem')).to.equal(scalar(viaLists, 'mem'));
          expect(ranges(viaTotals, 'ports')).to.deep.equal(ranges(viaLists, 'ports'));
          expect(containsResources(viaTotals, viaLists) && containsResources(viaLists, viaTotals)).to.equal(true);
        }),
      );
    });
  });
});
