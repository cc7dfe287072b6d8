import type { FailureKind, PauseState } from './types.js';

/** What the session does about a failed item. */
export type Verdict =
  | { action: 'retry' }
  | { action: 'report'; kind: FailureKind; reason: string }
  | { action: 'pause'; scope: 'guild' | 'all'; pause: Omit<PauseState, 'since'>; cooldownMs: number };

interface ErrorLike {
  message?: unknown;
  category?: unknown;
  retryable?: unknown;
  code?: unknown;
}

function field(error: unknown): ErrorLike {
  return typeof error === 'object' && error !== null ? (error as ErrorLike) : {};
}

/**
 * Decides, from a T2A error's category, what happens to the item: retried with backoff (rate limits and
 * transient faults, only while nothing was heard), skipped with a reason, or speech paused (key, balance).
 */
export function judge(error: unknown, audioStarted: boolean): Verdict {
  const { category, code, message } = field(error);
  const text = typeof message === 'string' ? message : 'speech failed';
  switch (category) {
    case 'auth':
      return {
        action: 'pause',
        scope: 'all',
        pause: { reason: 'auth', message: 'MiniMax rejected the API key: the bot owner must check MINIMAX_API_KEY and MINIMAX_REGION' },
        cooldownMs: 5 * 60_000,
      };
    case 'billing':
      return code === 2056
        ? { action: 'pause', scope: 'all', pause: { reason: 'usage_limit', message: "MiniMax's usage limit is reached; speech resumes when it resets" }, cooldownMs: 15 * 60_000 }
        : { action: 'pause', scope: 'all', pause: { reason: 'billing', message: 'the MiniMax account is out of balance: the bot owner must top it up' }, cooldownMs: 5 * 60_000 };
    case 'content':
      return { action: 'report', kind: 'skipped_content', reason: `MiniMax would not read it (${text})` };
    case 'voice':
      return { action: 'report', kind: 'skipped_voice', reason: `the voice cannot be used (${text}); pick another with /voice set or /myvoice set` };
    default:
      break;
  }
  if (audioStarted) return { action: 'report', kind: 'cut', reason: 'the speech service dropped mid-message; the rest was not read' };
  const retryable = category === 'rate_limit' || category === 'transient' || category === 'idle' || field(error).retryable === true;
  if (retryable) return { action: 'retry' };
  return { action: 'report', kind: 'failed', reason: text };
}
