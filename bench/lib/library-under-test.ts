/** The library's public API as the benchmarks use it (through lib/index, as an application would). */

export type { Scheduler, SchedulerDriver, SchedulerDriverOptions } from '../../lib/index';
export { MesosSchedulerDriver } from '../../lib/index';
