/**
 * SUBSCRIBE on LocalCluster's master: the first chunk holds SUBSCRIBED (the whole state and the
 * heartbeat interval) and a HEARTBEAT, as RecordIO under `Content-Type: application/json`; then a
 * framework that runs tasks (MesosSchedulerDriver) is seen through MesosMasterOperator's stream:
 * FRAMEWORK_ADDED, TASK_ADDED (staging), TASK_UPDATED on each new state with the forwarded status,
 * AGENT_ADDED/AGENT_REMOVED, FRAMEWORK_REMOVED on TEARDOWN, periodic HEARTBEATs, in JSON and
 * protobuf; the client's state mirror equals a fresh GET_STATE's tasks and frameworks afterwards.
 */
import { request } from 'node:http';
import { expect } from 'chai';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { master } from '../../lib/codec/messages';
import { RecordIODecoder } from '../../lib/codec/recordio';
import { LocalCluster } from '../../lib/local/cluster';
import { MesosMasterOperator, type OperatorEventStream } from '../../lib/operator';
import { eventually, runFramework } from './local-operator-helpers';

function firstChunk(url: string): Promise<{ contentType: string | undefined; chunk: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/api/v1', url),
      { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' } },
      (res) => {
        res.once('data', (chunk: Buffer) => {
          resolve({ contentType: res.headers['content-type'], chunk });
          req.destroy();
        });
      },
    );
    req.on('error', reject);
    req.end('{"type":"SUBSCRIBE"}');
  });
}

describe('LocalCluster operator API: SUBSCRIBE', function () {
  this.timeout(20_000);

  it('writes SUBSCRIBED (state + heartbeat_interval_seconds) and a HEARTBEAT in the first chunk, as RecordIO', async () => {
    const cluster = await LocalCluster.start({ log: false, taskMode: 'simulated', heartbeatIntervalSeconds: 7 });
    try {
      const { contentType, chunk } = await firstChunk(cluster.masterUrl);
      expect(contentType).to.equal('application/json');
      const decoder = new RecordIODecoder();
      const events = decoder
        .write(chunk)
        .map((record) => getCodec<master.Event>(TYPE_NAMES.MasterEvent, 'json').decode(record));
      expect(events.map((e) => e.type)).to.deep.equal(['SUBSCRIBED', 'HEARTBEAT']);
      expect(events[0]?.subscribed?.heartbeat_interval_seconds).to.equal(7);
      expect(events[0]?.subscribed?.get_state?.get_agents?.agents?.[0]?.agent_info.id?.value).to.equal(
        cluster.agents[0]?.id,
      );
    } finally {
      await cluster.stop();
    }
  });

  for (const format of ['json', 'protobuf'] as const) {
    it(`streams the events of a framework running tasks, agents coming and going, and heartbeats (${format})`, async () => {
      const cluster = await LocalCluster.start({ log: false, heartbeatIntervalSeconds: 1, statusUpdateRetryMs: 200 });
      const client = new MesosMasterOperator(cluster.masterString, { contentType: format });
      const events: master.Event[] = [];
      let stream: OperatorEventStream | undefined;
      const framework = runFramework(cluster, { a: 'echo a', b: 'exit 3' });
      try {
        stream = client.subscribe({ event: (event) => void events.push(event) }, { mirror: true });
        const frameworkId = await framework.frameworkId;
        await framework.reached('a');
        await framework.reached('b');
        const added = await cluster.addAgent();
        await cluster.faults.loseAgent(added.id, 'removed');
        await client.teardown(frameworkId);
        await eventually(() => events.some((e) => e.type === 'FRAMEWORK_REMOVED'), 5000, 'FRAMEWORK_REMOVED');
        await eventually(() => events.filter((e) => e.type === 'HEARTBEAT').length >= 2, 3000, 'a periodic HEARTBEAT');

        expect(events[0]?.type).to.equal('SUBSCRIBED');
        expect(events[1]?.type).to.equal('HEARTBEAT');
        const types = events.map((e) => e.type).filter((t) => t !== 'HEARTBEAT');
        expect(types.indexOf('FRAMEWORK_ADDED')).to.be.lessThan(types.indexOf('TASK_ADDED'));
        const taskAdded = events.filter((e) => e.type === 'TASK_ADDED').map((e) => e.task_added?.task);
        expect(taskAdded.map((t) => [t?.task_id.value, t?.state]).sort()).to.deep.equal([
          ['a', 'TASK_STAGING'],
          ['b', 'TASK_STAGING'],
        ]);
        const updates = (id: string) =>
          events
            .filter((e) => e.type === 'TASK_UPDATED' && e.task_updated?.status.task_id.value === id)
            .map((e) => e.task_updated as master.Event.TaskUpdated);
        expect(updates('a').map((u) => u.state)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
        expect(updates('b').map((u) => u.state)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
        for (const update of [...updates('a'), ...updates('b')]) {
          expect(update.framework_id.value).to.equal(frameworkId);
          expect(update.status.state).to.equal(update.state);
        }
        const agentAdded = events.find((e) => e.type === 'AGENT_ADDED')?.agent_added?.agent;
        expect(agentAdded?.agent_info.id?.value).to.equal(added.id);
        expect(events.find((e) => e.type === 'AGENT_REMOVED')?.agent_removed?.agent_id.value).to.equal(added.id);
        expect(
          events.find((e) => e.type === 'FRAMEWORK_REMOVED')?.framework_removed?.framework_info.id?.value,
        ).to.equal(frameworkId);
        // Mirror built from SUBSCRIBED + events = a fresh GET_STATE (tasks and frameworks).
        const fresh = await client.getState();
        const mirror = stream.mirror?.snapshot();
        const ids = (tasks: { task_id: { value: string }; state: string }[] | undefined) =>
          (tasks ?? []).map((t) => `${t.task_id.value}:${t.state}`).sort();
        expect(ids(mirror?.get_tasks?.completed_tasks)).to.deep.equal(ids(fresh.get_tasks?.completed_tasks));
        expect(ids(mirror?.get_tasks?.tasks)).to.deep.equal(ids(fresh.get_tasks?.tasks));
        expect(mirror?.get_frameworks?.frameworks ?? []).to.deep.equal([]);
        expect(mirror?.get_agents?.agents?.map((a) => a.agent_info.id?.value)).to.deep.equal(
          fresh.get_agents?.agents?.map((a) => a.agent_info.id?.value),
        );
      } finally {
        await stream?.stop();
        await framework.stop();
        await client.close();
        await cluster.stop();
      }
    });
  }

  it('a master that stops leading ends its streams (EOF)', async () => {
    const cluster = await LocalCluster.start({ log: false, masters: 2, taskMode: 'simulated' });
    try {
      const ended = new Promise<void>((resolve, reject) => {
        const req = request(
          new URL('/api/v1', cluster.masterUrl),
          { method: 'POST', headers: { 'Content-Type': 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', resolve);
            res.on('error', resolve);
          },
        );
        req.on('error', reject);
        req.end('{"type":"SUBSCRIBE"}');
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await cluster.failover();
      await ended;
    } finally {
      await cluster.stop();
    }
  });
});
