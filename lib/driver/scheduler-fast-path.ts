/**
 * The scheduler driver's per-update fast path: implicit ACKNOWLEDGE calls encoded straight from
 * the three fields they carry, into the same bytes the generic call codec writes (JSON key order
 * included), without building, checking and walking a generic message per update. The framework
 * id's part of the bytes is kept between calls. A status whose fields are not the plain shapes the
 * event decoders produce (a callback may have changed it) returns undefined: the caller then takes
 * the generic path, which checks and names what is wrong.
 */

import type { AgentID, FrameworkID, scheduler, TaskStatus } from '../codec/messages';
import type { MesosError } from '../common/errors';
import { type AcknowledgementSink, SchedulerClient } from '../transport';

/** A call with the framework id set, its type, and its bytes in the driver's wire format. */
export interface EncodedCall {
  readonly type: scheduler.Call.Type | undefined;
  readonly body: scheduler.Call;
  readonly encoded: Buffer;
}

/**
 * An encoded ACKNOWLEDGE whose call object is built only when asked for (a custom transport, the
 * generic path): the library's client sends the bytes alone.
 */
class EncodedAcknowledge implements EncodedCall {
  readonly type = 'ACKNOWLEDGE' as const;
  private built: scheduler.Call | undefined;

  constructor(
    readonly encoded: Buffer,
    private readonly frameworkId: FrameworkID,
    private readonly agentId: AgentID,
    private readonly taskId: TaskStatus['task_id'],
    private readonly uuid: Uint8Array,
  ) {}

  get body(): scheduler.Call {
    this.built ??= {
      type: 'ACKNOWLEDGE',
      // A copy: the decoded uuid may be a view of the whole record chunk, which the call would
      // keep alive (and, promoted, until a major GC) for as long as it waits for its answer.
      acknowledge: { agent_id: this.agentId, task_id: this.taskId, uuid: new Uint8Array(this.uuid) },
      framework_id: this.frameworkId,
    };
    return this.built;
  }
}

/** Call.type ACKNOWLEDGE's enum number, and the Call / Acknowledge field tags (protobuf). */
const ACKNOWLEDGE_TYPE = 8;
const TAG_FRAMEWORK_ID = 0x0a; // Call.framework_id = 1, length-delimited
const TAG_TYPE = 0x10; // Call.type = 2, varint
const TAG_ACKNOWLEDGE = 0x42; // Call.acknowledge = 8, length-delimited
const TAG_ID_VALUE = 0x0a; // *ID.value = 1
const TAG_AGENT_ID = 0x0a; // Acknowledge.agent_id = 1
const TAG_TASK_ID = 0x12; // Acknowledge.task_id = 2
const TAG_UUID = 0x1a; // Acknowledge.uuid = 3

/** True when `status` must be acknowledged (libmesos: it has a non-empty uuid and an agent id). */
export function needsAcknowledgement(status: TaskStatus): boolean {
  return status.uuid !== undefined && status.uuid.length > 0 && status.agent_id !== undefined;
}

/** The ACKNOWLEDGE call of a status update, as the generic path builds it (before the framework id). */
export function ackCall(status: TaskStatus): scheduler.Call {
  return {
    type: 'ACKNOWLEDGE',
    acknowledge: { agent_id: status.agent_id as AgentID, task_id: status.task_id, uuid: status.uuid as Uint8Array },
  };
}

const TYPE_ONLY = new Map<scheduler.Call.Type | undefined, scheduler.Call>();

/**
 * A shared `{ type }` stand-in for `call`, for the library's own SchedulerClient, which reads only
 * the type of a call it is given the bytes of: the call's objects (an ACCEPT's TaskInfos) are then
 * free as soon as they are encoded instead of living (and being promoted into the old generation)
 * until the master answers. A custom transport still gets the whole call.
 */
export function typeOnlyCall(call: scheduler.Call): scheduler.Call {
  let stub = TYPE_ONLY.get(call.type);
  if (stub === undefined) {
    stub = Object.freeze(call.type === undefined ? {} : { type: call.type });
    TYPE_ONLY.set(call.type, stub);
  }
  return stub;
}

/** A call's settlers as the driver keeps them per call type: on success, on failure. */
type Settlers = readonly [() => void, (error: unknown) => void];

const sinks = new WeakMap<Settlers, AcknowledgementSink>();

/**
 * Sends an encoded ACKNOWLEDGE through the library's own client without a promise, abort
 * listener or closure per call, its outcome going to `settlers` as a `call()` promise's would.
 * False when that does not apply (another transport, not an encoded ACKNOWLEDGE, a closed
 * client): the caller then takes `call()`, which names what is wrong.
 */
export function acknowledgeDirectly(
  transport: unknown,
  call: scheduler.Call | EncodedCall,
  streamId: string | undefined,
  signal: AbortSignal,
  settlers: Settlers,
): boolean {
  if (!(transport instanceof SchedulerClient) || call.type !== 'ACKNOWLEDGE' || !('encoded' in call)) return false;
  let sink = sinks.get(settlers);
  if (sink === undefined) {
    sink = { sent: settlers[0], failed: settlers[1] as (error: MesosError) => void };
    sinks.set(settlers, sink);
  }
  try {
    transport.acknowledge('ACKNOWLEDGE', call.encoded, sink, streamId ? { signal, streamId } : { signal });
  } catch {
    return false;
  }
  return true;
}

/** Encodes ACKNOWLEDGE calls for one wire format. */
export class AcknowledgeEncoder {
  private frameworkIdValue: string | undefined;
  /** The encoded bytes before the acknowledge body, for `frameworkIdValue`. */
  private jsonPrefix = '';
  private protobufPrefix: Buffer = Buffer.alloc(0);

  constructor(private readonly format: 'json' | 'protobuf') {}

  /** The call acknowledging `status` for framework `frameworkId`, encoded; undefined to take the generic path. */
  encode(frameworkId: FrameworkID | undefined, status: TaskStatus): EncodedCall | undefined {
    const agentId = status.agent_id;
    const taskId = status.task_id;
    const uuid = status.uuid;
    if (
      frameworkId === undefined ||
      typeof frameworkId.value !== 'string' ||
      typeof agentId?.value !== 'string' ||
      typeof taskId?.value !== 'string' ||
      !(uuid instanceof Uint8Array) ||
      !plainId(frameworkId) ||
      !plainId(agentId) ||
      !plainId(taskId)
    ) {
      return undefined;
    }
    if (frameworkId.value !== this.frameworkIdValue) this.setFrameworkId(frameworkId.value);
    const encoded =
      this.format === 'json'
        ? this.json(agentId.value, taskId.value, uuid)
        : this.protobuf(agentId.value, taskId.value, uuid);
    return new EncodedAcknowledge(encoded, frameworkId, agentId, taskId, uuid);
  }

  private setFrameworkId(value: string): void {
    this.frameworkIdValue = value;
    if (this.format === 'json') {
      this.jsonPrefix = `{"framework_id":{"value":${JSON.stringify(value)}},"type":"ACKNOWLEDGE","acknowledge":{"agent_id":{"value":`;
      return;
    }
    const id = Buffer.from(value, 'utf8');
    const idMessage = lengthDelimitedSize(id.length);
    const prefix = Buffer.allocUnsafe(1 + varintSize(idMessage) + idMessage + 2);
    let at = writeVarint(prefix, writeVarint(prefix, 0, TAG_FRAMEWORK_ID), idMessage);
    at = writeBytes(prefix, writeVarint(prefix, writeVarint(prefix, at, TAG_ID_VALUE), id.length), id);
    prefix[at++] = TAG_TYPE;
    prefix[at] = ACKNOWLEDGE_TYPE;
    this.protobufPrefix = prefix;
  }

  private json(agentId: string, taskId: string, uuid: Uint8Array): Buffer {
    const base64 = Buffer.from(uuid.buffer, uuid.byteOffset, uuid.byteLength).toString('base64');
    return Buffer.from(
      `${this.jsonPrefix}${JSON.stringify(agentId)}},"task_id":{"value":${JSON.stringify(taskId)}},"uuid":"${base64}"}}`,
      'utf8',
    );
  }

  private protobuf(agentId: string, taskId: string, uuid: Uint8Array): Buffer {
    const agentBytes = Buffer.byteLength(agentId, 'utf8');
    const taskBytes = Buffer.byteLength(taskId, 'utf8');
    const agentMessage = lengthDelimitedSize(agentBytes);
    const taskMessage = lengthDelimitedSize(taskBytes);
    const ack =
      1 +
      varintSize(agentMessage) +
      agentMessage +
      1 +
      varintSize(taskMessage) +
      taskMessage +
      1 +
      varintSize(uuid.length) +
      uuid.length;
    const prefix = this.protobufPrefix;
    const out = Buffer.allocUnsafe(prefix.length + 1 + varintSize(ack) + ack);
    let at = prefix.copy(out, 0);
    at = writeVarint(out, writeVarint(out, at, TAG_ACKNOWLEDGE), ack);
    at = writeVarint(out, writeVarint(out, at, TAG_AGENT_ID), agentMessage);
    at = writeVarint(out, writeVarint(out, at, TAG_ID_VALUE), agentBytes);
    at += out.write(agentId, at, 'utf8');
    at = writeVarint(out, writeVarint(out, at, TAG_TASK_ID), taskMessage);
    at = writeVarint(out, writeVarint(out, at, TAG_ID_VALUE), taskBytes);
    at += out.write(taskId, at, 'utf8');
    at = writeVarint(out, writeVarint(out, at, TAG_UUID), uuid.length);
    writeBytes(out, at, uuid);
    return out;
  }
}

/** True when an id message carries nothing but `value` (what the fast encoders write). */
function plainId(id: object): boolean {
  for (const key in id) if (key !== 'value') return false;
  return true;
}

/** Size of a message holding one length-delimited field 1 of `length` bytes. */
function lengthDelimitedSize(length: number): number {
  return 1 + varintSize(length) + length;
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function writeVarint(out: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}

function writeBytes(out: Buffer, at: number, bytes: Uint8Array): number {
  out.set(bytes, at);
  return at + bytes.length;
}
