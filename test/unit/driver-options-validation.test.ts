import { expect } from 'chai';
import { MesosConfigError } from '../../lib/common/errors';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import type { SchedulerDriverOptions } from '../../lib/driver/scheduler-options';

function build(options: unknown): MesosSchedulerDriver {
  return new MesosSchedulerDriver(
    {},
    { name: 'fw', user: 'u' },
    '127.0.0.1:5050',
    true,
    undefined,
    options as SchedulerDriverOptions,
  );
}

describe('MesosSchedulerDriver options are checked at construction', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['contentType', { contentType: 'xml' }, /contentType must be one of 'protobuf', 'json' \(got "xml"\)/],
    ['callsWhileDisconnected', { callsWhileDisconnected: 'drop' }, /callsWhileDisconnected/],
    [
      'heartbeat.missedIntervals',
      { heartbeat: { missedIntervals: 0 } },
      /heartbeat\.missedIntervals must be a number > 0/,
    ],
    ['heartbeat.enabled', { heartbeat: { enabled: 'yes' } }, /heartbeat\.enabled must be a boolean/],
    ['reconnectDelayMaxMs', { reconnectDelayMaxMs: -1 }, /reconnectDelayMaxMs must be a finite number >= 0/],
    ['requestTimeoutMs', { requestTimeoutMs: Number.NaN }, /requestTimeoutMs/],
    [
      'maxConcurrentAcknowledgements',
      { maxConcurrentAcknowledgements: 0 },
      /maxConcurrentAcknowledgements must be a positive integer/,
    ],
    ['maxPendingEvents', { maxPendingEvents: 1.5 }, /maxPendingEvents/],
    ['maxPendingCalls', { maxPendingCalls: '10' }, /maxPendingCalls/],
    ['backoff.initialMs', { backoff: { initialMs: -5 } }, /backoff\.initialMs/],
    ['loggerNamespace', { loggerNamespace: '' }, /loggerNamespace/],
    ['pipelineAcknowledgements', { pipelineAcknowledgements: 'no' }, /pipelineAcknowledgements must be a boolean/],
  ];
  for (const [name, options, message] of bad) {
    it(`rejects a bad ${name} with a MesosConfigError naming it`, () => {
      expect(() => build(options)).to.throw(MesosConfigError, message);
    });
  }

  it('names a bad header without showing its value', () => {
    let error: unknown;
    try {
      build({ headers: { 'X-Token': 12345 } });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(MesosConfigError);
    expect(String(error)).to.contain("headers['X-Token']").and.not.contain('12345');
  });

  it('accepts good options, and a user BackoffStrategy', () => {
    const driver = build({
      contentType: 'json',
      heartbeat: { enabled: false, missedIntervals: 3 },
      reconnectDelayMaxMs: 0,
      maxConcurrentAcknowledgements: 4,
      backoff: { next: () => 10, reset: () => undefined },
      headers: { 'X-Trace': 'on' },
    });
    expect(driver.status).to.equal(1);
  });
});

describe('MesosSchedulerDriver passes transport options to its HTTP client', () => {
  it('hands maxConcurrentAcknowledgements and pipelineAcknowledgements to the transport it builds', async () => {
    const seen: unknown[] = [];
    const driver = new MesosSchedulerDriver({}, { name: 'fw', user: 'u' }, '127.0.0.1:5050', true, undefined, {
      maxConcurrentAcknowledgements: 4,
      pipelineAcknowledgements: false,
      reconnectDelayMaxMs: 0,
      heartbeat: { enabled: false },
      detector: { detect: async () => ({ url: 'http://127.0.0.1:5050' }), close: () => undefined },
      transportFactory: (_url, options) => {
        seen.push(options);
        return {
          subscribe: () => new Promise(() => undefined),
          call: async () => undefined,
          close: () => undefined,
        };
      },
    });
    driver.start();
    for (let i = 0; i < 20 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    driver.stop(true);
    expect(seen[0]).to.include({ maxConcurrentAcknowledgements: 4, pipelineAcknowledgements: false });
  });
});
