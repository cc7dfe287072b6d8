/** The supervisor's waits on shard processes, each with a deadline. */
import type { ChildProcess } from 'node:child_process';

/** Whether `promise` settled within `ms`. */
export async function within(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What `listen` reports (it calls `done` and returns its own clean-up), or `otherwise` if the child exits first or
 * `ms` pass: every wait on a shard process has a deadline.
 */
export function untilChild<T>(child: ChildProcess, ms: number, otherwise: T, listen: (done: (value: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    let settled = false;
    const listening: { stop?: () => void } = {};
    const done = (value: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      listening.stop?.();
      resolve(value);
    };
    const onExit = (): void => done(otherwise);
    const timer = setTimeout(() => done(otherwise), ms);
    child.once('exit', onExit);
    listening.stop = listen(done);
    // `listen` may have called done at once.
    if (settled) listening.stop();
  });
}
