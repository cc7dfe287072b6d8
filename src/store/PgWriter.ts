/**
 * PgStore's write-through: writes run in the order they were made, one at a time, each as one transaction. While
 * the server cannot be reached (restart, network cut) the head write is retried with backoff and the rest wait
 * behind it, so nothing is lost or reordered; `health()` says so for /status. A write the server refuses for its
 * content (a bug, never the network) is reported and dropped, so it cannot block every later write.
 *
 * A retry after a connection lost in the middle of COMMIT may repeat a write that had been committed; for usage
 * that errs toward counting a text twice, never toward forgetting one.
 */
import type pg from 'pg';
import type { StoreHealth } from './types.js';

export interface PgStatement {
  text: string;
  values: unknown[];
}

export interface PgWrite {
  /** The Store method that made it (for reports). */
  op: string;
  statements: PgStatement[];
  /** Characters of usage this write counts (shown by health() while unwritten). */
  usageChars: number;
}

export interface PgWriterOptions {
  /** The server cannot be reached (once per outage). Must not throw. */
  onFault?: (fault: { op: string; cause: string; error: unknown }) => void;
  /** Writes go through again; `savedChars`: usage written since the outage began. Must not throw. */
  onRecovered?: (info: { cause: string; savedChars: number }) => void;
  /** The server refused a write for its content; it was dropped. Must not throw. */
  onDropped?: (info: { op: string; error: unknown }) => void;
  /** First retry delay; doubles up to maxRetryMs. Defaults 100 ms and 5 s. */
  retryMs?: number;
  maxRetryMs?: number;
  now?: () => number;
}

/** SQLSTATE classes that mean "the server or the connection", not "this statement": retried. */
const RETRYABLE_CLASSES = ['08', '53', '57', '58', '40', 'XX'];

/** Whether `error` is the connection's (retry) rather than the statement's (drop). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return RETRYABLE_CLASSES.includes(code.slice(0, 2));
  // No SQLSTATE: a socket error (ECONNREFUSED, ECONNRESET), a timeout or "Connection terminated".
  return true;
}

/** A stable key for /status and the log: one report per key. */
export function pgFaultCause(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.length > 0) return code.startsWith('E') ? 'PG_UNREACHABLE' : `PG_${code}`;
  return 'PG_UNREACHABLE';
}

export class PgWriter {
  readonly #pool: pg.Pool;
  readonly #options: PgWriterOptions;
  readonly #queue: PgWrite[] = [];
  readonly #idle: (() => void)[] = [];
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #wake: (() => void) | null = null;
  #delay = 0;
  #fault: { cause: string; since: number; savedChars: number } | null = null;
  #closed = false;

  constructor(pool: pg.Pool, options: PgWriterOptions = {}) {
    this.#pool = pool;
    this.#options = options;
  }

  enqueue(write: PgWrite): void {
    this.#queue.push(write);
    if (!this.#running) void this.#run();
  }

  /**
   * Takes back a write not started yet (anything behind the head, which may be in flight) and returns whether it
   * was; a write that never needs to reach the server (a row added, then deleted, before either went out) costs
   * nothing then, even during an outage.
   */
  withdraw(write: PgWrite): boolean {
    const i = this.#queue.indexOf(write);
    if (i < 1) return false;
    this.#queue.splice(i, 1);
    return true;
  }

  /** Writes waiting (or being retried). */
  get pending(): number {
    return this.#queue.length;
  }

  health(): StoreHealth {
    const unsavedChars = this.#queue.reduce((sum, w) => sum + w.usageChars, 0);
    if (!this.#fault) return { ok: true, unsavedChars };
    const { cause, since } = this.#fault;
    return { ok: false, cause, reason: describePgCause(cause), since, unsavedChars, changesKept: true };
  }

  /** Resolves when every write made so far is written (or `deadlineMs` passed); returns whether it was. */
  drain(deadlineMs = 10_000): Promise<boolean> {
    if (this.#queue.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.#idle.indexOf(done);
        if (i >= 0) this.#idle.splice(i, 1);
        resolve(false);
      }, deadlineMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#idle.push(done);
    });
  }

  /** Stops retrying; returns the writes never made. */
  close(): PgWrite[] {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#wake?.();
    const left = this.#queue.splice(0);
    for (const done of this.#idle.splice(0)) done();
    return left;
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const write = this.#queue[0]!;
        try {
          await this.#write(write);
        } catch (error) {
          if (this.#closed) return;
          if (isConnectionError(error)) {
            this.#failed(write.op, error);
            await this.#sleep();
            continue;
          }
          this.#options.onDropped?.({ op: write.op, error });
        }
        if (this.#closed) return;
        this.#queue.shift();
        if (this.#fault) this.#fault.savedChars += write.usageChars;
        this.#delay = 0;
        if (this.#queue.length === 0) this.#recovered();
      }
      if (this.#queue.length === 0) for (const done of this.#idle.splice(0)) done();
    } finally {
      this.#running = false;
    }
  }

  async #write(write: PgWrite): Promise<void> {
    if (write.statements.length === 1) {
      const [statement] = write.statements;
      await this.#pool.query(statement!.text, statement!.values);
      return;
    }
    const client = await this.#pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      for (const s of write.statements) await client.query(s.text, s.values);
      await client.query('COMMIT');
    } catch (error) {
      broken = error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // A connection that failed mid-transaction is discarded, not handed to the next write.
      client.release(broken !== undefined && isConnectionError(broken));
    }
  }

  #sleep(): Promise<void> {
    const max = this.#options.maxRetryMs ?? 5_000;
    this.#delay = this.#delay === 0 ? (this.#options.retryMs ?? 100) : Math.min(max, this.#delay * 2);
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#wake = null;
        resolve();
      }, this.#delay);
    });
  }

  #failed(op: string, error: unknown): void {
    if (this.#fault) return;
    const cause = pgFaultCause(error);
    this.#fault = { cause, since: (this.#options.now ?? Date.now)(), savedChars: 0 };
    this.#options.onFault?.({ op, cause, error });
  }

  #recovered(): void {
    if (!this.#fault) return;
    const { cause, savedChars } = this.#fault;
    this.#fault = null;
    this.#options.onRecovered?.({ cause, savedChars });
  }
}

/** /status's words for a PostgreSQL cause (no host, no password). */
export function describePgCause(cause: string): string {
  if (cause === 'PG_UNREACHABLE') return 'the PostgreSQL server cannot be reached';
  if (cause === 'PG_57P01' || cause === 'PG_57P03') return 'the PostgreSQL server is shutting down or starting';
  if (cause === 'PG_53300') return 'the PostgreSQL server has too many connections';
  return `the PostgreSQL server failed (${cause.replace(/^PG_/, '')})`;
}
