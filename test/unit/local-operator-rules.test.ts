/**
 * Mesos's rules kept by LocalCluster's operator API, without sockets: the event hub (TASK_UPDATED
 * only on a new state or a check/health update, FRAMEWORK_ADDED before a recovered framework's
 * first TASK_ADDED, no AGENT_REMOVED for unreachable or quietly removed agents, terminal counters),
 * the maintenance book (schedule validation, DRAINING -> DOWN -> up), the operator settings
 * (weights, quota) and gzip negotiation.
 */
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import sinon from 'sinon';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { master, TaskState, TaskStatus } from '../../lib/codec/messages';
import { RecordIODecoder } from '../../lib/codec/recordio';
import type { MasterCore } from '../../lib/local/master-core';
import type { FrameworkRecord } from '../../lib/local/master-frameworks';
import { acceptsGzip } from '../../lib/local/operator/http';
import { MaintenanceBook } from '../../lib/local/operator/maintenance';
import { OperatorEventHub } from '../../lib/local/operator/master-events';
import type { ObservedTask } from '../../lib/local/operator/observer';
import { OperatorSettings } from '../../lib/local/operator/settings';
import { TaskBook } from '../../lib/local/unacknowledged-tasks';

function fakeCore(frameworks: FrameworkRecord[] = []): MasterCore {
  return {
    tasks: new Map(),
    book: new TaskBook(),
    finishedTasks: [],
    frameworks: new Map(frameworks.map((f) => [f.id, f])),
    completedFrameworks: [],
    agents: new Map(),
    outstandingOffers: () => [],
    usedByFramework: () => new Map(),
  } as unknown as MasterCore;
}

function framework(id: string): FrameworkRecord {
  return {
    id,
    info: { user: 'u', name: id },
    stream: undefined,
    suppressedRoles: new Set(),
    failoverTimer: undefined,
    subscribedAt: undefined,
    registeredAt: 0,
  };
}

function task(id: string, state: TaskState, frameworkId = 'f1'): ObservedTask {
  return {
    frameworkId,
    agentId: 'a1',
    task: { name: id, task_id: { value: id }, agent_id: { value: 'a1' } },
    state,
    executorId: undefined,
    resources: [],
    lastStatus: undefined,
  };
}

function status(id: string, state: TaskState, reason?: TaskStatus.Reason): TaskStatus {
  return { task_id: { value: id }, state, ...(reason ? { reason } : {}) };
}

/** A subscriber's response: collects what the hub writes. */
function subscriber() {
  const res = Object.assign(new PassThrough(), { statusCode: 0, setHeader: () => undefined, socket: undefined });
  const decoder = new RecordIODecoder();
  const events: master.Event[] = [];
  res.on('data', (chunk: Buffer) => {
    for (const record of decoder.write(chunk))
      events.push(getCodec<master.Event>(TYPE_NAMES.MasterEvent, 'json').decode(record));
  });
  return { res, events };
}

describe('LocalCluster operator rules', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  describe('event hub', () => {
    const setup = (frameworks: FrameworkRecord[] = [framework('f1')]) => {
      const core = fakeCore(frameworks);
      const settings = new OperatorSettings();
      const quiet = new Set<string>();
      const hub = new OperatorEventHub({
        core: () => core,
        switches: settings,
        heartbeatIntervalSeconds: 2,
        quietRemovals: quiet,
      });
      const sub = subscriber();
      hub.subscribe(sub.res as never, 'json', core);
      return { hub, sub, quiet };
    };
    const types = (events: master.Event[]) => events.map((e) => e.type);

    it('sends SUBSCRIBED and HEARTBEAT first, then a HEARTBEAT every interval; reset() ends the stream', async () => {
      const { hub, sub } = setup();
      await clock.tickAsync(4100);
      expect(types(sub.events)).to.deep.equal(['SUBSCRIBED', 'HEARTBEAT', 'HEARTBEAT', 'HEARTBEAT']);
      expect(sub.events[0]?.subscribed?.heartbeat_interval_seconds).to.equal(2);
      hub.reset();
      expect(sub.res.writableEnded).to.equal(true);
      expect(hub.size).to.equal(0);
    });

    it('TASK_UPDATED only for a new state or a check/health update; terminal states are counted', async () => {
      const { hub, sub } = setup();
      hub.frameworkChanged(framework('f1'), false);
      hub.taskAdded(task('t', 'TASK_STAGING'));
      hub.taskUpdated(task('t', 'TASK_RUNNING'), status('t', 'TASK_RUNNING'));
      hub.taskUpdated(task('t', 'TASK_RUNNING'), status('t', 'TASK_RUNNING'));
      hub.taskUpdated(
        task('t', 'TASK_RUNNING'),
        status('t', 'TASK_RUNNING', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED'),
      );
      hub.taskUpdated(task('t', 'TASK_FINISHED'), status('t', 'TASK_FINISHED'));
      hub.taskUpdated(task('t', 'TASK_FINISHED'), status('t', 'TASK_FINISHED'));
      await clock.tickAsync(0);
      const updates = sub.events.filter((e) => e.type === 'TASK_UPDATED').map((e) => e.task_updated);
      expect(updates.map((u) => [u?.state, u?.status.reason])).to.deep.equal([
        ['TASK_RUNNING', undefined],
        ['TASK_RUNNING', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED'],
        ['TASK_FINISHED', undefined],
      ]);
      expect(updates[0]?.framework_id.value).to.equal('f1');
      expect(hub.terminalCounts.get('TASK_FINISHED')).to.equal(1);
    });

    it('announces a framework learnt from an agent before its first task, and a re-subscribe as FRAMEWORK_UPDATED', () => {
      const { hub, sub } = setup();
      hub.taskAdded(task('t', 'TASK_RUNNING'));
      hub.frameworkChanged(framework('f1'), true);
      hub.frameworkRemoved(framework('f1'));
      expect(types(sub.events).slice(2)).to.deep.equal([
        'FRAMEWORK_ADDED',
        'TASK_ADDED',
        'FRAMEWORK_UPDATED',
        'FRAMEWORK_REMOVED',
      ]);
      expect(sub.events[2]?.framework_added?.framework.recovered).to.equal(true);
    });

    it('AGENT_REMOVED only for removed agents, not unreachable or quietly removed (marked gone) ones', () => {
      const { hub, sub, quiet } = setup();
      hub.agentRemoved('a1', 'unreachable');
      quiet.add('a2');
      hub.agentRemoved('a2', 'removed');
      hub.agentRemoved('a2', 'removed');
      expect(
        sub.events.filter((e) => e.type === 'AGENT_REMOVED').map((e) => e.agent_removed?.agent_id.value),
      ).to.deep.equal(['a2']);
    });
  });

  describe('maintenance book', () => {
    const window = (hostname: string) => ({
      machine_ids: [{ hostname }],
      unavailability: { start: { nanoseconds: 0 } },
    });

    it('refuses what Mesos refuses and keeps a DOWN machine in the schedule', () => {
      const book = new MaintenanceBook();
      expect(
        book.update({ windows: [{ machine_ids: [{}], unavailability: { start: { nanoseconds: 0 } } }] }),
      ).to.include("Both 'hostname' and 'ip'");
      expect(
        book.update({
          windows: [{ machine_ids: [{ ip: '300.1.1.1' }], unavailability: { start: { nanoseconds: 0 } } }],
        }),
      ).to.include('Malformed IP');
      expect(book.update({ windows: [window('A'), window('a')] })).to.include('appears more than once');
      expect(book.update({ windows: [window('A')] })).to.equal(undefined);
      expect(book.start([{ hostname: 'b' }])).to.include('not part of a maintenance schedule');
      expect(book.start([{ hostname: 'A' }])).to.equal(undefined);
      expect(book.isDown('a')).to.equal(true);
      expect(book.start([{ hostname: 'a' }])).to.include('not in DRAINING mode');
      expect(book.update({ windows: [] })).to.include('cannot be removed from the schedule');
      expect(book.stop([{ hostname: 'a' }])).to.equal(undefined);
      expect(book.status()).to.deep.equal({ draining_machines: [], down_machines: [] });
      expect(book.current).to.deep.equal({ windows: [] });
    });
  });

  describe('settings', () => {
    it('weights must be positive and not for *; quota is all or nothing and checked against capacity', () => {
      const settings = new OperatorSettings();
      expect(settings.updateWeights([{ role: '*', weight: 2 }])).to.include("role '*'");
      expect(
        settings.updateWeights([
          { role: 'a', weight: 2 },
          { role: 'b', weight: 0 },
        ]),
      ).to.include('must be positive');
      expect(settings.weightInfos()).to.deep.equal([]);
      const cpus = (value: number) => ({ cpus: { value } });
      const total = [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 4 } }];
      expect(settings.updateQuota([{ role: 'a', guarantees: cpus(3), limits: cpus(2) }], false, total)).to.include(
        'greater than limit',
      );
      expect(
        settings.updateQuota([{ role: 'a', guarantees: { gpus: { value: 1 }, ports: { value: 1 } } }], false, total),
      ).to.include("Invalid resource name 'ports'");
      expect(settings.updateQuota([{ role: 'a', guarantees: cpus(5) }], false, total)).to.include(
        'exceed cluster capacity',
      );
      expect(settings.updateQuota([{ role: 'a', guarantees: cpus(5) }], true, total)).to.equal(undefined);
      expect([...settings.quotas.keys()]).to.deep.equal(['a']);
    });

    it('SET_LOGGING_LEVEL reverts after its duration', async () => {
      const settings = new OperatorSettings();
      settings.setLoggingLevel(3, 1000);
      expect(settings.loggingLevel).to.equal(3);
      await clock.tickAsync(1001);
      expect(settings.loggingLevel).to.equal(0);
    });

    it('gzip only when Accept-Encoding allows it', () => {
      expect(acceptsGzip(undefined)).to.equal(false);
      expect(acceptsGzip('identity')).to.equal(false);
      expect(acceptsGzip('gzip, deflate')).to.equal(true);
      expect(acceptsGzip('gzip;q=0')).to.equal(false);
    });
  });
});
