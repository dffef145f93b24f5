/**
 * The floor under the scale benchmark's driver RSS: a process that loads Node and the library
 * exactly as the driver child does, then idles. Argument `{"library": false}` measures bare Node
 * (this script and its child protocol only). Reports `{rssMiB, maxRssMiB, heapUsedMiB}` and exits.
 */
import { childArgument, tellParent } from './bench-child';

const arg = childArgument<{ library?: boolean }>();
if (arg.library !== false) require('./library-under-test');

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
// Let lazy initialisation and the first GC settle, as the driver child does before start().
setTimeout(() => {
  const memory = process.memoryUsage();
  tellParent({
    rssMiB: mib(memory.rss),
    maxRssMiB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    heapUsedMiB: mib(memory.heapUsed),
  });
}, 300);
