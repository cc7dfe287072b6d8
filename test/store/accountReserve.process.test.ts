/**
 * The account budget's reservations made by several PROCESSES at once (test/store/fixtures/reserver.ts), on one
 * SQLite file and on a real PostgreSQL server: the month never passes the cap (exactly, when MiniMax bills what was
 * reserved; by at most the texts each process had in flight, when it bills more), every settlement is counted
 * exactly, and the reservation of a process killed while holding it is released once its lease ran out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AccountBudget } from '../../src/store/accountBudget.js';
import { openPgStore } from '../../src/store/PgStore.js';
import { openSqliteStore } from '../../src/store/SqliteStore.js';
import type { Store } from '../../src/store/types.js';
import { makeTempDir, removeTempDir } from './tempDir.js';
import { testScope } from './testScope.js';

const SCRIPT = new URL('./fixtures/reserver.ts', import.meta.url).pathname;

const { defer, database } = testScope();

interface Reserver {
  child: ChildProcess;
  /** Resolves with the first line of output matching `pattern`. */
  line(pattern: RegExp): Promise<string>;
  go(): void;
}

function startReserver(env: Record<string, string>): Reserver {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), SCRIPT], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  return {
    child,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`no ${String(pattern)} from a reserver in 60 s; stderr: ${err}`)), 60_000);
        const check = (): void => {
          const found = out.split('\n').find((l) => pattern.test(l));
          if (found !== undefined) {
            clearTimeout(deadline);
            resolve(found);
          } else if (child.exitCode !== null) {
            clearTimeout(deadline);
            reject(new Error(`a reserver exited ${child.exitCode}: ${err}`));
          } else setTimeout(check, 20);
        };
        check();
      }),
    go: () => child.stdin.write('go\n'),
  };
}

interface Engine {
  name: string;
  /** Environment naming the database for the reservers, and a store on it for the test. */
  open(): Promise<{ env: Record<string, string>; store: Store }>;
}

const engines: Engine[] = [
  {
    name: 'one SQLite file',
    open: async () => {
      const dir = await makeTempDir();
      const store = openSqliteStore({ dataDir: dir });
      defer(() => removeTempDir(dir));
      defer(() => store.close());
      return { env: { RESERVER_SQLITE_DIR: dir }, store };
    },
  },
  {
    name: 'a real PostgreSQL server',
    open: async () => {
      const url = await database();
      const store = await openPgStore({ url });
      defer(() => store.end());
      return { env: { RESERVER_PG_URL: url }, store };
    },
  },
];

const PROCESSES = 4;
const IN_FLIGHT = 3;
const CHARS = 7;

async function race(env: Record<string, string>): Promise<{ admitted: number; billed: number }[]> {
  const reservers = Array.from({ length: PROCESSES }, () => startReserver({ ...env, RESERVER_MODE: 'race', RESERVER_INFLIGHT: String(IN_FLIGHT), RESERVER_CHARS: String(CHARS) }));
  await Promise.all(reservers.map((r) => r.line(/^ready$/)));
  for (const r of reservers) r.go();
  return Promise.all(reservers.map(async (r) => JSON.parse(await r.line(/^\{/)) as { admitted: number; billed: number }));
}

const month = (): string => new Date().toISOString().slice(0, 7);

describe.each(engines)('reservations from several processes on $name', (engine) => {
  const open = () => engine.open();
  it('never pass the cap, and the month counts exactly what every process billed', { timeout: 120_000 }, async () => {
    const { env, store } = await open();
    const cap = 3_000;
    const results = await race({ ...env, RESERVER_CAP: String(cap) });
    const billed = results.reduce((sum, r) => sum + r.billed, 0);
    // Every process got its share while they raced (none finished before the others started).
    for (const r of results) expect(r.admitted).toBeGreaterThan(0);
    const m = await store.accountLedger().month(month());
    expect(m).toStrictEqual({ used: billed, reserved: 0 });
    expect(billed).toBeLessThanOrEqual(cap);
    // Refused only at the cap: less than one text of room was left.
    expect(billed).toBeGreaterThan(cap - CHARS);
  });

  it('pass the cap, when MiniMax bills more than reserved, by at most the texts each process had in flight', { timeout: 120_000 }, async () => {
    const { env, store } = await open();
    const cap = 3_000;
    const extra = 3;
    const results = await race({ ...env, RESERVER_CAP: String(cap), RESERVER_EXTRA: String(extra) });
    const billed = results.reduce((sum, r) => sum + r.billed, 0);
    expect(await store.accountLedger().month(month())).toStrictEqual({ used: billed, reserved: 0 });
    expect(billed).toBeLessThanOrEqual(cap + PROCESSES * IN_FLIGHT * extra);
  });

  it("releases the reservation of a process killed while holding it, once its lease ran out", { timeout: 120_000 }, async () => {
    const { env, store } = await open();
    const leaseMs = 3_000;
    const holder = startReserver({ ...env, RESERVER_MODE: 'hold', RESERVER_CAP: '100', RESERVER_CHARS: '80', RESERVER_LEASE_MS: String(leaseMs) });
    await holder.line(/^ready$/);
    holder.go();
    expect(await holder.line(/^held /)).toBe('held true');
    const exited = new Promise((r) => holder.child.once('exit', r));
    holder.child.kill('SIGKILL');
    await exited;
    // Still held by the dead process until its lease runs out.
    expect(await store.accountLedger().month(month())).toStrictEqual({ used: 0, reserved: 80 });
    const budget = new AccountBudget({ cap: 100, ledger: store.accountLedger() });
    const refused = await budget.admit(['x'.repeat(30)]);
    expect(refused.ok).toBe(false);
    await new Promise((r) => setTimeout(r, leaseMs + 200));
    const admitted = await budget.admit(['x'.repeat(30)]);
    expect(admitted.ok).toBe(true);
    expect(await store.accountLedger().month(month())).toStrictEqual({ used: 0, reserved: 30 });
  });
});
