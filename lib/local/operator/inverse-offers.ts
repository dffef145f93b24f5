/**
 * Maintenance inverse offers: when machines are scheduled for maintenance (DRAINING), every
 * connected framework with tasks on an agent of such a machine gets an INVERSE_OFFER for that
 * agent carrying the window's unavailability; its ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS
 * answers show in GET_MAINTENANCE_STATUS (`draining_machines[].statuses`), UNKNOWN until then.
 * As Mesos's allocator does each allocation cycle, a framework that has answered gets a new
 * inverse offer for the agent once the answer's filter (`refuse_seconds`, default 5) has expired,
 * for as long as the machine is DRAINING; one with an unanswered inverse offer gets no other.
 * When the master removes the agent (START_MAINTENANCE, MARK_AGENT_GONE) its unanswered inverse
 * offers are rescinded (RESCIND_INVERSE_OFFER).
 */
import type { allocator, MachineID, scheduler, Unavailability } from '../../codec/messages';
import type { MasterCore } from '../master-core';
import { isConnected } from '../master-frameworks';
import { agentOnMachine, machineKey } from './maintenance';
import { timeInfo } from './master-views';

interface Outstanding {
  frameworkId: string;
  machine: string;
  agentId: string;
}

/** `Filters.refuse_seconds` of an inverse offer answer that gives none (Mesos's default). */
const DEFAULT_REFUSE_SECONDS = 5;

/** The inverse offers of one master. */
export class InverseOffers {
  private readonly outstanding = new Map<string, Outstanding>();
  /** Per machine key, per framework id: the latest answer. */
  private readonly answers = new Map<string, Map<string, allocator.InverseOfferStatus>>();
  private counter = 0;
  /** Per framework and agent: no new inverse offer before this time (ms). */
  private readonly filters = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  /** Set by the master's operator API: one allocation cycle's re-send; false once nothing drains. */
  resend: (() => boolean) | undefined;
  /** How often {@link resend} runs (the allocation interval). */
  intervalMs = 1000;

  /** Sends inverse offers for the agents on `machines` (each with its window) to the frameworks using them. */
  send(core: MasterCore, machines: Array<{ id: MachineID; unavailability: Unavailability }>): void {
    for (const { id, unavailability } of machines) {
      const key = machineKey(id);
      for (const [agentId, record] of core.agents) {
        if (!agentOnMachine(record.info.hostname, id)) continue;
        const frameworkIds = new Set(
          [...core.tasks.values()].filter((t) => t.agentId === agentId).map((t) => t.frameworkId),
        );
        for (const frameworkId of frameworkIds) {
          const framework = core.frameworks.get(frameworkId);
          if (!framework || !isConnected(framework) || this.withheld(frameworkId, agentId)) continue;
          const offerId = `${core.masterInfo.id}-IO${this.counter++}`;
          this.outstanding.set(offerId, { frameworkId, machine: key, agentId });
          this.record(key, frameworkId, 'UNKNOWN');
          framework.stream?.send({
            type: 'INVERSE_OFFERS',
            inverse_offers: {
              inverse_offers: [
                {
                  id: { value: offerId },
                  framework_id: { value: frameworkId },
                  agent_id: { value: agentId },
                  unavailability,
                },
              ],
            },
          });
        }
      }
    }
  }

  /** A framework's ACCEPT_INVERSE_OFFERS or DECLINE_INVERSE_OFFERS. */
  answered(frameworkId: string, call: scheduler.Call): void {
    const accept = call.type === 'ACCEPT_INVERSE_OFFERS';
    const ids = (accept ? call.accept_inverse_offers : call.decline_inverse_offers)?.inverse_offer_ids ?? [];
    for (const id of ids) {
      const offer = this.outstanding.get(id.value);
      if (!offer || offer.frameworkId !== frameworkId) continue;
      this.outstanding.delete(id.value);
      this.record(offer.machine, frameworkId, accept ? 'ACCEPT' : 'DECLINE');
      const answer = accept ? call.accept_inverse_offers : call.decline_inverse_offers;
      const seconds = answer?.filters?.refuse_seconds ?? DEFAULT_REFUSE_SECONDS;
      if (seconds > 0) this.filters.set(`${frameworkId}\u0000${offer.agentId}`, Date.now() + seconds * 1000);
    }
  }

  /** True when the framework has an unanswered inverse offer for the agent, or a filter hides it. */
  private withheld(frameworkId: string, agentId: string): boolean {
    for (const offer of this.outstanding.values())
      if (offer.frameworkId === frameworkId && offer.agentId === agentId) return true;
    const key = `${frameworkId}\u0000${agentId}`;
    const until = this.filters.get(key);
    if (until !== undefined && until <= Date.now()) this.filters.delete(key);
    return until !== undefined && until > Date.now();
  }

  /** Keeps re-sending every {@link intervalMs} while {@link resend} says machines drain. */
  keepSending(): void {
    if (this.timer || !this.resend) return;
    this.timer = setInterval(() => {
      if (!this.resend?.()) this.stop();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops re-sending. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The answers of the frameworks for a machine. */
  statusesOf(machine: MachineID): allocator.InverseOfferStatus[] {
    return [...(this.answers.get(machineKey(machine))?.values() ?? [])];
  }

  /** Rescinds the unanswered inverse offers for an agent the master removes (Mesos: RESCIND_INVERSE_OFFER). */
  rescindFor(core: MasterCore, agentId: string): void {
    for (const [id, offer] of [...this.outstanding]) {
      if (offer.agentId !== agentId) continue;
      this.outstanding.delete(id);
      const framework = core.frameworks.get(offer.frameworkId);
      const rescind = { inverse_offer_id: { value: id } };
      if (framework && isConnected(framework))
        framework.stream?.send({ type: 'RESCIND_INVERSE_OFFER', rescind_inverse_offer: rescind });
    }
  }

  /** Forgets the machines that left the schedule or went down (their offers are gone). */
  forget(machines: MachineID[]): void {
    const keys = new Set(machines.map(machineKey));
    for (const key of keys) this.answers.delete(key);
    for (const [id, offer] of this.outstanding) if (keys.has(offer.machine)) this.outstanding.delete(id);
  }

  private record(machine: string, frameworkId: string, status: allocator.InverseOfferStatus['status']): void {
    let byFramework = this.answers.get(machine);
    if (!byFramework) this.answers.set(machine, (byFramework = new Map()));
    byFramework.set(frameworkId, { status, framework_id: { value: frameworkId }, timestamp: timeInfo(Date.now()) });
  }
}
