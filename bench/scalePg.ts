/** The scale benchmark's view of PostgreSQL: the server's processes (for their CPU) and the rows a run wrote. */
import pg from 'pg';
import { parentOf, processTree } from './procCpu.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Rows PostgreSQL wrote in one configuration's run, per table, and per text spoken. */
export interface PgWrites {
  texts: number;
  joins: number;
  rowsByTable: Record<string, number>;
  /** usage_days rows written (inserted + updated) per text: the write every spoken text costs. */
  usageWritesPerText: number;
  /**
   * Rows written per text in every table a text writes: its usage, and the row that keeps it while queued so a crash
   * can tell its author (pending_items: an INSERT and a DELETE), and with an account cap its reservation.
   */
  writesPerText: number;
}

/** The tables whose writes grow with the texts spoken (the others: with joins, settings, restarts). */
export const PER_TEXT_TABLES = ['usage_days', 'pending_items', 'account_holds', 'account_months'] as const;

/** The PostgreSQL server's processes: the parent of a backend (the postmaster) and its children. */
export async function pgProcesses(client: pg.Client): Promise<() => number[]> {
  const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const postmaster = parentOf(backend);
  if (postmaster === null) throw new Error('scale bench: cannot find the PostgreSQL server process');
  return () => processTree(postmaster);
}

/** Rows the run wrote, per table, as PostgreSQL counted them (pg_stat_user_tables). */
export async function pgWritesOf(url: string, texts: number, joins: number): Promise<PgWrites> {
  await sleep(1_000);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ relname: string; n: string }>(
      'SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS n FROM pg_stat_user_tables ORDER BY relname',
    );
    const rowsByTable = Object.fromEntries(rows.filter((r) => Number(r.n) > 0).map((r) => [r.relname, Number(r.n)]));
    const perText = PER_TEXT_TABLES.reduce((sum, t) => sum + (rowsByTable[t] ?? 0), 0);
    return { texts, joins, rowsByTable, usageWritesPerText: (rowsByTable['usage_days'] ?? 0) / texts, writesPerText: perText / texts };
  } finally {
    await client.end();
  }
}

