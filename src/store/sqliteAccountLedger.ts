/**
 * The account ledger (see accountLedger.ts) on SQLite. Each call is one IMMEDIATE transaction: it takes the file's
 * write lock first, so reservers in several processes on one file check and reserve one after another. Leases run
 * on this machine's clock (every process sharing the file is on this machine).
 */
import type Database from 'better-sqlite3';
import { checkLedgerCount, type AccountLedger, type AccountMonth, type ReserveRequest, type ReserveResult, type SettleRequest } from './accountLedger.js';

interface MonthRow {
  used: number;
  reserved: number;
}

function prepare(db: Database.Database) {
  return {
    /** The month's row from the guilds' usage, or its `used` raised to that (never lowered): AccountLedger.catchUp. */
    catchUp: db.prepare<[string, string, string]>(
      `INSERT INTO account_months (month, used, reserved)
       SELECT ?, COALESCE(SUM(chars), 0), 0 FROM usage_days WHERE day BETWEEN ? AND ?
       ON CONFLICT (month) DO UPDATE SET used = MAX(used, excluded.used)`,
    ),
    month: db.prepare<[string], MonthRow>('SELECT used, reserved FROM account_months WHERE month = ?'),
    reserve: db.prepare<[number, string, number, number], MonthRow>(
      'UPDATE account_months SET reserved = reserved + ? WHERE month = ? AND used + reserved + ? <= ? RETURNING used, reserved',
    ),
    hold: db.prepare<[string, string, number, number]>(
      `INSERT INTO account_holds (month, owner, chars, lease_until) VALUES (?, ?, ?, ?)
       ON CONFLICT (month, owner) DO UPDATE SET chars = chars + excluded.chars, lease_until = excluded.lease_until`,
    ),
    unhold: db.prepare<[number, string, string, number]>('UPDATE account_holds SET chars = chars - ? WHERE month = ? AND owner = ? AND chars >= ?'),
    unreserve: db.prepare<[number, string]>('UPDATE account_months SET reserved = reserved - ? WHERE month = ?'),
    bill: db.prepare<[number, string]>('UPDATE account_months SET used = used + ? WHERE month = ?'),
    renew: db.prepare<[number, string]>('UPDATE account_holds SET lease_until = ? WHERE owner = ?'),
    expired: db.prepare<[number], { month: string; chars: number }>('DELETE FROM account_holds WHERE lease_until < ? RETURNING month, chars'),
    owned: db.prepare<[string], { month: string; chars: number }>('DELETE FROM account_holds WHERE owner = ? RETURNING month, chars'),
  };
}

export class SqliteAccountLedger implements AccountLedger {
  readonly #stmt: ReturnType<typeof prepare>;
  readonly #reserve: (r: ReserveRequest) => ReserveResult;
  readonly #settle: (s: SettleRequest) => void;
  readonly #drop: (rows: () => { month: string; chars: number }[]) => number;
  /** Months whose row exists. */
  readonly #months = new Set<string>();

  constructor(
    db: Database.Database,
    /** Throws StoreError('closed') once the store is closed. */
    private readonly open: () => void,
    private readonly now: () => number = Date.now,
  ) {
    const stmt = prepare(db);
    this.#stmt = stmt;
    // A month's row is caught up once per process (summing the guilds' usage); after that a reservation is one
    // UPDATE and one upsert.
    this.#reserve = immediate(db, (r: ReserveRequest): ReserveResult => {
      if (!this.#months.has(r.month)) stmt.catchUp.run(r.month, `${r.month}-01`, `${r.month}-31`);
      const after = stmt.reserve.get(r.chars, r.month, r.chars, r.cap);
      if (!after) return { ok: false, ...(stmt.month.get(r.month) ?? { used: 0, reserved: 0 }) };
      stmt.hold.run(r.month, r.owner, r.chars, this.now() + r.leaseMs);
      return { ok: true, used: after.used, reserved: after.reserved };
    });
    this.#settle = immediate(db, (s: SettleRequest): void => {
      if (stmt.unhold.run(s.reserved, s.reservedIn, s.owner, s.reserved).changes === 1) stmt.unreserve.run(s.reserved, s.reservedIn);
      stmt.bill.run(s.billed, s.billedIn);
    });
    this.#drop = immediate(db, (rows: () => { month: string; chars: number }[]): number => {
      let released = 0;
      for (const row of rows()) {
        stmt.unreserve.run(row.chars, row.month);
        released += row.chars;
      }
      return released;
    });
  }

  reserve(request: ReserveRequest): Promise<ReserveResult> {
    return this.#run(() => {
      checkLedgerCount('chars', request.chars);
      checkLedgerCount('cap', request.cap);
      const result = this.#reserve(request);
      this.#months.add(request.month);
      return result;
    });
  }

  settle(request: SettleRequest): Promise<void> {
    return this.#run(() => {
      checkLedgerCount('reserved', request.reserved);
      checkLedgerCount('billed', request.billed);
      this.#settle(request);
    });
  }

  renew(owner: string, leaseMs: number): Promise<void> {
    return this.#run(() => void this.#stmt.renew.run(this.now() + leaseMs, owner));
  }

  reclaim(): Promise<number> {
    return this.#run(() => this.#drop(() => this.#stmt.expired.all(this.now())));
  }

  release(owner: string): Promise<void> {
    return this.#run(() => void this.#drop(() => this.#stmt.owned.all(owner)));
  }

  month(month: string): Promise<AccountMonth> {
    return this.#run(() => this.#stmt.month.get(month) ?? { used: 0, reserved: 0 });
  }

  catchUp(month: string): Promise<AccountMonth> {
    return this.#run(() => {
      this.#stmt.catchUp.run(month, `${month}-01`, `${month}-31`);
      this.#months.add(month);
      return this.#stmt.month.get(month)!;
    });
  }

  /** Runs a synchronous step; its failure (locked, closed) becomes a rejection like PostgreSQL's. */
  #run<T>(step: () => T): Promise<T> {
    try {
      this.open();
      return Promise.resolve(step());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

function immediate<A, R>(db: Database.Database, fn: (arg: A) => R): (arg: A) => R {
  const tx = db.transaction(fn);
  return (arg: A) => tx.immediate(arg);
}
