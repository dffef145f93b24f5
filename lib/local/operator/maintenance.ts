/**
 * Maintenance as a Mesos master keeps it: the schedule (validated as Mesos validates it), the
 * machines in it (DRAINING until started, then DOWN) and the cluster status derived from both.
 */
import { isIP } from 'node:net';
import type { allocator, MachineID, maintenance, Unavailability } from '../../codec/messages';

/** The mode of a scheduled machine. */
export type MachineMode = 'DRAINING' | 'DOWN';

/** A machine's key: its lowercased hostname and its ip (Mesos compares both). */
export function machineKey(machine: MachineID): string {
  return `${(machine.hostname ?? '').toLowerCase()}\u0000${machine.ip ?? ''}`;
}

function describe(machine: MachineID): string {
  return `${machine.hostname ?? ''}/${machine.ip ?? ''}`;
}

/** True when an agent with `hostname` (and the loopback ip) runs on `machine`. */
export function agentOnMachine(hostname: string, machine: MachineID): boolean {
  if (machine.hostname !== undefined && machine.hostname !== '') {
    return machine.hostname.toLowerCase() === hostname.toLowerCase();
  }
  return machine.ip === '127.0.0.1';
}

/** What the registry keeps of maintenance (Mesos's `Registry.schedules` and `Registry.machines`). */
export interface MaintenanceRecord {
  readonly schedule: maintenance.Schedule;
  readonly machines: ReadonlyArray<{ readonly id: MachineID; readonly mode: MachineMode }>;
}

/** The maintenance schedule and machine modes, as the leading master holds them. */
export class MaintenanceBook {
  private schedule: maintenance.Schedule = { windows: [] };
  private readonly modes = new Map<string, { id: MachineID; mode: MachineMode }>();

  /** A copy of the schedule and machine modes, for the registry. */
  record(): MaintenanceRecord {
    return { schedule: structuredClone(this.schedule), machines: [...this.modes.values()].map((m) => ({ ...m })) };
  }

  /** Replaces the schedule and machine modes with the registry's (a newly elected master recovering). */
  recover(record: MaintenanceRecord): void {
    this.schedule = structuredClone(record.schedule);
    this.modes.clear();
    for (const { id, mode } of record.machines) this.modes.set(machineKey(id), { id: { ...id }, mode });
  }

  /** The current schedule. */
  get current(): maintenance.Schedule {
    return this.schedule;
  }

  /** GET_MAINTENANCE_STATUS's status; `statuses` gives the frameworks' answers to a machine's inverse offers. */
  status(statuses: (id: MachineID) => allocator.InverseOfferStatus[] = () => []): maintenance.ClusterStatus {
    const entries = [...this.modes.values()];
    return {
      draining_machines: entries
        .filter((e) => e.mode === 'DRAINING')
        .map((e) => ({ id: e.id, statuses: statuses(e.id) })),
      down_machines: entries.filter((e) => e.mode === 'DOWN').map((e) => e.id),
    };
  }

  /** Mesos's checks of a new schedule; the refusal message, or undefined after storing it. */
  update(schedule: maintenance.Schedule): string | undefined {
    const seen = new Set<string>();
    const normalized: maintenance.Window[] = [];
    for (const window of schedule.windows ?? []) {
      const machines = window.machine_ids ?? [];
      if (machines.length === 0) return 'List of machines in the maintenance window is empty';
      if ((window.unavailability.duration?.nanoseconds ?? 0) < 0) return "Unavailability 'duration' is negative";
      const ids: MachineID[] = [];
      for (const machine of machines) {
        if (!machine.hostname && !machine.ip) return "Both 'hostname' and 'ip' for a machine are empty";
        if (machine.ip && isIP(machine.ip) === 0) return `Malformed IP address '${machine.ip}'`;
        const id: MachineID = { ...machine, ...(machine.hostname ? { hostname: machine.hostname.toLowerCase() } : {}) };
        const key = machineKey(id);
        if (seen.has(key)) return `Machine '${describe(id)}' appears more than once in the schedule`;
        seen.add(key);
        ids.push(id);
      }
      normalized.push({ ...window, machine_ids: ids });
    }
    for (const [key, entry] of this.modes) {
      if (entry.mode === 'DOWN' && !seen.has(key)) {
        return `Machine '${describe(entry.id)}' is deactivated and cannot be removed from the schedule`;
      }
    }
    this.schedule = { windows: normalized };
    for (const key of [...this.modes.keys()]) if (!seen.has(key)) this.modes.delete(key);
    for (const window of normalized) {
      for (const id of window.machine_ids ?? []) {
        const key = machineKey(id);
        if (!this.modes.has(key)) this.modes.set(key, { id, mode: 'DRAINING' });
      }
    }
    return undefined;
  }

  /** START_MAINTENANCE's checks and effect: the machines go DOWN; the refusal message otherwise. */
  start(machines: MachineID[]): string | undefined {
    for (const machine of machines) {
      const entry = this.modes.get(machineKey(normalize(machine)));
      if (!entry) return `Machine '${describe(machine)}' is not part of a maintenance schedule`;
      if (entry.mode !== 'DRAINING') {
        return `Machine '${describe(machine)}' is not in DRAINING mode and cannot be brought down`;
      }
    }
    for (const machine of machines)
      this.modes.set(machineKey(normalize(machine)), { id: normalize(machine), mode: 'DOWN' });
    return undefined;
  }

  /** STOP_MAINTENANCE's checks and effect: the machines leave the schedule; the refusal message otherwise. */
  stop(machines: MachineID[]): string | undefined {
    for (const machine of machines) {
      if (this.modes.get(machineKey(normalize(machine)))?.mode !== 'DOWN') {
        return `Machine '${describe(machine)}' is not in DOWN mode and cannot be brought up`;
      }
    }
    const gone = new Set(machines.map((machine) => machineKey(normalize(machine))));
    for (const key of gone) this.modes.delete(key);
    const windows = (this.schedule.windows ?? [])
      .map((window) => ({
        ...window,
        machine_ids: (window.machine_ids ?? []).filter((id) => !gone.has(machineKey(id))),
      }))
      .filter((window) => window.machine_ids.length > 0);
    this.schedule = { windows };
    return undefined;
  }

  /** The DRAINING machines with their windows. */
  draining(): Array<{ id: MachineID; unavailability: Unavailability }> {
    const result: Array<{ id: MachineID; unavailability: Unavailability }> = [];
    for (const window of this.schedule.windows ?? []) {
      for (const id of window.machine_ids ?? []) {
        if (this.modes.get(machineKey(id))?.mode === 'DRAINING')
          result.push({ id, unavailability: window.unavailability });
      }
    }
    return result;
  }

  /** The window of the machine of an agent with `hostname`, if it is scheduled. */
  unavailabilityOf(hostname: string): Unavailability | undefined {
    for (const window of this.schedule.windows ?? []) {
      if ((window.machine_ids ?? []).some((id) => agentOnMachine(hostname, id))) return window.unavailability;
    }
    return undefined;
  }

  /** True when the machine of an agent with `hostname` is DOWN. */
  isDown(hostname: string): boolean {
    return [...this.modes.values()].some((entry) => entry.mode === 'DOWN' && agentOnMachine(hostname, entry.id));
  }
}

function normalize(machine: MachineID): MachineID {
  return machine.hostname ? { ...machine, hostname: machine.hostname.toLowerCase() } : machine;
}
