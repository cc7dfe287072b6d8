/** Tools of the soak test: a seeded PRNG, a garbage collector to measure the heap with, the memory rule. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** mulberry32: a small, fast, seeded PRNG (the same seed replays the same faults). */
export function prng(seed: number): { next(): number; int(max: number): number; pick<T>(items: readonly T[]): T; chance(p: number): boolean } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    chance: (p) => next() < p,
  };
}

/** `global.gc`, or one obtained by turning --expose-gc on at run time (vitest's workers don't pass the flag). */
export function garbageCollector(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined; // RSS is measured instead
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export interface MemoryVerdict {
  settled: boolean;
  middleMb: number;
  lastMb: number;
  allowedMb: number;
}

/**
 * "No growth across the last third": the median of the last third of the samples may exceed the median of the
 * middle third by at most `slackMb` or `slackShare` of it, whichever is larger (samples after a GC are steady,
 * RSS much less so: the caller picks the slack). The first third is warm-up (JIT, pools, caches filling).
 */
export function memorySettled(samples: readonly number[], slackMb: number, slackShare: number): MemoryVerdict {
  const third = Math.floor(samples.length / 3);
  const middle = median(samples.slice(third, 2 * third));
  const last = median(samples.slice(2 * third));
  const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
  const allowed = Math.max(slackMb * 2 ** 20, middle * slackShare);
  return { settled: third >= 2 && last - middle <= allowed, middleMb: mb(middle), lastMb: mb(last), allowedMb: mb(allowed) };
}
