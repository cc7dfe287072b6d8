/**
 * Delays for retries: exponential with full jitter, bounded in count. Returns undefined when the attempts are
 * spent, so the caller decides what giving up means.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, maxAttempts: number, random: () => number = Math.random): number | undefined {
  if (attempt >= maxAttempts) return undefined;
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  // Half fixed, half jitter: never zero, so a burst of guilds does not retry in lockstep.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A timer that can be awaited and cancelled; cancellation resolves with false. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
