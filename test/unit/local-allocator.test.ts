/** The allocator's fairness, refusal filters, suppression and role rules. */
import { expect } from 'chai';
import { Allocator, type AllocatorAgent, type AllocatorFramework, MAX_REFUSE_SECONDS } from '../../lib/local/allocator';
import { acceptsMediaType, negotiateResponseFormat } from '../../lib/local/media-types';
import { parseResources, scalar } from '../../lib/local/resources';

function agent(id: string, text: string): AllocatorAgent {
  const resources = parseResources(text);
  return { id, free: resources, total: resources };
}

function framework(id: string, extra: Partial<AllocatorFramework> = {}): AllocatorFramework {
  return { id, roles: ['*'], suppressedRoles: new Set(), allocated: [], ...extra };
}

describe('LocalCluster allocator', () => {
  const now = 1_000_000;

  it('gives each agent to one framework, alternating between equal frameworks (round-robin on ties)', () => {
    const allocator = new Allocator();
    const agents = [agent('a1', 'cpus:2;mem:100'), agent('a2', 'cpus:2;mem:100')];
    const result = allocator.allocate(agents, [framework('f1'), framework('f2')], now);
    expect(result.map((allocation) => [allocation.agentId, allocation.frameworkId])).to.deep.equal([
      ['a1', 'f1'],
      ['a2', 'f2'],
    ]);
  });

  it('prefers the framework with the lowest dominant share', () => {
    const allocator = new Allocator();
    const agents = [agent('a1', 'cpus:4;mem:1000')];
    const rich = framework('rich', { allocated: parseResources('cpus:3') });
    const poor = framework('poor', { allocated: parseResources('mem:100') });
    const [allocation] = allocator.allocate(agents, [rich, poor], now);
    expect(allocation?.frameworkId).to.equal('poor');
  });

  it('a refusal filter hides the agent until it expires, unless the agent now has more than was refused', () => {
    const allocator = new Allocator();
    const small = agent('a1', 'cpus:1');
    allocator.refuse('f1', 'a1', small.free, 10, now);
    expect(allocator.allocate([small], [framework('f1')], now + 1000)).to.have.length(0);
    expect(allocator.allocate([agent('a1', 'cpus:2')], [framework('f1')], now + 1000)).to.have.length(1);
    expect(allocator.allocate([small], [framework('f1')], now + 10_001)).to.have.length(1);
  });

  it('hasExpiredFilters: false until the earliest filter expires, then true once, dropping expired filters', () => {
    const allocator = new Allocator();
    expect(allocator.hasExpiredFilters(now)).to.equal(false);
    const resources = parseResources('cpus:1');
    allocator.refuse('f1', 'a1', resources, 1, now);
    allocator.refuse('f1', 'a2', resources, 10, now);
    expect(allocator.hasExpiredFilters(now + 999)).to.equal(false);
    expect(allocator.hasExpiredFilters(now + 1000)).to.equal(true);
    expect(allocator.isFiltered('f1', 'a1', resources, now + 1000)).to.equal(false);
    expect(allocator.hasExpiredFilters(now + 1001)).to.equal(false);
    expect(allocator.isFiltered('f1', 'a2', resources, now + 1001)).to.equal(true);
    expect(allocator.hasExpiredFilters(now + 10_000)).to.equal(true);
  });

  it('shares are computed against the whole cluster when only some agents are allocated', () => {
    const allocator = new Allocator();
    const changed = agent('a1', 'cpus:4;mem:1000');
    const rich = framework('rich', { allocated: parseResources('cpus:3') });
    const poor = framework('poor', { allocated: parseResources('mem:900') });
    // On a1 alone, 'poor' holds 90% of the memory and 'rich' 75% of the cpus.
    expect(allocator.allocate([changed], [rich, poor], now)[0]?.frameworkId).to.equal('rich');
    const cluster = [changed.total, parseResources('cpus:4;mem:100000')];
    expect(new Allocator().allocate([changed], [rich, poor], now, cluster)[0]?.frameworkId).to.equal('poor');
  });

  it('refuse_seconds: default 5 when absent or negative, capped at 365 days, 0 filters nothing', () => {
    const allocator = new Allocator();
    const resources = parseResources('cpus:1');
    allocator.refuse('f1', 'a1', resources, undefined, now);
    expect(allocator.isFiltered('f1', 'a1', resources, now + 4999)).to.equal(true);
    expect(allocator.isFiltered('f1', 'a1', resources, now + 5000)).to.equal(false);
    allocator.refuse('f1', 'a1', resources, -3, now);
    expect(allocator.isFiltered('f1', 'a1', resources, now + 5001)).to.equal(false);
    allocator.refuse('f1', 'a1', resources, 1e12, now);
    expect(allocator.isFiltered('f1', 'a1', resources, now + MAX_REFUSE_SECONDS * 1000 - 1)).to.equal(true);
    expect(allocator.isFiltered('f1', 'a1', resources, now + MAX_REFUSE_SECONDS * 1000)).to.equal(false);
    allocator.clearFilters('f1');
    allocator.refuse('f1', 'a1', resources, 0, now);
    expect(allocator.isFiltered('f1', 'a1', resources, now)).to.equal(false);
  });

  it('suppressed roles get nothing; clearFilters (REVIVE) restores offers', () => {
    const allocator = new Allocator();
    const agents = [agent('a1', 'cpus:1')];
    expect(allocator.allocate(agents, [framework('f1', { suppressedRoles: new Set(['*']) })], now)).to.have.length(0);
    allocator.refuse('f1', 'a1', agents[0]?.free ?? [], 60, now);
    expect(allocator.allocate(agents, [framework('f1')], now)).to.have.length(0);
    allocator.clearFilters('f1');
    expect(allocator.allocate(agents, [framework('f1')], now)).to.have.length(1);
  });

  it('resources reserved to a role go only to frameworks in that role', () => {
    const allocator = new Allocator();
    const agents = [agent('a1', 'cpus(web):2;cpus:1')];
    const [toWeb] = allocator.allocate(agents, [framework('web', { roles: ['web'] })], now);
    expect(scalar(toWeb?.resources ?? [], 'cpus')).to.equal(3);
    const [toOther] = new Allocator().allocate(agents, [framework('other', { roles: ['batch'] })], now);
    expect(scalar(toOther?.resources ?? [], 'cpus')).to.equal(1);
  });
});

describe('LocalCluster Accept negotiation', () => {
  it('JSON first, then protobuf; absent and wildcard Accept allow JSON; q=0 refuses', () => {
    expect(negotiateResponseFormat(undefined)).to.equal('json');
    expect(negotiateResponseFormat('*/*')).to.equal('json');
    expect(negotiateResponseFormat('application/*;q=0.5')).to.equal('json');
    expect(negotiateResponseFormat('application/x-protobuf, application/json')).to.equal('json');
    expect(negotiateResponseFormat('application/x-protobuf')).to.equal('protobuf');
    expect(negotiateResponseFormat('application/json; q=0, application/*')).to.equal('protobuf');
    expect(negotiateResponseFormat('text/plain')).to.equal(undefined);
    expect(negotiateResponseFormat('application/recordio')).to.equal(undefined);
    expect(acceptsMediaType('*/*;q=0', 'application/json')).to.equal(false);
    expect(acceptsMediaType('Application/JSON', 'application/json')).to.equal(true);
  });
});
