/**
 * Maintenance inverse offers: when machines are scheduled for maintenance (DRAINING), every
 * connected framework with tasks on an agent of such a machine gets an INVERSE_OFFER for that
 * agent carrying the window's unavailability; its ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS
 * answers show in GET_MAINTENANCE_STATUS (`draining_machines[].statuses`), UNKNOWN until then.
 */
import type { allocator, MachineID, scheduler, Unavailability } from '../../codec/messages';
import type { MasterCore } from '../master-core';
import { isConnected } from '../master-frameworks';
import { agentOnMachine, machineKey } from './maintenance';
import { timeInfo } from './master-views';

interface Outstanding {
  frameworkId: string;
  machine: string;
}

/** The inverse offers of one master. */
export class InverseOffers {
  private readonly outstanding = new Map<string, Outstanding>();
  /** Per machine key, per framework id: the latest answer. */
  private readonly answers = new Map<string, Map<string, allocator.InverseOfferStatus>>();
  private counter = 0;

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
          if (!framework || !isConnected(framework)) continue;
          const offerId = `${core.masterInfo.id}-IO${this.counter++}`;
          this.outstanding.set(offerId, { frameworkId, machine: key });
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
    }
  }

  /** The answers of the frameworks for a machine. */
  statusesOf(machine: MachineID): allocator.InverseOfferStatus[] {
    return [...(this.answers.get(machineKey(machine))?.values() ?? [])];
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
