/**
 * The benchmark's clock: wall-clock milliseconds with sub-millisecond resolution (performance.timeOrigin +
 * performance.now()). Every process of the benchmark (the bot side and the fakes' child) uses it, so their
 * timestamps can be compared once the small offset between the two processes is known (see FakeServers).
 */
import { performance } from 'node:perf_hooks';

export function benchNow(): number {
  return performance.timeOrigin + performance.now();
}
