import { classifyStatus } from '../t2a/index.js';
import type { FailureKind, PauseState } from './types.js';

/** What the session does about a failed item. */
export type Verdict =
  | { action: 'retry' }
  | { action: 'report'; kind: FailureKind; reason: string }
  | { action: 'pause'; scope: 'guild' | 'all'; pause: Omit<PauseState, 'since'>; cooldownMs: number };

/**
 * How long speech stays paused after an account-wide refusal before the next item is tried again (a probe:
 * if the owner fixed the key or topped up meanwhile, speech resumes by itself).
 */
export interface PauseCooldowns {
  /** 1004 / 2049: a bad key. */
  authPauseMs: number;
  /** 1008: no balance. */
  billingPauseMs: number;
  /** 2056: the 5-hour usage window is spent. */
  usageLimitPauseMs: number;
  /**
   * The account-wide budget refused a text (see store/accountBudget): its server pauses this long before the next
   * text asks again (room comes back when other texts settle below their reservation, or in a new month)...
   */
  accountPauseMs: number;
  /** ...or, when the budget's database could not be reached, this long. */
  accountAwayPauseMs: number;
}

export const DEFAULT_PAUSE_COOLDOWNS: Readonly<PauseCooldowns> = Object.freeze({
  authPauseMs: 5 * 60_000,
  billingPauseMs: 5 * 60_000,
  usageLimitPauseMs: 15 * 60_000,
  accountPauseMs: 15_000,
  accountAwayPauseMs: 5_000,
});

interface ErrorLike {
  name?: unknown;
  reason?: unknown;
  traceId?: unknown;
  message?: unknown;
  category?: unknown;
  retryable?: unknown;
  code?: unknown;
}

function field(error: unknown): ErrorLike {
  return typeof error === 'object' && error !== null ? error : {};
}

/**
 * A short, user-facing reason: the meaning of MiniMax's status code from the table. Anything else (a local
 * failure, ffmpeg's stderr, a path, an unlisted code's raw status_msg) stays in the log, never in a channel.
 */
export function shortReason(error: unknown): string {
  const { code } = field(error);
  if (typeof code === 'number') return classifyStatus(code).meaning;
  return 'the speech service failed';
}

/** What the member is told about a failure that is neither theirs nor the account's: plain words and what to do. */
function plainFailure(error: unknown): string {
  if (field(error).name === 'AudioError') return 'the audio could not be made; try sending it again in a moment';
  return 'the speech service could not read it; try sending it again in a moment';
}

/** The internal description of a failure, for the log only (with its MiniMax trace id when there is one). */
export function failureDetail(error: unknown): { detail: string; traceId?: string } {
  const { name, code, message, traceId } = field(error);
  const text = typeof message === 'string' ? message : String(error);
  const detail = `${typeof name === 'string' ? name : 'Error'}${typeof code === 'string' || typeof code === 'number' ? `(${code})` : ''}: ${text}`;
  return typeof traceId === 'string' ? { detail, traceId } : { detail };
}

/**
 * Decides, from a T2A error's category, what happens to the item: retried with backoff (rate limits and
 * transient faults, only while nothing was heard), skipped with a reason, or speech paused (key, balance).
 */
export function judge(error: unknown, audioStarted: boolean, cooldowns: PauseCooldowns = DEFAULT_PAUSE_COOLDOWNS): Verdict {
  const { category, code } = field(error);
  switch (category) {
    case 'auth':
      return {
        action: 'pause',
        scope: 'all',
        pause: { reason: 'auth', message: 'MiniMax rejected the API key: the bot owner must check MINIMAX_API_KEY and MINIMAX_REGION' },
        cooldownMs: cooldowns.authPauseMs,
      };
    case 'billing':
      return code === 2056
        ? { action: 'pause', scope: 'all', pause: { reason: 'usage_limit', message: "MiniMax's usage limit is reached; speech resumes when it resets" }, cooldownMs: cooldowns.usageLimitPauseMs }
        : { action: 'pause', scope: 'all', pause: { reason: 'billing', message: 'the MiniMax account is out of balance: the bot owner must top it up' }, cooldownMs: cooldowns.billingPauseMs };
    case 'content':
      return { action: 'report', kind: 'skipped_content', reason: `MiniMax would not read it (${shortReason(error)})` };
    case 'voice':
      return { action: 'report', kind: 'skipped_voice', reason: `the voice cannot be used (${shortReason(error)}); pick another with /voice set or /myvoice set` };
    case 'account_budget': {
      // Our own words (AccountBudgetError): counts and what to do, nothing from upstream.
      const { message, reason } = field(error);
      return {
        action: 'pause',
        scope: 'guild',
        pause: { reason: 'budget', message: typeof message === 'string' ? message : "the bot's character budget over all servers is spent" },
        cooldownMs: reason === 'spent' ? cooldowns.accountPauseMs : cooldowns.accountAwayPauseMs,
      };
    }
    default:
      break;
  }
  if (audioStarted) return { action: 'report', kind: 'cut', reason: 'the speech service dropped mid-message; the rest was not read' };
  const retryable = category === 'rate_limit' || category === 'transient' || category === 'idle' || field(error).retryable === true;
  if (retryable) return { action: 'retry' };
  return { action: 'report', kind: 'failed', reason: plainFailure(error) };
}
