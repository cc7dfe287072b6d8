/**
 * The owner's account-wide budget (BUDGET_ACCOUNT_MONTHLY_CHARS): billed characters across every server and every
 * process in the UTC month, enforced through the database's ledger (store/accountLedger.ts) one text at a time.
 *
 * Before a text goes to MiniMax, `admit` reserves what it may be billed (see `reservationFor`) against
 * `used + reserved <= cap`, atomically in the database; when the text ends, however it ended, its reservation is
 * replaced by what was billed. So the month never passes the cap unless MiniMax bills a text more than its
 * reservation, and then only by that excess on the texts in flight at once; after such a text this process reserves
 * in proportion to what it saw, so it happens once per process at most (the bound is spelled out in the README).
 *
 * A database that cannot take the reservation within `deadlineMs` refuses the text (reason 'unavailable'):
 * the owner asked for a hard cap on the bill, and a local allowance in each of N processes could not be bounded
 * without knowing N. A reservation that arrives late is given back at once. A settlement that fails is kept and
 * retried (its reservation still counts meanwhile, so nothing can overspend through it).
 */
import { randomUUID } from 'node:crypto';
import { utcMonthKey, type AccountLedger, type AccountMonth, type ReserveResult, type SettleRequest } from './accountLedger.js';

export interface AccountUsage {
  /** Characters billed this month, over every server and process. */
  used: number;
  /** Characters held by texts being read now (what they may still cost). */
  reserved: number;
  cap: number;
}

/** Words of the refusal when the database cannot be reached (the session tells that stop apart from "spent"). */
export const ACCOUNT_AWAY_WORDS = 'cannot be checked because its database cannot be reached';

/** Why a text was refused. `category` makes the session pause the server (see session/failures). */
export class AccountBudgetError extends Error {
  override readonly name = 'AccountBudgetError';
  readonly category = 'account_budget';

  constructor(
    readonly reason: 'spent' | 'unavailable',
    readonly usage: AccountUsage,
    options?: { cause?: unknown },
  ) {
    super(
      reason === 'unavailable'
        ? `the bot's character budget over all servers ${ACCOUNT_AWAY_WORDS}; speech resumes when it can`
        : usage.used + usage.reserved >= usage.cap
          ? `the bot's character budget for this month, over all servers, is spent (${usage.used + usage.reserved}/${usage.cap}); see /usage`
          : `the bot's character budget for this month, over all servers, has too little left for this text (${usage.used + usage.reserved}/${usage.cap}); see /usage`,
      options,
    );
  }
}

/** A reservation taken (settle it with what was billed, exactly once) or a refusal. */
export type Admission = { ok: true; settle(billed: number): void } | { ok: false; error: AccountBudgetError };

/** Han, kana, Hangul and full-width forms: MiniMax may bill these as two characters each (UNCONFIRMED). */
const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff01-\uff60]/gu;

/**
 * What a text may be billed, at most, as far as known: its length as counted everywhere else (UTF-16 units, the
 * count used when MiniMax reports none), plus one per wide character.
 */
export function reservationFor(pieces: readonly string[]): number {
  let n = 0;
  for (const piece of pieces) n += piece.length + (piece.match(WIDE)?.length ?? 0);
  return n;
}

export interface AccountBudgetOptions {
  cap: number;
  ledger: AccountLedger;
  /** This process's id in the ledger; default: a random one per start. */
  owner?: string;
  /** How long this process's reservations outlive it if it dies. Default 60 s. */
  leaseMs?: number;
  /** How often the lease is renewed and dead processes' reservations released. Default leaseMs / 3. */
  renewMs?: number;
  /** A reservation not made within this is refused ('unavailable'). Default 2 s. */
  deadlineMs?: number;
  now?: () => number;
  /** A ledger call failed (for the log): told once, until a call works again (`onRecovered`). Must not throw. */
  onError?: (error: unknown, op: string) => void;
  onRecovered?: () => void;
}

export class AccountBudget {
  readonly cap: number;
  readonly owner: string;
  /** Bumped when a reservation succeeds after a refusal: a stop after that is a new one (told again). */
  epoch = 0;
  readonly #o: AccountBudgetOptions;
  readonly #now: () => number;
  readonly #leaseMs: number;
  /** The month as last seen in the database. */
  #last: (AccountMonth & { month: string }) | null = null;
  #refused = false;
  /** Reservations are scaled by this once MiniMax billed a text more than reserved (see `admit`). */
  #factor = 1;
  #outstanding = 0;
  /** Settlements the database refused, retried by the timer. */
  #unsettled: SettleRequest[] = [];
  readonly #calls = new Set<Promise<unknown>>();
  #timer: NodeJS.Timeout | null = null;
  #failing = false;
  /** The month this process last brought up to the guilds' usage (see AccountLedger.catchUp). */
  #caughtUp: string | null = null;

  constructor(options: AccountBudgetOptions) {
    this.cap = options.cap;
    this.owner = options.owner ?? randomUUID();
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#leaseMs = options.leaseMs ?? 60_000;
  }

  /**
   * Brings the month up to what the guilds' usage says was billed (a cap switched off and on again), releases dead
   * processes' reservations and reads the month; then renews and releases on a timer (and catches up each new month).
   */
  async start(): Promise<void> {
    await this.#tick();
    await this.refresh();
    this.#timer = setInterval(() => void this.#tick(), this.#o.renewMs ?? this.#leaseMs / 3);
    this.#timer.unref();
  }

  /** Reserves a text's characters before it is sent; see the file comment. */
  async admit(pieces: readonly string[]): Promise<Admission> {
    const base = reservationFor(pieces);
    const chars = Math.ceil(base * this.#factor);
    const month = utcMonthKey(new Date(this.#now()));
    const request = { owner: this.owner, month, chars, cap: this.cap, leaseMs: this.#leaseMs };
    let result: ReserveResult | null;
    try {
      result = await this.#reserve(request);
      // Every reservation standing in the way may belong to dead processes: release those and try once more.
      if (result && !result.ok && (await this.#reclaim()) > 0) result = await this.#reserve(request);
    } catch (error) {
      this.#failed(error, 'reserve');
      result = null;
    }
    if (!result) return { ok: false, error: new AccountBudgetError('unavailable', this.usage()) };
    this.#last = { month, used: result.used, reserved: result.reserved };
    if (!result.ok) {
      this.#refused = true;
      return { ok: false, error: new AccountBudgetError('spent', this.usage()) };
    }
    if (this.#refused) this.epoch++;
    this.#refused = false;
    this.#outstanding += chars;
    let settled = false;
    return {
      ok: true,
      settle: (billedChars) => {
        if (settled) return;
        settled = true;
        const billed = Number.isFinite(billedChars) && billedChars > 0 ? Math.round(billedChars) : 0;
        if (base > 0 && billed > chars) this.#factor = Math.max(this.#factor, billed / base);
        this.#outstanding -= chars;
        this.#settle({ owner: this.owner, reservedIn: month, reserved: chars, billedIn: utcMonthKey(new Date(this.#now())), billed });
      },
    };
  }

  /** The month as this process last saw it. */
  usage(): AccountUsage {
    const last = this.#last;
    const current = last !== null && last.month === utcMonthKey(new Date(this.#now()));
    return { used: current ? last.used : 0, reserved: current ? last.reserved : 0, cap: this.cap };
  }

  /** Reads the month from the database (the last figures when it cannot be read). */
  async refresh(): Promise<AccountUsage> {
    const month = utcMonthKey(new Date(this.#now()));
    try {
      const m = await this.#deadline(this.#call(this.#o.ledger.month(month)));
      if (m) this.#last = { month, ...m };
    } catch (error) {
      this.#failed(error, 'month');
    }
    return this.usage();
  }

  /**
   * Shutdown, after the sessions ended (their texts settled): waits for the settlements, tries the failed ones once
   * more, and releases whatever this process still holds.
   */
  async close(deadlineMs = 5_000): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const work = (async () => {
      await Promise.allSettled([...this.#calls]);
      await this.#retryUnsettled();
      await this.#o.ledger.release(this.owner);
    })();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    try {
      await Promise.race([work.catch((error: unknown) => this.#failed(error, 'release')), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reserves within the deadline (null: too late; a reservation made after that is given back at once). */
  async #reserve(request: Parameters<AccountLedger['reserve']>[0]): Promise<ReserveResult | null> {
    const call = this.#call(this.#o.ledger.reserve(request));
    const result = await this.#deadline(call);
    if (result === null) {
      this.#failed(new Error(`the database did not answer a reservation within ${this.#o.deadlineMs ?? 2_000} ms`), 'reserve');
      void call.then((late) => {
        if (late.ok) this.#settle({ owner: this.owner, reservedIn: request.month, reserved: request.chars, billedIn: request.month, billed: 0 });
      }, () => undefined);
    }
    return result;
  }

  #settle(request: SettleRequest): void {
    void this.#call(this.#o.ledger.settle(request)).catch((error: unknown) => {
      this.#unsettled.push(request);
      this.#failed(error, 'settle');
    });
  }

  async #retryUnsettled(): Promise<void> {
    const retry = this.#unsettled.splice(0);
    for (const [i, request] of retry.entries()) {
      try {
        await this.#call(this.#o.ledger.settle(request));
      } catch (error) {
        this.#unsettled.push(...retry.slice(i));
        throw error;
      }
    }
  }

  /** Releases dead processes' reservations; a failure releases nothing (the refusal stands as it is). */
  async #reclaim(): Promise<number> {
    try {
      return await this.#call(this.#o.ledger.reclaim());
    } catch (error) {
      this.#failed(error, 'reclaim');
      return 0;
    }
  }

  async #tick(): Promise<void> {
    try {
      const month = utcMonthKey(new Date(this.#now()));
      if (this.#caughtUp !== month) {
        await this.#call(this.#o.ledger.catchUp(month));
        this.#caughtUp = month;
      }
      if (this.#outstanding > 0 || this.#unsettled.length > 0) await this.#call(this.#o.ledger.renew(this.owner, this.#leaseMs));
      await this.#retryUnsettled();
      await this.#call(this.#o.ledger.reclaim());
    } catch (error) {
      this.#failed(error, 'renew');
    }
  }

  /** Tracks a ledger call (shutdown waits for them); one that works ends an outage. */
  #call<T>(promise: Promise<T>): Promise<T> {
    this.#calls.add(promise);
    void promise.then(
      () => {
        this.#calls.delete(promise);
        if (this.#failing) this.#o.onRecovered?.();
        this.#failing = false;
      },
      () => this.#calls.delete(promise),
    );
    return promise;
  }

  #failed(error: unknown, op: string): void {
    if (!this.#failing) this.#o.onError?.(error, op);
    this.#failing = true;
  }

  async #deadline<T>(promise: Promise<T>): Promise<T | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.#o.deadlineMs ?? 2_000)));
    try {
      return await Promise.race([promise, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
