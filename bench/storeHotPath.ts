/**
 * The store's hot path: a guild's settings, read on every auto-read message, with SQLite (behind ResilientStore, as
 * the bot runs it) and with PostgreSQL (PgStore: served from memory). Also the cost of a usage write on the calling
 * thread, of keeping one queued text until it is over (a pending item added, then removed: issue 17), the wait a
 * text has for its account-budget reservation (BUDGET_ACCOUNT_MONTHLY_CHARS: one database round trip before it is
 * sent; its settlement runs in the background), and PostgreSQL's bytes per row of the tables that grow with servers
 * and members (for the sizing note).
 * Part of `npm run bench -- --only scale`; on its own: `npx tsx bench/storeHotPath.ts` (starts its own PostgreSQL
 * server, like the tests) writes bench/results/store-hot-path.md.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { AccountBudget } from '../src/store/accountBudget.js';
import { ResilientStore } from '../src/store/ResilientStore.js';
import { openPgStore } from '../src/store/PgStore.js';
import { openSqliteStore } from '../src/store/SqliteStore.js';
import type { Store } from '../src/store/types.js';
import { startPgServer, type PgServer } from '../test/store/pgServer.js';
import { machineLine } from './machine.js';

const GUILDS = 1000;
/** Members with a voice of their own per guild, for the bytes per member row. */
const MEMBERS_PER_GUILD = 5;
/** Snowflake-sized ids (18 digits), as Discord's. */
const snowflake = (prefix: number, n: number): string => `${prefix}${String(n).padStart(17, '0')}`;

export interface StoreCosts {
  /** ns per getGuildSettings, per addUsage, and per queued text kept then forgotten, on the calling thread. */
  readNs: number;
  usageNs: number;
  pendingNs: number;
  /** Microseconds a text waits for its account-budget reservation, p50 and p99. */
  reservationUs: { p50: number; p99: number };
}

export interface StoreHotPathResult {
  guilds: number;
  reads: number;
  sqlite: StoreCosts;
  postgresql: StoreCosts;
  /** PostgreSQL bytes per row (table + indexes + TOAST, after VACUUM) of the tables that grow with servers. */
  pgBytesPerRow: { guildSettings: number; memberVoices: number; usageDays: number };
}

/** Median over 5 runs of ns per call of `op` (i: a counter to spread calls over guilds). */
function nsPerCall(n: number, op: (i: number) => void): number {
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) op(i);
    runs.push(Number(process.hrtime.bigint() - start) / n);
  }
  return runs.sort((a, b) => a - b)[2]!;
}

function fill(store: Store): void {
  for (let g = 0; g < GUILDS; g++) store.updateGuildSettings(snowflake(1, g), { autoread: { channelId: snowflake(2, g), maxLength: 400 }, voice: { speed: 1.2 } });
}

async function measure(store: Store, reads: number): Promise<StoreCosts> {
  const id = (i: number): string => snowflake(1, i % GUILDS);
  // Warm-up, then the measured runs.
  nsPerCall(20_000, (i) => store.getGuildSettings(id(i)));
  const readNs = nsPerCall(reads, (i) => store.getGuildSettings(id(i)));
  const at = new Date();
  const usageNs = nsPerCall(2_000, (i) => store.addUsage(id(i), 42, at));
  // Every queued text: kept when accepted, forgotten when it is over (here at once, the PostgreSQL best case; a
  // text read for seconds costs the INSERT and the DELETE, both off the calling thread).
  let key = 0;
  const pendingNs = nsPerCall(2_000, (i) => {
    const k = `bench/${key++}`;
    store.addPendingItem({ key: k, guildId: id(i), channelId: snowflake(2, i % GUILDS), authorId: snowflake(3, 0), enqueuedAt: i });
    store.removePendingItem(k);
  });
  return { readNs, usageNs, pendingNs, reservationUs: await reservations(store) };
}

/** Microseconds a text waits for its reservation (admit), one text after another, each settled as it is admitted. */
async function reservations(store: Store): Promise<{ p50: number; p99: number }> {
  const budget = new AccountBudget({ cap: 1e12, ledger: store.accountLedger() });
  const us: number[] = [];
  for (let i = 0; i < 3_000; i++) {
    const start = process.hrtime.bigint();
    const admission = await budget.admit(['x'.repeat(100)]);
    if (i >= 500) us.push(Number(process.hrtime.bigint() - start) / 1000);
    if (admission.ok) admission.settle(100);
  }
  await budget.close(60_000);
  us.sort((a, b) => a - b);
  return { p50: us[Math.floor(us.length / 2)]!, p99: us[Math.floor(us.length * 0.99)]! };
}

/** Bytes per row of each table, as PostgreSQL stores them, after members' voices were added to the filled store. */
async function bytesPerRow(store: Store & { flushed(ms: number): Promise<boolean> }, url: string): Promise<StoreHotPathResult['pgBytesPerRow']> {
  for (let g = 0; g < GUILDS; g++) {
    for (let m = 0; m < MEMBERS_PER_GUILD; m++) {
      store.setMemberVoice(snowflake(1, g), snowflake(3, g * MEMBERS_PER_GUILD + m), { voiceId: 'English_expressive_narrator', speed: 1.1 });
    }
  }
  await store.flushed(60_000);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const per = async (table: string): Promise<number> => {
      await client.query(`VACUUM ANALYZE ${table}`);
      const { rows } = await client.query<{ bytes: string; n: string }>(`SELECT pg_total_relation_size('${table}') AS bytes, (SELECT count(*) FROM ${table}) AS n`);
      return Number(rows[0]!.bytes) / Math.max(1, Number(rows[0]!.n));
    };
    return { guildSettings: await per('guild_settings'), memberVoices: await per('member_voices'), usageDays: await per('usage_days') };
  } finally {
    await client.end();
  }
}

/** Both stores measured; PostgreSQL on `server` (a fresh database), or on a server started and removed here. */
export async function runStoreHotPath(options: { reads?: number; server?: PgServer } = {}): Promise<StoreHotPathResult> {
  const reads = options.reads ?? 200_000;
  const dir = await mkdtemp(join(tmpdir(), 'parrot-bench-store-'));
  let sqlite: StoreCosts;
  try {
    const store = new ResilientStore(openSqliteStore({ dataDir: dir }));
    fill(store);
    sqlite = await measure(store, reads);
    store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const server = options.server ?? (await startPgServer());
  try {
    const url = await server.createDatabase();
    const store = await openPgStore({ url });
    fill(store);
    await store.flushed(60_000);
    const postgresql = await measure(store, reads);
    const pgBytesPerRow = await bytesPerRow(store, url);
    await store.end(60_000);
    return { guilds: GUILDS, reads, sqlite, postgresql, pgBytesPerRow };
  } finally {
    if (!options.server) await server.destroy();
  }
}

export function storeHotPathMarkdown(r: StoreHotPathResult, heading = '##'): string {
  const row = (name: string, m: StoreCosts): string =>
    `| ${name} | ${(m.readNs / 1000).toFixed(2)} | ${(m.usageNs / 1000).toFixed(2)} | ${(m.pendingNs / 1000).toFixed(2)} | ${m.reservationUs.p50.toFixed(1)} / ${m.reservationUs.p99.toFixed(1)} |`;
  return [
    `${heading} Store hot path: SQLite against PostgreSQL`,
    '',
    `${r.guilds} configured guilds; median of 5 runs of ${r.reads.toLocaleString('en-US')} reads; microseconds per call on the bot's thread.`,
    '',
    '| store | getGuildSettings (µs) | addUsage (µs) | keep + forget a queued text (µs) | account reservation wait p50 / p99 (µs) |',
    '| --- | --- | --- | --- | --- |',
    row('SQLite (ResilientStore over SqliteStore)', r.sqlite),
    row('PostgreSQL (PgStore, memory + write-through)', r.postgresql),
    '',
    "PgStore's addUsage only queues the SQL increment; the server round trip happens off the calling thread's time.",
    'A queued text is kept until it is over so a crash can tell its author (an INSERT and a DELETE; PgStore withdraws an INSERT not sent yet, as here).',
    'With BUDGET_ACCOUNT_MONTHLY_CHARS, each text waits for its reservation before it is sent (2,500 texts one after another, each settled in the background; PostgreSQL on loopback).',
    `PostgreSQL bytes per row (table + indexes, after VACUUM): guild_settings ${r.pgBytesPerRow.guildSettings.toFixed(0)}, `
      + `member_voices ${r.pgBytesPerRow.memberVoices.toFixed(0)}, usage_days ${r.pgBytesPerRow.usageDays.toFixed(0)}.`,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runStoreHotPath();
  const md = storeHotPathMarkdown(result, '#').replace('\n\n', `\n\n${machineLine()}\n\n`);
  await writeFile(new URL('./results/store-hot-path.md', import.meta.url), md);
  process.stdout.write(md);
}
