import type { EventEmitter } from 'node:events';
import { backoffDelay } from './backoff.js';
import { failureDetail, judge, shortReason, type PauseCooldowns, type Verdict } from './failures.js';
import type { Outcome, PreparedItem } from './PreparedItem.js';
import type { ItemReport, QueueItem } from './types.js';

/** What settling an item tells the world; a subset of the session's events, emitted through it. */
export interface SettleEvents {
  report: [report: ItemReport];
  /** An upstream failure that pauses speech; the manager decides scope and tells the admins once. */
  pause: [verdict: Extract<Verdict, { action: 'pause' }>, channelId: string | null];
  /** A retry is scheduled (for the log, not the channel). */
  retry: [item: QueueItem, attempt: number, delayMs: number, error: unknown];
  /** Admin-facing message about the server's setup (a server voice MiniMax refuses), sent once. */
  notice: [channelId: string | null, message: string];
  /** An item was synthesized in full and handed to the player (counters, tests). */
  played: [item: QueueItem];
  usage: [characters: number, model: string];
}

/** Retries of one item after rate limits or transient faults: base and cap of the backoff, and the count. */
export interface RetryTimings extends PauseCooldowns {
  retryBaseMs: number;
  retryMaxMs: number;
  retryAttempts: number;
}

export interface SettlerDeps {
  timings: RetryTimings;
  /** Where the outcome is told: the session itself. */
  events: Pick<EventEmitter<SettleEvents>, 'emit'>;
  /** The server-wide voice an item was prepared with (undefined: the item or its author chose the voice). */
  serverVoiceOf: (prepared: PreparedItem) => string | undefined;
  /** A scheduled retry is due: the session takes it (see `take`). */
  onRetryDue: () => void;
  /**
   * A voice refusal: when the item's voice was one Parrot made and no longer exists, forgets it and returns the
   * one notice (the item is then retried at once, in the server's voice); null otherwise.
   */
  voiceGone?: (prepared: PreparedItem, error: unknown) => string | null;
  /** An item played in full (a made voice's last use is noted). */
  voiceUsed?: (prepared: PreparedItem) => void;
}

/**
 * Settles finished items for one session: records usage, and for a failure decides between a retry with
 * backoff, a pause and a report. Holds the one item awaiting its retry, which goes before everything behind it.
 */
export class Settler {
  private readonly attempts = new Map<number, number>();
  private retryTimer: NodeJS.Timeout | null = null;
  private retryItem: QueueItem | null = null;
  /** The server-wide voice MiniMax refused, once its notice went out (cleared when it plays again). */
  private badServerVoice: string | null = null;

  constructor(private readonly deps: SettlerDeps) {}

  /** The item awaiting its retry (its timer running or due), if any. */
  get pending(): QueueItem | null {
    return this.retryItem;
  }

  /** Whether a retry's backoff is still running: nothing may start before it. */
  get waiting(): boolean {
    return this.retryTimer !== null;
  }

  /** Hands over the item whose retry is due, and forgets it. */
  take(): QueueItem | null {
    const item = this.retryItem;
    this.retryItem = null;
    return item;
  }

  /** Drops the pending retry and its timer. */
  cancel(): void {
    this.cancelTimer();
    this.retryItem = null;
  }

  /** `sessionOver`: the session was destroyed; the outcome is only recorded, never retried or reported. */
  settle(prepared: PreparedItem, outcome: Outcome, sessionOver: boolean): void {
    const events = this.deps.events;
    this.record(outcome, prepared.model);
    const serverVoice = this.deps.serverVoiceOf(prepared);
    if (outcome.ok || outcome.aborted || sessionOver) {
      this.attempts.delete(prepared.item.id);
      if (outcome.ok && serverVoice === this.badServerVoice) this.badServerVoice = null;
      if (outcome.ok) {
        this.deps.voiceUsed?.(prepared);
        events.emit('played', prepared.item);
      }
      return;
    }
    const verdict = judge(outcome.error, outcome.audioStarted, this.deps.timings);
    const item = prepared.item;
    if (verdict.action === 'retry') {
      const attempt = (this.attempts.get(item.id) ?? 0) + 1;
      const t = this.deps.timings;
      const delay = backoffDelay(attempt - 1, t.retryBaseMs, t.retryMaxMs, t.retryAttempts);
      if (delay !== undefined) {
        this.attempts.set(item.id, attempt);
        this.schedule(item, delay);
        events.emit('retry', item, attempt, delay, outcome.error);
        return;
      }
      this.attempts.delete(item.id);
      events.emit('report', { item, kind: 'failed', reason: 'the speech service kept failing; gave up after retrying', ...failureDetail(outcome.error) });
      return;
    }
    this.attempts.delete(item.id);
    if (verdict.action === 'pause') {
      events.emit('pause', verdict, item.source.channelId);
      events.emit('report', { item, kind: 'paused', reason: verdict.pause.message, ...failureDetail(outcome.error) });
      return;
    }
    const gone = verdict.kind === 'skipped_voice' ? this.deps.voiceGone?.(prepared, outcome.error) ?? null : null;
    if (gone !== null) {
      events.emit('notice', item.source.channelId, gone);
      this.schedule(item, 0);
      return;
    }
    if (verdict.kind === 'skipped_voice' && serverVoice !== undefined && serverVoice !== this.badServerVoice) {
      // Every item in the server's voice will fail the same way: the admins hear about it once, with the fix.
      this.badServerVoice = serverVoice;
      events.emit('notice', item.source.channelId, badServerVoiceNotice(serverVoice, shortReason(outcome.error)));
    }
    events.emit('report', { item, kind: verdict.kind, reason: verdict.reason, ...failureDetail(outcome.error) });
  }

  /** Records what MiniMax billed for an item that ended, however it ended (also one dropped unplayed). */
  record(outcome: Outcome, model: string | undefined): void {
    // usage_characters comes from upstream: only a finite, positive count is recorded. No model: ready audio, nothing synthesized.
    const billed = Math.round(outcome.usageCharacters);
    if (model !== undefined && Number.isFinite(billed) && billed > 0) this.deps.events.emit('usage', billed, model);
  }

  /**
   * Keeps the failed item first in line: nothing behind it plays before it is retried. An item already being
   * synthesized behind it keeps its audio and plays right after.
   */
  private schedule(item: QueueItem, delayMs: number): void {
    this.retryItem = item;
    this.cancelTimer();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.deps.onRetryDue();
    }, delayMs);
  }

  private cancelTimer(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}

/** The admin-facing notice for a server-wide voice that MiniMax refuses. */
function badServerVoiceNotice(voiceId: string, why: string): string {
  // A code span shows the id as written: no link or emphasis of its own (backticks cannot close it early).
  return `The server's voice \`${voiceId.slice(0, 100).replace(/`/g, "'")}\` cannot be used (${why}), so messages in it are skipped. Server admins: pick another with /voice set voice, or go back to the bot's default with /voice reset.`;
}
