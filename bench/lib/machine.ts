/** What a benchmark ran on, recorded next to every result so figures can be compared fairly. */
import os from 'node:os';

/** The machine and runtime a benchmark ran on. */
export interface MachineInfo {
  node: string;
  v8: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  /** Cores this process may use (cgroup/affinity aware where Node knows). */
  availableParallelism: number;
  totalMemoryMiB: number;
  freeMemoryMiB: number;
  loadAverage: number[];
}

/** Describes the current machine. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: os.platform(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemoryMiB: Math.round(os.totalmem() / 2 ** 20),
    freeMemoryMiB: Math.round(os.freemem() / 2 ** 20),
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

/** One line for a console header. */
export function describeMachine(info: MachineInfo): string {
  return `Node ${info.node} on ${info.platform}/${info.arch}, ${info.cpuModel} (${info.cpuCount} CPUs, ${info.availableParallelism} usable), ${info.totalMemoryMiB} MiB RAM, load ${info.loadAverage.join(' ')}`;
}
