/** Checks SchedulerDriverOptions when the driver is built, so a bad option fails at once and by name. */
import { MesosConfigError } from '../common/errors';
import type { SchedulerDriverOptions } from './scheduler-options';

function fail(option: string, expected: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new MesosConfigError(`MesosSchedulerDriver option ${option} must be ${expected} (got ${shown})`);
}

function nonNegativeNumber(option: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    fail(option, 'a finite number >= 0', value);
  }
}

function positiveInteger(option: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
    fail(option, 'a positive integer', value);
  }
}

function oneOf(option: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    fail(option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
}

/** Throws MesosConfigError naming the first option that is malformed. Header values are never echoed. */
export function validateSchedulerDriverOptions(options: SchedulerDriverOptions): void {
  if (typeof options !== 'object' || options === null) fail('object', 'an object', options);
  oneOf('contentType', options.contentType, ['protobuf', 'json']);
  oneOf('callsWhileDisconnected', options.callsWhileDisconnected, ['libmesos', 'reject']);
  if (options.heartbeat !== undefined) {
    if (typeof options.heartbeat !== 'object' || options.heartbeat === null)
      fail('heartbeat', 'an object', options.heartbeat);
    if (options.heartbeat.enabled !== undefined && typeof options.heartbeat.enabled !== 'boolean') {
      fail('heartbeat.enabled', 'a boolean', options.heartbeat.enabled);
    }
    const missed = options.heartbeat.missedIntervals;
    if (missed !== undefined && !(typeof missed === 'number' && Number.isFinite(missed) && missed > 0)) {
      fail('heartbeat.missedIntervals', 'a number > 0', missed);
    }
  }
  for (const name of ['reconnectDelayMaxMs', 'requestTimeoutMs', 'teardownTimeoutMs', 'abortLingerMs'] as const) {
    nonNegativeNumber(name, options[name]);
  }
  for (const name of ['maxPendingEvents', 'maxPendingCalls', 'maxConcurrentAcknowledgements'] as const) {
    positiveInteger(name, options[name]);
  }
  const backoff = options.backoff as Record<string, unknown> | undefined;
  if (backoff !== undefined) {
    if (typeof backoff !== 'object' || backoff === null)
      fail('backoff', 'a BackoffStrategy or BackoffOptions', backoff);
    const isStrategy = typeof backoff.next === 'function' && typeof backoff.reset === 'function';
    if (!isStrategy) {
      for (const name of ['initialMs', 'maxMs', 'jitter', 'factor'] as const)
        nonNegativeNumber(`backoff.${name}`, backoff[name]);
    }
  }
  if (options.headers !== undefined) {
    if (typeof options.headers !== 'object' || options.headers === null)
      fail('headers', 'an object of strings', '[not an object]');
    for (const [name, value] of Object.entries(options.headers)) {
      // The value may be a secret (a token): name the header, never show its value.
      if (typeof value !== 'string') fail(`headers['${name}']`, 'a string', `[${typeof value}]`);
    }
  }
  for (const name of ['pipelineAcknowledgements', 'reportUnhandledErrors'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') fail(name, 'a boolean', options[name]);
  }
  if (
    options.loggerNamespace !== undefined &&
    (typeof options.loggerNamespace !== 'string' || options.loggerNamespace === '')
  ) {
    fail('loggerNamespace', 'a non-empty string', options.loggerNamespace);
  }
}
