/**
 * The writes ResilientStore keeps while the database fails (usage, pending items) and the timer that retries
 * them: each is written once the database works again, exactly once.
 */
import { isCallerError, type FaultGuard } from './resilientFaults.js';
import { byEnqueued } from './pendingItems.js';
import type { PendingItem, Store, UsageTotals } from './types.js';

/** Usage still unwritten: one entry per guild and UTC day. */
export interface UnsavedUsage {
  guildId: string;
  day: string;
  chars: number;
}

export class KeptWrites {
  readonly #inner: Store;
  readonly #guard: FaultGuard;
  readonly #retryMs: number;
  /** guild id -> UTC day -> characters not yet written. */
  readonly #unsaved = new Map<string, Map<string, number>>();
  /**
   * Pending-item writes held while the database fails (key -> the item to add, or null to delete it), written by
   * the retry; an item added and finished while held is never written.
   */
  readonly #heldPending = new Map<string, PendingItem | null>();
  #retryTimer: NodeJS.Timeout | null = null;

  constructor(inner: Store, guard: FaultGuard, retryMs: number) {
    this.#inner = inner;
    this.#guard = guard;
    this.#retryMs = retryMs;
  }

  /** Whether no usage and no pending-item write is waiting. */
  get empty(): boolean {
    return this.#unsaved.size === 0 && this.#heldPending.size === 0;
  }

  unsavedChars(): number {
    let chars = 0;
    for (const days of this.#unsaved.values()) for (const n of days.values()) chars += n;
    return chars;
  }

  /** Keeps `chars` of usage on `day` and writes it now, unless the retry timer is already waiting to. */
  addUsage(guildId: string, chars: number, day: string): void {
    // Kept first, then written with everything else kept: a write that fails leaves it kept, never counted twice.
    const days = this.#unsaved.get(guildId) ?? new Map<string, number>();
    days.set(day, (days.get(day) ?? 0) + chars);
    this.#unsaved.set(guildId, days);
    // While a write is failing, the retry timer writes: a locked database's busy wait then holds up the event
    // loop (and the voice players on it) once per retry, not once per message.
    if (this.#retryTimer) return;
    this.flush();
  }

  /** Adds the guild's kept usage on `day` and in its month to `totals` (changed in place and returned). */
  addUnsavedTo(totals: UsageTotals, guildId: string, day: string): UsageTotals {
    const month = day.slice(0, 7);
    for (const [d, n] of this.#unsaved.get(guildId) ?? []) {
      if (d === day) totals.day += n;
      if (d.startsWith(month)) totals.month += n;
    }
    return totals;
  }

  /** All guilds' kept usage in `month` (YYYY-MM). */
  unsavedInMonth(month: string): number {
    let kept = 0;
    for (const days of this.#unsaved.values()) for (const [d, n] of days) if (d.startsWith(month)) kept += n;
    return kept;
  }

  /** A pending-item write: made now, or held (and the retry armed) while the database fails. */
  writePending(op: string, key: string, item: PendingItem | null): void {
    if (this.#guard.closed) {
      this.#guard.lateWrite(op);
      return;
    }
    if (!this.#guard.failing) {
      try {
        if (item) this.#inner.addPendingItem(item);
        else this.#inner.removePendingItem(key);
        this.#guard.worked(0);
        return;
      } catch (error) {
        if (isCallerError(error)) throw error;
        this.#guard.failed(op, error);
      }
    }
    if (item === null && this.#heldPending.get(key)) this.#heldPending.delete(key);
    else this.#heldPending.set(key, item);
    this.#armRetry();
  }

  /** The stored items of a guild with the held writes applied. */
  applyHeldPending(guildId: string, stored: PendingItem[]): PendingItem[] {
    const items = stored.filter((i) => !this.#heldPending.has(i.key));
    for (const held of this.#heldPending.values()) if (held?.guildId === guildId) items.push({ ...held });
    return items.sort(byEnqueued);
  }

  /** Drops the held pending-item writes of a guild that is being deleted. */
  forgetGuild(guildId: string): void {
    for (const [key, held] of this.#heldPending) if (held?.guildId === guildId) this.#heldPending.delete(key);
  }

  /** Writes what is kept, usage first (see ResilientStore.flush). Returns whether nothing is left unwritten. */
  flush(): boolean {
    if (this.#guard.closed) return this.#unsaved.size === 0;
    const saved = this.#flushUsage();
    if (saved === null || !this.#flushPending()) return false;
    this.#guard.worked(saved);
    return true;
  }

  /** Stops the retry timer (the store is closing). */
  cancelRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  /** The usage still unwritten, as a list. */
  listUnsaved(): UnsavedUsage[] {
    return [...this.#unsaved].flatMap(([guildId, days]) => [...days].map(([day, chars]) => ({ guildId, day, chars })));
  }

  /** Forgets the usage still unwritten (the store closed; it was told to onUnsaved). */
  clearUnsaved(): void {
    this.#unsaved.clear();
  }

  /** Writes the kept usage; returns the characters written, or null when a write failed. */
  #flushUsage(): number | null {
    let saved = 0;
    for (const [guildId, days] of this.#unsaved) {
      for (const [day, chars] of days) {
        try {
          this.#inner.addUsage(guildId, chars, new Date(`${day}T12:00:00.000Z`));
        } catch (error) {
          if (isCallerError(error)) {
            // A value the database will never take (a programming error): dropping it beats retrying forever.
            days.delete(day);
            throw error;
          }
          this.#guard.failed('addUsage', error);
          this.#armRetry();
          return null;
        }
        days.delete(day);
        saved += chars;
      }
      this.#unsaved.delete(guildId);
    }
    return saved;
  }

  /** Writes the held pending-item writes; returns whether all were written. */
  #flushPending(): boolean {
    for (const [key, item] of this.#heldPending) {
      try {
        if (item) this.#inner.addPendingItem(item);
        else this.#inner.removePendingItem(key);
      } catch (error) {
        this.#guard.failed(item ? 'addPendingItem' : 'removePendingItem', error);
        this.#armRetry();
        return false;
      }
      this.#heldPending.delete(key);
    }
    return true;
  }

  #armRetry(): void {
    if (this.#retryTimer || this.#guard.closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      try {
        this.flush();
      } catch {
        // Dropped by flush (a caller error); the next write reports anything else.
      }
    }, this.#retryMs);
    this.#retryTimer.unref();
  }
}
