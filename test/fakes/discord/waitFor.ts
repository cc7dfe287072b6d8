import type { EventEmitter } from 'node:events';
import { FakeDiscordTimeoutError } from './errors.js';

export interface WaitOptions {
  /** Deadline in milliseconds. */
  timeoutMs: number;
  /** What is awaited, for the timeout message ("a reply to /speak"). */
  what: string;
  /** Also re-check on a timer (for conditions that become true by time passing, e.g. silence). */
  pollMs?: number;
  /** Extra detail for the timeout message, computed only on timeout (what was seen instead). */
  detail?: () => string;
}

/**
 * Resolves with the first non-undefined result of `check`, re-checked whenever `emitter` emits `event`
 * (and every `pollMs` if given). Rejects with FakeDiscordTimeoutError at the deadline.
 */
export function waitFor<T>(emitter: EventEmitter, event: string, check: () => T | undefined, options: WaitOptions): Promise<T> {
  const first = check();
  if (first !== undefined) return Promise.resolve(first);
  return new Promise<T>((resolve, reject) => {
    const onEvent = (): void => {
      const value = check();
      if (value === undefined) return;
      cleanup();
      resolve(value);
    };
    const deadline = setTimeout(() => {
      cleanup();
      const detail = options.detail ? ` (${options.detail()})` : '';
      reject(new FakeDiscordTimeoutError(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${detail}`));
    }, options.timeoutMs);
    const poll = options.pollMs === undefined ? undefined : setInterval(onEvent, options.pollMs);
    function cleanup(): void {
      clearTimeout(deadline);
      if (poll) clearInterval(poll);
      emitter.off(event, onEvent);
    }
    emitter.on(event, onEvent);
  });
}
