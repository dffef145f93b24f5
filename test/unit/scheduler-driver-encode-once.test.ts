/**
 * The driver encodes each call once (to throw MesosEncodeError at the call site) and the real
 * SchedulerClient sends those bytes instead of encoding the call a second time.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { FrameworkInfo, scheduler } from '../../lib/codec/messages';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import type { LeaderDetector, SchedulerTransportOptions } from '../../lib/driver/scheduler-options';
import type { AcknowledgementSink } from '../../lib/transport/acknowledgement-sink';
import type { BufferedResponse } from '../../lib/transport/http-client';
import type { PipelinedLane } from '../../lib/transport/pipelined-lane';
import { SchedulerClient, type SchedulerSubscription } from '../../lib/transport/scheduler-client';

const FRAMEWORK: FrameworkInfo = { user: 'alice', name: 'encode-once', hostname: 'h', failover_timeout: 3600 };
const ACCEPTED: BufferedResponse = { status: 202, headers: {}, body: Buffer.alloc(0) };

/** Events the test pushes; ends quietly when closed. */
class Feed implements AsyncIterable<scheduler.Event> {
  private readonly buffered: scheduler.Event[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  push(event: scheduler.Event): void {
    this.buffered.push(event);
    this.notify();
  }
  close(): void {
    this.closed = true;
    this.notify();
  }
  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<scheduler.Event> {
    for (;;) {
      const next = this.buffered.shift();
      if (next) yield next;
      else if (this.closed) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/** The real SchedulerClient's call path with the sockets replaced: records the bytes each lane is given. */
class RecordingClient extends SchedulerClient {
  readonly bodies: Buffer[] = [];
  readonly feed = new Feed();
  override async subscribe(): Promise<SchedulerSubscription> {
    return { streamId: 's1', format: 'protobuf', events: this.feed, close: () => this.feed.close() };
  }
  override acknowledge(_type: string, encoded: Buffer, sink: AcknowledgementSink): void {
    this.bodies.push(encoded);
    queueMicrotask(() => sink.sent());
  }
  protected override sendCall(body: Buffer): Promise<BufferedResponse> {
    this.bodies.push(body);
    return Promise.resolve(ACCEPTED);
  }
  protected override sendPipelined(
    body: Buffer,
    _what: string,
    _streamId: string | undefined,
    _signal: AbortSignal | undefined,
    _lane: PipelinedLane,
  ): Promise<BufferedResponse> {
    this.bodies.push(body);
    return Promise.resolve(ACCEPTED);
  }
}

const staticDetector: LeaderDetector = {
  detect: async (previous) => (previous ? new Promise<never>(() => undefined) : { url: 'http://127.0.0.1:5050' }),
  close: () => undefined,
};

async function settle(clock: sinon.SinonFakeTimers, ms = 0): Promise<void> {
  await clock.tickAsync(ms);
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('MesosSchedulerDriver encodes each call once', () => {
  afterEach(() => sinon.restore());

  for (const format of ['protobuf', 'json'] as const) {
    it(`passes its ${format} bytes, framework_id included, to the transport, which sends them as they are`, async () => {
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
      const clients: RecordingClient[] = [];
      const driver = new MesosSchedulerDriver({}, FRAMEWORK, '127.0.0.1:5050', true, undefined, {
        detector: staticDetector,
        contentType: format,
        reconnectDelayMaxMs: 0,
        heartbeat: { enabled: false },
        transportFactory: (url: string, options: SchedulerTransportOptions) => {
          const client = new RecordingClient(url, options);
          clients.push(client);
          return client;
        },
      });
      driver.start();
      await settle(clock);
      const client = clients[0] as RecordingClient;
      const call = sinon.spy(client, 'call');
      const acknowledge = sinon.spy(client, 'acknowledge');
      client.feed.push({
        type: 'SUBSCRIBED',
        subscribed: { framework_id: { value: 'fw-1' }, heartbeat_interval_seconds: 15 },
      });
      await settle(clock);

      const codec = getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, format);
      const encode = sinon.spy(codec, 'encode');
      driver.launchTasks({ value: 'o1' }, [
        { name: 't', task_id: { value: 't1' }, agent_id: { value: 'a1' }, resources: [] },
      ]);
      driver.killTask({ value: 't1' });
      driver.declineOffer({ value: 'o2' });
      driver.reviveOffers(); // a call of the driver's own, encoded in send()
      driver.updateFramework({ ...FRAMEWORK, name: 'renamed' });
      // An implicit acknowledgement, on the acknowledgement lane.
      client.feed.push({
        type: 'UPDATE',
        update: {
          status: {
            task_id: { value: 't1' },
            state: 'TASK_RUNNING',
            agent_id: { value: 'a1' },
            uuid: new Uint8Array(16).fill(7),
          },
        },
      });
      await settle(clock);

      const types = ['ACCEPT', 'KILL', 'DECLINE', 'REVIVE', 'UPDATE_FRAMEWORK', 'ACKNOWLEDGE'];
      // The implicit ACKNOWLEDGE is written by the driver's fast path, not by the codec...
      expect(encode.callCount).to.equal(types.length - 1);
      expect(client.bodies).to.have.length(types.length);
      // ...and sent through the client's promise-free acknowledgement entry point, not call().
      expect(call.callCount).to.equal(types.length - 1);
      expect(acknowledge.callCount).to.equal(1);
      const ack = acknowledge.getCall(0).args;
      expect(ack[0]).to.equal('ACKNOWLEDGE');
      // ...into the very bytes the codec writes for the same call.
      const full: scheduler.Call = {
        framework_id: { value: 'fw-1' },
        type: 'ACKNOWLEDGE',
        acknowledge: { agent_id: { value: 'a1' }, task_id: { value: 't1' }, uuid: new Uint8Array(16).fill(7) },
      };
      expect(ack[1]).to.deep.equal(codec.encode(full));
      // The library's own client (this one extends it) reads only the type beside the bytes, so it
      // is not handed the call's objects (an ACCEPT's tasks), which are then free once encoded.
      types.slice(0, -1).forEach((type, i) => {
        expect(call.getCall(i).args[0]).to.deep.equal({ type });
      });
      types.forEach((type, i) => {
        const encoded = (i < types.length - 1 ? encode.returnValues[i] : ack[1]) as Buffer;
        // The very buffer the driver produced reaches the lane: nothing encoded it again.
        if (i < types.length - 1) expect(call.getCall(i).args[1]?.encoded).to.equal(encoded);
        expect(client.bodies[i]).to.equal(encoded);
        const sent = codec.decode(encoded);
        expect(sent.type).to.equal(type);
        expect(sent.framework_id).to.deep.equal({ value: 'fw-1' });
      });
      driver.stop(true);
      await settle(clock);
    });
  }
});
