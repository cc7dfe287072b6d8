/**
 * The account-wide ledger behind BUDGET_ACCOUNT_MONTHLY_CHARS (issue 17): per UTC month, the characters billed
 * (`used`) and the characters reserved by texts on their way to MiniMax (`reserved`), shared by every process.
 *
 * A text is sent only after `reserve` added its characters to `reserved` in one atomic step that also checks
 * `used + reserved + chars <= cap` (PostgreSQL: one conditional UPDATE, whose row lock serializes reservers;
 * SQLite: one IMMEDIATE transaction, which holds the file's write lock across processes). When the text ends,
 * `settle` takes the reservation back and adds what MiniMax billed to `used`, in one step too.
 *
 * Each reservation is held by an `owner` (one id per process start) in a hold row with a lease. A live process
 * renews its lease; a dead one stops renewing, and `reclaim` releases its holds once the lease ran out. A lease,
 * not "release at restart": a shard process that is never started again (fewer shards, a host taken away) would
 * otherwise hold its reservations all month. A settle whose hold was already reclaimed still counts what was billed
 * (the hold is not taken back twice).
 *
 * A month's row starts, the first time it is needed, from the sum of that month's per-guild usage, so a budget
 * switched on mid-month, or a Parrot upgraded mid-month, starts from what was already spent; `catchUp` (each process
 * with the cap, once a month) brings a row that exists up to that sum, for a cap switched off and on again.
 */
import { StoreError } from './errors.js';

export { utcMonthKey } from './ownedVoices.js';

export interface AccountMonth {
  used: number;
  reserved: number;
}

export interface ReserveRequest {
  /** The process (one id per start) that holds the reservation. */
  owner: string;
  /** "YYYY-MM" */
  month: string;
  /** Characters to reserve (see AccountBudget for how a text's are counted). */
  chars: number;
  cap: number;
  /** The owner's holds live this long from now (renewed by `renew`). */
  leaseMs: number;
}

export interface SettleRequest {
  owner: string;
  /** The month the reservation was made in. */
  reservedIn: string;
  reserved: number;
  /** The month the text was billed in (usually the same). */
  billedIn: string;
  billed: number;
}

export type ReserveResult = AccountMonth & { ok: boolean };

/** The store's side of the account budget; every call is one atomic step in the database. */
export interface AccountLedger {
  /** Reserves `chars` unless `used + reserved + chars > cap`; returns the month after (ok) or as it stood (refused). */
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /** Replaces a reservation by what was billed. */
  settle(request: SettleRequest): Promise<void>;
  /** Extends the lease of every hold of `owner` to now + `leaseMs`. */
  renew(owner: string, leaseMs: number): Promise<void>;
  /** Releases the holds whose lease ran out (their process died or froze); returns the characters released. */
  reclaim(): Promise<number>;
  /** Releases every hold of `owner` (a clean shutdown, once its texts are settled). */
  release(owner: string): Promise<void>;
  /** The month as the database has it now (zeros for a month no reservation made yet). */
  month(month: string): Promise<AccountMonth>;
  /**
   * Makes the month's row if it has none, and raises its `used` to the guilds' usage counted in the month when that
   * is more: what was billed while no process had the cap set (the owner switched it off and on again, or a process
   * ran without it) then counts too. Never lowers `used`. A text another process is settling at that moment (its
   * usage written, its settlement not yet) may be counted twice: an overcount of those texts, never an undercount.
   * Returns the month after.
   */
  catchUp(month: string): Promise<AccountMonth>;
}

/** Checks a ledger call's numbers: characters and caps are non-negative integers. */
export function checkLedgerCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new StoreError('invalid_value', `${name} must be a non-negative integer`);
}

interface Hold {
  chars: number;
  leaseUntil: number;
}

/**
 * The ledger of a MemoryStore: one process, so atomic by construction. `used` of a new month starts from
 * `monthUsage` (the guilds' usage, as in the databases).
 */
export class MemoryAccountLedger implements AccountLedger {
  readonly #months = new Map<string, AccountMonth>();
  /** month -> owner -> hold */
  readonly #holds = new Map<string, Map<string, Hold>>();

  constructor(
    private readonly monthUsage: (month: string) => number,
    private readonly now: () => number = Date.now,
  ) {}

  reserve(r: ReserveRequest): Promise<ReserveResult> {
    checkLedgerCount('chars', r.chars);
    checkLedgerCount('cap', r.cap);
    const m = this.#month(r.month);
    if (m.used + m.reserved + r.chars > r.cap) return Promise.resolve({ ok: false, ...m });
    m.reserved += r.chars;
    const holds = this.#holds.get(r.month) ?? new Map<string, Hold>();
    this.#holds.set(r.month, holds);
    const hold = holds.get(r.owner) ?? { chars: 0, leaseUntil: 0 };
    holds.set(r.owner, { chars: hold.chars + r.chars, leaseUntil: this.now() + r.leaseMs });
    return Promise.resolve({ ok: true, ...m });
  }

  settle(s: SettleRequest): Promise<void> {
    checkLedgerCount('reserved', s.reserved);
    checkLedgerCount('billed', s.billed);
    const hold = this.#holds.get(s.reservedIn)?.get(s.owner);
    if (hold && hold.chars >= s.reserved) {
      hold.chars -= s.reserved;
      this.#month(s.reservedIn).reserved -= s.reserved;
    }
    const billed = this.#months.get(s.billedIn);
    if (billed) billed.used += s.billed;
    return Promise.resolve();
  }

  renew(owner: string, leaseMs: number): Promise<void> {
    for (const holds of this.#holds.values()) {
      const hold = holds.get(owner);
      if (hold) hold.leaseUntil = this.now() + leaseMs;
    }
    return Promise.resolve();
  }

  reclaim(): Promise<number> {
    return Promise.resolve(this.#drop((_, hold) => hold.leaseUntil < this.now()));
  }

  release(owner: string): Promise<void> {
    this.#drop((o) => o === owner);
    return Promise.resolve();
  }

  month(month: string): Promise<AccountMonth> {
    const m = this.#months.get(month);
    return Promise.resolve(m ? { ...m } : { used: 0, reserved: 0 });
  }

  catchUp(month: string): Promise<AccountMonth> {
    const m = this.#month(month);
    m.used = Math.max(m.used, this.monthUsage(month));
    return Promise.resolve({ ...m });
  }

  #month(month: string): AccountMonth {
    let m = this.#months.get(month);
    if (!m) {
      m = { used: this.monthUsage(month), reserved: 0 };
      this.#months.set(month, m);
    }
    return m;
  }

  #drop(match: (owner: string, hold: Hold) => boolean): number {
    let released = 0;
    for (const [month, holds] of this.#holds) {
      for (const [owner, hold] of holds) {
        if (!match(owner, hold)) continue;
        released += hold.chars;
        this.#month(month).reserved -= hold.chars;
        holds.delete(owner);
      }
    }
    return released;
  }
}
