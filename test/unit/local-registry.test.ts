/** The LocalCluster registry (lib/local/registry.ts): agent transitions, and settings stored as copies and recovered in place. */
import { expect } from 'chai';
import type { DrainInfo } from '../../lib/codec/messages';
import { MaintenanceBook } from '../../lib/local/operator/maintenance';
import { Registry } from '../../lib/local/registry';

function settings() {
  return {
    weights: new Map<string, number>(),
    quotas: new Map(),
    maintenance: new MaintenanceBook(),
    deactivated: new Set<string>(),
    drains: new Map<string, DrainInfo>(),
  };
}

describe('LocalCluster Registry', () => {
  it('moves agents between admitted, unreachable (with its time) and gone as Mesos registrar operations do', () => {
    const registry = new Registry();
    registry.admit('a');
    expect(registry.isAdmitted('a')).to.equal(true);
    registry.remove('a', 'unreachable', 1000);
    expect(registry.isAdmitted('a')).to.equal(false);
    expect([...registry.unreachableAgents()]).to.deep.equal([['a', 1000]]);
    registry.admit('a'); // reregistered
    expect(registry.unreachableAgents().size).to.equal(0);
    registry.remove('a', 'gone', 2000);
    registry.remove('a', 'unreachable', 3000); // a gone agent stays gone
    expect([...registry.goneAgents()]).to.deep.equal([['a', 2000]]);
    expect(registry.unreachableAgents().size).to.equal(0);
    registry.admit('b');
    registry.remove('b', 'removed', 4000);
    expect(registry.isAdmitted('b')).to.equal(false);
    expect(registry.unreachableAgents().has('b') || registry.goneAgents().has('b')).to.equal(false);
  });

  it('stores copies of weights, quotas, maintenance and drain states, and a recovering master replaces its own with them', () => {
    const registry = new Registry();
    const leader = settings();
    leader.weights.set('a', 2);
    leader.quotas.set('a', { role: 'a', guarantees: { cpus: { value: 1 } } });
    const window = { machine_ids: [{ hostname: 'M1' }], unavailability: { start: { nanoseconds: 5 } } };
    expect(leader.maintenance.update({ windows: [window] })).to.equal(undefined);
    expect(leader.maintenance.start([{ hostname: 'm1' }])).to.equal(undefined);
    leader.deactivated.add('agent-1');
    leader.drains.set('agent-1', { state: 'DRAINING', config: { mark_gone: false } });
    registry.storeSettings(leader);
    (leader.drains.get('agent-1') as DrainInfo).state = 'DRAINED';
    leader.weights.set('a', 9); // not written through: the registry keeps what was stored
    (leader.quotas.get('a') as { guarantees: { cpus: { value: number } } }).guarantees.cpus.value = 9;

    const next = settings();
    next.weights.set('stale', 4);
    next.deactivated.add('stale-agent');
    registry.recoverSettings(next);
    expect([...next.weights]).to.deep.equal([['a', 2]]);
    expect(next.quotas.get('a')).to.deep.equal({ role: 'a', guarantees: { cpus: { value: 1 } } });
    expect(next.maintenance.current.windows?.[0]?.machine_ids).to.deep.equal([{ hostname: 'm1' }]);
    expect(next.maintenance.isDown('m1')).to.equal(true);
    expect(next.maintenance.status().down_machines).to.deep.equal([{ hostname: 'm1' }]);
    expect([...next.deactivated]).to.deep.equal(['agent-1']);
    expect(next.drains.get('agent-1')).to.deep.equal({ state: 'DRAINING', config: { mark_gone: false } });
  });
});
