/**
 * Realistic scheduler events (SUBSCRIBED, OFFERS with ten full offers, UPDATE with a uuid) and
 * pre-encoded templates that are stamped with unique ids per event, so a benchmark server can
 * stream millions of distinct records without spending its CPU on encoding.
 */
import type protobuf from 'protobufjs';
import type { Offer, Resource, scheduler, TaskState } from '../../lib/codec/messages';
import { encodeRecord } from '../../lib/codec/recordio';
import { loadSchemaRoot } from '../../lib/codec/schema';

/** The two wire formats a stream can use. */
export type StreamFormat = 'json' | 'protobuf';

/** Twelve characters that occur nowhere else in an encoded event; replaced by a zero-padded sequence number. */
const SEQUENCE_PLACEHOLDER = '~~~~~~~~~~~~';
const SEQUENCE_WIDTH = SEQUENCE_PLACEHOLDER.length;
/** Sixteen sentinel bytes that stand for an update's uuid in a template. */
const UUID_SENTINEL = Buffer.from('\u00fe\u00edUUID-SENTINEL!', 'latin1');

/** One place in an encoded template that is rewritten for every event. */
interface Slot {
  offset: number;
  kind: 'sequence' | 'uuid-base64' | 'uuid-raw';
}

/** An encoded RecordIO record (length prefix included) with the places stamped per event. */
export class EventTemplate {
  /** The event type, as Mesos names it. */
  readonly type: scheduler.Event.Type;
  private readonly record: Buffer;
  private readonly slots: Slot[];
  private readonly uuidScratch = Buffer.alloc(16);

  constructor(type: scheduler.Event.Type, record: Buffer, slots: Slot[]) {
    this.type = type;
    this.record = record;
    this.slots = slots;
  }

  /** Size in bytes of every record made from this template (length prefix included). */
  get byteLength(): number {
    return this.record.length;
  }

  /** A fresh copy of the record with `sequence` stamped into its ids and a uuid derived from it. */
  render(sequence: number, uuidPrefix: Buffer): Buffer {
    const out = Buffer.allocUnsafe(this.record.length);
    this.record.copy(out);
    if (this.slots.length === 0) return out;
    const digits = String(sequence).padStart(SEQUENCE_WIDTH, '0');
    uuidPrefix.copy(this.uuidScratch, 0, 0, 8);
    this.uuidScratch.writeBigUInt64BE(BigInt(sequence), 8);
    for (const slot of this.slots) {
      if (slot.kind === 'sequence') out.write(digits, slot.offset, SEQUENCE_WIDTH, 'latin1');
      else if (slot.kind === 'uuid-raw') this.uuidScratch.copy(out, slot.offset);
      else out.write(this.uuidScratch.toString('base64'), slot.offset, 24, 'latin1');
    }
    return out;
  }
}

/** Options for the shapes of the generated events. */
export interface RealisticEventOptions {
  frameworkId: string;
  /** Offers in each OFFERS event (10 unless told). */
  offersPerEvent?: number;
  /** Distinct agents the offers and updates rotate through. */
  agentCount?: number;
}

const AGENT_ID_PREFIX = 'a3c5e1f0-7b2d-4c8e-9f61-2d4b8a7c9e10-S';
const OFFER_ID_PREFIX = 'a3c5e1f0-7b2d-4c8e-9f61-2d4b8a7c9e10-O';

/** The SUBSCRIBED event a master sends first. */
export function subscribedEvent(frameworkId: string, heartbeatIntervalSeconds: number, port: number): scheduler.Event {
  return {
    type: 'SUBSCRIBED',
    subscribed: {
      framework_id: { value: frameworkId },
      heartbeat_interval_seconds: heartbeatIntervalSeconds,
      master_info: {
        id: 'a3c5e1f0-7b2d-4c8e-9f61-2d4b8a7c9e10',
        ip: 0x0100007f,
        port,
        pid: `master@127.0.0.1:${port}`,
        hostname: '127.0.0.1',
        version: '1.11.0',
        address: { hostname: '127.0.0.1', ip: '127.0.0.1', port },
      },
    },
  };
}

/** A HEARTBEAT event. */
export function heartbeatEvent(): scheduler.Event {
  return { type: 'HEARTBEAT' };
}

function scalar(name: string, value: number): Resource {
  return { name, type: 'SCALAR', scalar: { value }, allocation_info: { role: '*' } };
}

/** One offer as a Mesos 1.x master writes it: cpus, mem, disk, two port ranges, attributes, url, allocation info. */
function offer(frameworkId: string, agent: number, index: number, idValue: string): Offer {
  const host = `agent-${agent}.dc1.example.com`;
  const ip = `10.12.${(agent >> 8) & 255}.${agent & 255}`;
  return {
    id: { value: idValue },
    framework_id: { value: frameworkId },
    agent_id: { value: `${AGENT_ID_PREFIX}${agent}` },
    hostname: host,
    url: { scheme: 'http', address: { hostname: host, ip, port: 5051 }, path: '/slave(1)' },
    resources: [
      scalar('cpus', 8 - (index % 4) * 0.5),
      scalar('mem', 30720 - index * 512),
      scalar('disk', 409600),
      {
        name: 'ports',
        type: 'RANGES',
        ranges: {
          range: [
            { begin: 31000 + index * 10, end: 31999 },
            { begin: 32100, end: 32999 },
          ],
        },
        allocation_info: { role: '*' },
      },
    ],
    attributes: [
      { name: 'rack', type: 'TEXT', text: { value: `rack-${agent % 16}` } },
      { name: 'zone', type: 'TEXT', text: { value: `zone-${agent % 3}` } },
      { name: 'ssd', type: 'TEXT', text: { value: agent % 2 === 0 ? 'true' : 'false' } },
      { name: 'generation', type: 'SCALAR', scalar: { value: 3 } },
    ],
    allocation_info: { role: '*' },
  };
}

/** An OFFERS event whose offer ids carry `idStem` (a placeholder when building templates). */
export function offersEvent(options: RealisticEventOptions, firstAgent: number, idStem: string): scheduler.Event {
  const count = options.offersPerEvent ?? 10;
  const agents = options.agentCount ?? 50;
  const offers: Offer[] = [];
  for (let i = 0; i < count; i++) {
    offers.push(offer(options.frameworkId, (firstAgent + i) % agents, i, `${OFFER_ID_PREFIX}${idStem}-${i}`));
  }
  return { type: 'OFFERS', offers: { offers } };
}

const UPDATE_STATES: TaskState[] = ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'];

/** An UPDATE event from an executor, carrying a uuid (so it must be acknowledged). */
export function updateEvent(
  options: RealisticEventOptions,
  agent: number,
  state: TaskState,
  taskStem: string,
  uuid: Uint8Array,
): scheduler.Event {
  const agentId = `${AGENT_ID_PREFIX}${agent % (options.agentCount ?? 50)}`;
  return {
    type: 'UPDATE',
    update: {
      status: {
        task_id: { value: `web-frontend.${taskStem}` },
        state,
        source: 'SOURCE_EXECUTOR',
        agent_id: { value: agentId },
        executor_id: { value: `web-frontend.${taskStem}` },
        timestamp: 1732953600.123456,
        uuid,
        container_status: {
          container_id: { value: '5b0f2d8e-1c3a-4e7b-9a6d-8f2e4c1b7a90' },
          network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: `10.12.0.${agent & 255}` }] }],
          executor_pid: 41000 + agent,
        },
        message: state === 'TASK_RUNNING' ? 'Task is running' : undefined,
      },
    },
  };
}

/** A reconciliation answer from the master: an UPDATE without uuid (it must not be acknowledged). */
export function reconciliationUpdateEvent(
  options: RealisticEventOptions,
  agent: number,
  taskStem: string,
): scheduler.Event {
  return {
    type: 'UPDATE',
    update: {
      status: {
        task_id: { value: `web-frontend.${taskStem}` },
        state: 'TASK_RUNNING',
        source: 'SOURCE_MASTER',
        reason: 'REASON_RECONCILIATION',
        message: 'Reconciliation: Latest task state',
        agent_id: { value: `${AGENT_ID_PREFIX}${agent % (options.agentCount ?? 50)}` },
        timestamp: 1732953600.123456,
      },
    },
  };
}

/** Mesos's JSON for an event: bytes as base64, everything else as it is (the objects are already Mesos-shaped). */
export function toMesosJson(event: scheduler.Event): string {
  return JSON.stringify(event, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
      return Buffer.from((value as { data: number[] }).data).toString('base64');
    }
    return value;
  });
}

let eventType: protobuf.Type | undefined;

/** The protobuf encoding of an event, through protobufjs directly (independent of the library's codec). */
export function toProtobuf(event: scheduler.Event): Buffer {
  eventType ??= loadSchemaRoot().lookupType('mesos.v1.scheduler.Event');
  const message = eventType.fromObject(event as unknown as Record<string, unknown>);
  return Buffer.from(eventType.encode(message).finish());
}

/** The payload of an event in `format`. */
export function encodeEvent(event: scheduler.Event, format: StreamFormat): Buffer {
  return format === 'json' ? Buffer.from(toMesosJson(event), 'utf8') : toProtobuf(event);
}

function findAll(haystack: Buffer, needle: Buffer | string): number[] {
  const found: number[] = [];
  let at = haystack.indexOf(needle);
  while (at !== -1) {
    found.push(at);
    at = haystack.indexOf(needle, at + 1);
  }
  return found;
}

/** Turns an event built with placeholders into a template with its stamp slots located. */
function templateOf(event: scheduler.Event, format: StreamFormat): EventTemplate {
  const record = encodeRecord(encodeEvent(event, format));
  const slots: Slot[] = findAll(record, SEQUENCE_PLACEHOLDER).map((offset) => ({ offset, kind: 'sequence' as const }));
  if (format === 'json') {
    for (const offset of findAll(record, UUID_SENTINEL.toString('base64'))) slots.push({ offset, kind: 'uuid-base64' });
  } else {
    for (const offset of findAll(record, UUID_SENTINEL)) slots.push({ offset, kind: 'uuid-raw' });
  }
  return new EventTemplate(event.type as scheduler.Event.Type, record, slots);
}

/** The templates a stream cycles through: OFFERS events over rotating agents and UPDATE events in three states. */
export interface TemplateSet {
  offers: EventTemplate[];
  updates: EventTemplate[];
  /** UPDATEs without uuid, as answers to reconciliation. */
  reconciliations: EventTemplate[];
  heartbeat: EventTemplate;
}

/** Builds the template set for one format. */
export function buildTemplates(options: RealisticEventOptions, format: StreamFormat, variants = 8): TemplateSet {
  const offers: EventTemplate[] = [];
  const updates: EventTemplate[] = [];
  const reconciliations: EventTemplate[] = [];
  for (let v = 0; v < variants; v++) {
    reconciliations.push(templateOf(reconciliationUpdateEvent(options, v * 3, SEQUENCE_PLACEHOLDER), format));
    offers.push(templateOf(offersEvent(options, v * 7, SEQUENCE_PLACEHOLDER), format));
    const state = UPDATE_STATES[v % UPDATE_STATES.length] as TaskState;
    updates.push(templateOf(updateEvent(options, v * 5, state, SEQUENCE_PLACEHOLDER, UUID_SENTINEL), format));
  }
  return { offers, updates, reconciliations, heartbeat: templateOf(heartbeatEvent(), format) };
}
