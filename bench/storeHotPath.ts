/**
 * The store's hot path: a guild's settings, read on every auto-read message, with SQLite (behind ResilientStore, as
 * the bot runs it) and with PostgreSQL (PgStore: served from memory). Also the cost of a usage write on the calling
 * thread, of keeping one queued text until it is over (a pending item added, then removed: issue 17), and the wait a
 * text has for its account-budget reservation (BUDGET_ACCOUNT_MONTHLY_CHARS: one database round trip before it is
 * sent; its settlement runs in the background). Starts its own PostgreSQL server (like the tests). Run: `npx tsx bench/storeHotPath.ts`; writes
 * bench/results/store-hot-path.md.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountBudget } from '../src/store/accountBudget.js';
import { ResilientStore } from '../src/store/ResilientStore.js';
import { openPgStore } from '../src/store/PgStore.js';
import { openSqliteStore } from '../src/store/SqliteStore.js';
import type { Store } from '../src/store/types.js';
import { startPgServer } from '../test/store/pgServer.js';
import { machineLine } from './machine.js';

const GUILDS = 1000;
const READS = 200_000;

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
  for (let g = 0; g < GUILDS; g++) store.updateGuildSettings(`g${g}`, { autoread: { channelId: `c${g}`, maxLength: 400 }, voice: { speed: 1.2 } });
}

interface Costs {
  read: number;
  usage: number;
  pending: number;
}

function measure(store: Store): Costs {
  // Warm-up, then the measured runs.
  nsPerCall(20_000, (i) => store.getGuildSettings(`g${i % GUILDS}`));
  const read = nsPerCall(READS, (i) => store.getGuildSettings(`g${i % GUILDS}`));
  const at = new Date();
  const usage = nsPerCall(2_000, (i) => store.addUsage(`g${i % GUILDS}`, 42, at));
  // Every queued text: kept when accepted, forgotten when it is over (here at once, the PostgreSQL best case; a
  // text read for seconds costs the INSERT and the DELETE, both off the calling thread).
  let key = 0;
  const pending = nsPerCall(2_000, (i) => {
    const k = `bench/${key++}`;
    store.addPendingItem({ key: k, guildId: `g${i % GUILDS}`, channelId: 'c', authorId: 'u', enqueuedAt: i });
    store.removePendingItem(k);
  });
  return { read, usage, pending };
}

interface Reservation {
  p50: number;
  p99: number;
}

/** Microseconds a text waits for its reservation (admit), one text after another, each settled as it is admitted. */
async function reservations(store: Store): Promise<Reservation> {
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

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'parrot-bench-store-'));
  const sqlite = new ResilientStore(openSqliteStore({ dataDir: dir }));
  fill(sqlite);
  const s = measure(sqlite);
  const sr = await reservations(sqlite);
  sqlite.close();
  await rm(dir, { recursive: true, force: true });

  const server = await startPgServer();
  let p: Costs;
  let pr: Reservation;
  try {
    const url = await server.createDatabase();
    const store = await openPgStore({ url });
    fill(store);
    await store.flushed(60_000);
    p = measure(store);
    pr = await reservations(store);
    await store.end(60_000);
  } finally {
    await server.destroy();
  }
  const row = (name: string, m: Costs) => `| ${name} | ${(m.read / 1000).toFixed(2)} | ${(m.usage / 1000).toFixed(2)} | ${(m.pending / 1000).toFixed(2)} |`;
  const md = [
    '# Store hot path: SQLite against PostgreSQL',
    '',
    machineLine(),
    '',
    `${GUILDS} configured guilds; median of 5 runs; microseconds per call on the bot's thread.`,
    '',
    '| store | getGuildSettings (µs) | addUsage (µs) | queued text kept and forgotten (µs) |',
    '| --- | --- | --- | --- |',
    row('SQLite (ResilientStore over SqliteStore)', s),
    row('PostgreSQL (PgStore, memory + write-through)', p),
    '',
    "PgStore's addUsage only queues the SQL increment; the server round trip happens off the calling thread's time.",
    "A queued text is kept until it is over so a crash can tell its author (an INSERT and a DELETE); PgStore withdraws an INSERT not sent yet, as here.",
    '',
    'With BUDGET_ACCOUNT_MONTHLY_CHARS, each text waits for its reservation before it is sent (2,500 texts, one after',
    'another, each settled in the background as it is admitted; PostgreSQL on loopback):',
    '',
    '| store | reservation p50 (µs) | p99 (µs) |',
    '| --- | --- | --- |',
    `| SQLite | ${sr.p50.toFixed(1)} | ${sr.p99.toFixed(1)} |`,
    `| PostgreSQL | ${pr.p50.toFixed(1)} | ${pr.p99.toFixed(1)} |`,
    '',
  ].join('\n');
  await writeFile(new URL('./results/store-hot-path.md', import.meta.url), md);
  process.stdout.write(md);
}

await main();
