/**
 * The account ledger (see accountLedger.ts) on PostgreSQL. A reservation is ONE statement (one round trip on the
 * hot path): a conditional UPDATE of the month's row, whose row lock makes concurrent reservers in every process
 * take turns and re-check `used + reserved + chars <= cap` against the latest committed row (READ COMMITTED's
 * re-evaluation of an UPDATE's WHERE), plus the upsert of the owner's hold in the same statement. Settling and
 * releasing (off the hot path) are short transactions that lock the month rows first, in month order, as a
 * reservation does, so they never deadlock with one. Leases run on the server's clock: the processes sharing the
 * database may be on hosts whose clocks disagree.
 */
import type pg from 'pg';
import { checkLedgerCount, type AccountLedger, type AccountMonth, type ReserveRequest, type ReserveResult, type SettleRequest } from './accountLedger.js';

/** Now, in ms since the epoch, on the server's clock. */
const NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

const SQL = {
  ensureMonth: `INSERT INTO account_months (month, used, reserved)
    SELECT $1, COALESCE(SUM(chars), 0), 0 FROM usage_days WHERE day BETWEEN $2 AND $3
    ON CONFLICT (month) DO NOTHING`,
  reserve: `WITH m AS (
      UPDATE account_months SET reserved = reserved + $2::bigint
      WHERE month = $1 AND used + reserved + $2::bigint <= $3::bigint
      RETURNING used, reserved
    ), h AS (
      INSERT INTO account_holds (month, owner, chars, lease_until)
      SELECT $1, $4, $2::bigint, ${NOW_MS} + $5::bigint FROM m
      ON CONFLICT (month, owner) DO UPDATE SET chars = account_holds.chars + EXCLUDED.chars, lease_until = EXCLUDED.lease_until
    )
    SELECT used, reserved, true AS ok FROM m
    UNION ALL
    SELECT used, reserved, false AS ok FROM account_months WHERE month = $1 AND NOT EXISTS (SELECT 1 FROM m)`,
  lockMonths: 'SELECT month FROM account_months WHERE month = ANY($1::text[]) ORDER BY month FOR UPDATE',
  unhold: 'UPDATE account_holds SET chars = chars - $3::bigint WHERE month = $1 AND owner = $2 AND chars >= $3::bigint',
  unreserve: 'UPDATE account_months SET reserved = reserved - $2::bigint WHERE month = $1',
  bill: 'UPDATE account_months SET used = used + $2::bigint WHERE month = $1',
  renew: `UPDATE account_holds SET lease_until = ${NOW_MS} + $2::bigint WHERE owner = $1`,
  expiredMonths: `SELECT DISTINCT month FROM account_holds WHERE lease_until < ${NOW_MS}`,
  dropExpired: `DELETE FROM account_holds WHERE lease_until < ${NOW_MS} AND month = ANY($1::text[]) RETURNING month, chars`,
  ownedMonths: 'SELECT DISTINCT month FROM account_holds WHERE owner = $1',
  dropOwned: 'DELETE FROM account_holds WHERE owner = $2 AND month = ANY($1::text[]) RETURNING month, chars',
  month: 'SELECT used, reserved FROM account_months WHERE month = $1',
} as const;

interface Row {
  used: string;
  reserved: string;
}

export class PgAccountLedger implements AccountLedger {
  /** Months whose row exists. */
  readonly #months = new Set<string>();

  constructor(private readonly pool: pg.Pool) {}

  async reserve(r: ReserveRequest): Promise<ReserveResult> {
    checkLedgerCount('chars', r.chars);
    checkLedgerCount('cap', r.cap);
    if (!this.#months.has(r.month)) await this.#ensure(r.month);
    const { rows } = await this.pool.query<Row & { ok: boolean }>(SQL.reserve, [r.month, r.chars, r.cap, r.owner, r.leaseMs]);
    const row = rows[0];
    if (!row) {
      // The month's row is not there (never made by this database): make it and try once more.
      this.#months.delete(r.month);
      await this.#ensure(r.month);
      return this.reserve(r);
    }
    return { ok: row.ok, used: Number(row.used), reserved: Number(row.reserved) };
  }

  async settle(s: SettleRequest): Promise<void> {
    checkLedgerCount('reserved', s.reserved);
    checkLedgerCount('billed', s.billed);
    await this.#transaction([s.reservedIn, s.billedIn], async (client) => {
      const unheld = await client.query(SQL.unhold, [s.reservedIn, s.owner, s.reserved]);
      if (unheld.rowCount === 1) await client.query(SQL.unreserve, [s.reservedIn, s.reserved]);
      await client.query(SQL.bill, [s.billedIn, s.billed]);
    });
  }

  async renew(owner: string, leaseMs: number): Promise<void> {
    await this.pool.query(SQL.renew, [owner, leaseMs]);
  }

  async reclaim(): Promise<number> {
    const months = (await this.pool.query<{ month: string }>(SQL.expiredMonths)).rows.map((r) => r.month);
    if (months.length === 0) return 0;
    return this.#drop(months, SQL.dropExpired, []);
  }

  async release(owner: string): Promise<void> {
    const months = (await this.pool.query<{ month: string }>(SQL.ownedMonths, [owner])).rows.map((r) => r.month);
    if (months.length > 0) await this.#drop(months, SQL.dropOwned, [owner]);
  }

  async month(month: string): Promise<AccountMonth> {
    const row = (await this.pool.query<Row>(SQL.month, [month])).rows[0];
    return row ? { used: Number(row.used), reserved: Number(row.reserved) } : { used: 0, reserved: 0 };
  }

  async #ensure(month: string): Promise<void> {
    await this.pool.query(SQL.ensureMonth, [month, `${month}-01`, `${month}-31`]);
    this.#months.add(month);
  }

  /** Deletes holds of `months` (matched by `drop`) and takes them back from the months' reservations. */
  async #drop(months: string[], drop: string, values: unknown[]): Promise<number> {
    return this.#transaction(months, async (client) => {
      const { rows } = await client.query<{ month: string; chars: string }>(drop, [months, ...values]);
      let released = 0;
      for (const row of rows) {
        await client.query(SQL.unreserve, [row.month, row.chars]);
        released += Number(row.chars);
      }
      return released;
    });
  }

  /** Runs `body` in a transaction that first locks the rows of `months`, in month order (as reservations do). */
  async #transaction<T>(months: string[], body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(SQL.lockMonths, [[...new Set(months)].sort()]);
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
