/**
 * ResilientStore's bookkeeping of database failures: whether the database fails now and why, whether the store
 * is closed, and the three ways a call meets a failing database (a read, a write the bot makes on its own, a write
 * a member asked for). Each new cause is told once; recovery is told once nothing kept is left.
 */
import { StoreError } from './errors.js';
import { describeFaultCause, faultCause } from './faultCause.js';
import type { ResilientStoreOptions } from './ResilientStore.js';
import type { StoreHealth } from './types.js';

/** One failure of the database, as told to the app edge. */
export interface StoreFault {
  /** The Store method that failed. */
  op: string;
  /** Stable key of the cause (an SQLite code such as SQLITE_FULL, else the error's name): one report per key. */
  cause: string;
  error: unknown;
}

/** The options FaultGuard tells (see ResilientStoreOptions). */
export type FaultHooks = Pick<ResilientStoreOptions, 'onFault' | 'onRecovered' | 'onLateWrite'>;

/** Errors that no retry can fix because the caller passed a wrong value (StoreError('invalid_value')). */
export function isCallerError(error: unknown): boolean {
  return error instanceof StoreError && error.code === 'invalid_value';
}

/** Fault and closed state shared by ResilientStore and its kept writes. */
export class FaultGuard {
  readonly #hooks: FaultHooks;
  readonly #now: () => number;
  /** Whether no write is kept for later (usage or pending items): recovery waits until then. */
  readonly #nothingKept: () => boolean;
  #fault: { cause: string; since: number } | null = null;
  #closed = false;
  #closedAt = 0;

  constructor(hooks: FaultHooks, now: () => number, nothingKept: () => boolean) {
    this.#hooks = hooks;
    this.#now = now;
    this.#nothingKept = nothingKept;
  }

  /** Whether the last write failed (and nothing has worked since). */
  get failing(): boolean {
    return this.#fault !== null;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** From now on reads fall back and writes are told to onLateWrite. */
  close(): void {
    this.#closed = true;
    this.#closedAt = this.#now();
  }

  health(unsavedChars: number): StoreHealth {
    if (this.#closed) return { ok: false, cause: 'closed', reason: 'the database is closed', since: this.#closedAt, unsavedChars };
    if (!this.#fault) return { ok: true, unsavedChars };
    return { ok: false, cause: this.#fault.cause, reason: describeFaultCause(this.#fault.cause), since: this.#fault.since, unsavedChars };
  }

  /** A write that came after close(): not made, not thrown, told to onLateWrite. */
  lateWrite(op: string, detail: Record<string, unknown> = {}): void {
    this.#hooks.onLateWrite?.(op, detail);
  }

  /** A read: when the database fails, the fallback (the last value read, else the default). */
  read<T>(op: string, read: () => T, fallback: () => T): T {
    if (this.#closed) return fallback();
    try {
      return read();
    } catch (error) {
      if (isCallerError(error)) throw error;
      this.failed(op, error);
      return fallback();
    }
  }

  /** A write the bot makes on its own (sessions, pruning, the playout delay): never thrown, only reported. */
  sessionWrite<T>(op: string, write: () => T, fallback: T): T {
    if (this.#closed) {
      this.lateWrite(op);
      return fallback;
    }
    return this.#write(op, write, () => fallback);
  }

  /** A write a member asked for: reported, then thrown as StoreError('unavailable') so the reply says it failed. */
  memberWrite<T>(op: string, write: () => T): T {
    return this.#write(op, write, (cause, error) => {
      throw new StoreError('unavailable', `The change could not be saved: ${describeFaultCause(cause)}`, { cause: error });
    });
  }

  /** Notes a failure of `op`; tells onFault when its cause is new. Returns the cause. */
  failed(op: string, error: unknown): string {
    const cause = faultCause(error);
    if (this.#fault?.cause === cause) return cause;
    this.#fault = { cause, since: this.#fault?.since ?? this.#now() };
    this.#hooks.onFault?.({ op, cause, error });
    return cause;
  }

  /** A write went through: the database works again once nothing kept is left. */
  worked(savedChars: number): void {
    if (!this.#fault || !this.#nothingKept()) return;
    const { cause } = this.#fault;
    this.#fault = null;
    this.#hooks.onRecovered?.({ cause, savedChars });
  }

  /** Makes a write; a failure (other than a caller error) is noted, then answered by `onFailure`. */
  #write<T>(op: string, write: () => T, onFailure: (cause: string, error: unknown) => T): T {
    try {
      const result = write();
      this.worked(0);
      return result;
    } catch (error) {
      if (isCallerError(error)) throw error;
      return onFailure(this.failed(op, error), error);
    }
  }
}
