/**
 * The account-wide budget's ledger (store/accountLedger.ts) against every store, PostgreSQL on a real server, and
 * AccountBudget over it: reservations never pass the cap, settling replaces them exactly, a dead owner's holds are
 * released when its lease runs out, and a database that cannot answer refuses texts.
 */
import { describe, expect, it } from 'vitest';
import { AccountBudget, AccountBudgetError, reservationFor } from '../../src/store/accountBudget.js';
import type { AccountLedger, ReserveRequest } from '../../src/store/accountLedger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { PgStore, openPgStore } from '../../src/store/PgStore.js';
import { ResilientStore } from '../../src/store/ResilientStore.js';
import { openSqliteStore } from '../../src/store/SqliteStore.js';
import type { Store } from '../../src/store/types.js';
import { makeTempDir, removeTempDir } from './tempDir.js';
import { testScope } from './testScope.js';

const { defer, database } = testScope();

const stores: { name: string; open: () => Promise<Store> }[] = [
  { name: 'MemoryStore', open: () => Promise.resolve(new MemoryStore()) },
  {
    name: 'SqliteStore',
    open: async () => {
      const dir = await makeTempDir();
      const store = openSqliteStore({ dataDir: dir });
      defer(() => removeTempDir(dir));
      return store;
    },
  },
  {
    name: 'ResilientStore over SqliteStore',
    open: async () => {
      const dir = await makeTempDir();
      defer(() => removeTempDir(dir));
      return new ResilientStore(openSqliteStore({ dataDir: dir }));
    },
  },
  {
    name: 'PgStore',
    open: async () => {
      return openPgStore({ url: await database() });
    },
  },
];

async function open(make: () => Promise<Store>): Promise<Store> {
  const store = await make();
  defer(() => (store instanceof PgStore ? store.end() : store.close()));
  return store;
}

const MONTH = '2025-03';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const req = (owner: string, chars: number, cap: number, leaseMs = 60_000): ReserveRequest => ({ owner, month: MONTH, chars, cap, leaseMs });

describe.each(stores)('the account ledger of $name', ({ open: make }) => {
  it('reserves while used + reserved + chars stays within the cap, and says how the month stands', async () => {
    const ledger = (await open(make)).accountLedger();
    expect(await ledger.reserve(req('a', 40, 100))).toStrictEqual({ ok: true, used: 0, reserved: 40 });
    expect(await ledger.reserve(req('b', 60, 100))).toStrictEqual({ ok: true, used: 0, reserved: 100 });
    expect(await ledger.reserve(req('a', 1, 100))).toStrictEqual({ ok: false, used: 0, reserved: 100 });
    expect(await ledger.month(MONTH)).toStrictEqual({ used: 0, reserved: 100 });
    expect(await ledger.month('2025-04')).toStrictEqual({ used: 0, reserved: 0 });
  });

  it('replaces a reservation by what was billed, in the month billed, exactly', async () => {
    const ledger = (await open(make)).accountLedger();
    await ledger.reserve(req('a', 40, 100));
    await ledger.reserve(req('a', 50, 100));
    await ledger.settle({ owner: 'a', reservedIn: MONTH, reserved: 40, billedIn: MONTH, billed: 37 });
    expect(await ledger.month(MONTH)).toStrictEqual({ used: 37, reserved: 50 });
    // 37 + 50 + 13 = 100: the room the settlement gave back is usable at once.
    expect((await ledger.reserve(req('b', 13, 100))).ok).toBe(true);
    expect((await ledger.reserve(req('b', 1, 100))).ok).toBe(false);
    await ledger.settle({ owner: 'a', reservedIn: MONTH, reserved: 50, billedIn: MONTH, billed: 0 });
    expect(await ledger.month(MONTH)).toStrictEqual({ used: 37, reserved: 13 });
  });

  it("starts a month from the guilds' usage already counted in it", async () => {
    const store = await open(make);
    store.addUsage('g1', 30, new Date('2025-03-02T10:00:00Z'));
    store.addUsage('g2', 25, new Date('2025-03-31T23:00:00Z'));
    store.addUsage('g2', 99, new Date('2025-02-28T23:00:00Z'));
    if (store instanceof PgStore) await store.flushed();
    expect(await store.accountLedger().reserve(req('a', 45, 100))).toStrictEqual({ ok: true, used: 55, reserved: 45 });
  });

  it('catches a month up to what the guilds were billed while the cap was off, and never down', async () => {
    const store = await open(make);
    const ledger = store.accountLedger();
    await ledger.reserve(req('a', 10, 1000));
    await ledger.settle({ owner: 'a', reservedIn: MONTH, reserved: 10, billedIn: MONTH, billed: 10 });
    store.addUsage('g1', 10, new Date('2025-03-02T10:00:00Z')); // that text's own usage
    store.addUsage('g1', 300, new Date('2025-03-10T10:00:00Z')); // billed while no process had the cap
    store.addUsage('g2', 7, new Date('2025-04-01T00:00:00Z')); // the next month's
    if (store instanceof PgStore) await store.flushed();
    expect(await ledger.month(MONTH)).toStrictEqual({ used: 10, reserved: 0 });
    expect(await ledger.catchUp(MONTH)).toStrictEqual({ used: 310, reserved: 0 });
    expect((await ledger.reserve(req('b', 691, 1000))).ok).toBe(false);
    // A ledger ahead of the usage (a settlement that landed before its usage write) keeps its count.
    await ledger.settle({ owner: 'a', reservedIn: MONTH, reserved: 0, billedIn: MONTH, billed: 5 });
    expect(await ledger.catchUp(MONTH)).toStrictEqual({ used: 315, reserved: 0 });
    // A month without a row gets one from the usage, and reservations start from it.
    expect(await ledger.catchUp('2025-04')).toStrictEqual({ used: 7, reserved: 0 });
    expect(await ledger.reserve({ ...req('a', 3, 10), month: '2025-04' })).toStrictEqual({ ok: true, used: 7, reserved: 3 });
  });

  it("releases a dead owner's holds once its lease ran out, and its late settlement still counts what was billed", async () => {
    const ledger = (await open(make)).accountLedger();
    await ledger.reserve(req('dead', 70, 100, 150));
    await ledger.reserve(req('alive', 20, 100, 60_000));
    expect((await ledger.reserve(req('alive', 20, 100))).ok).toBe(false);
    expect(await ledger.reclaim()).toBe(0);
    await sleep(300);
    expect(await ledger.reclaim()).toBe(70);
    expect(await ledger.month(MONTH)).toStrictEqual({ used: 0, reserved: 20 });
    expect((await ledger.reserve(req('alive', 20, 100))).ok).toBe(true);
    // The owner was only frozen: its hold is gone, so only the billed characters are added.
    await ledger.settle({ owner: 'dead', reservedIn: MONTH, reserved: 70, billedIn: MONTH, billed: 70 });
    expect(await ledger.month(MONTH)).toStrictEqual({ used: 70, reserved: 40 });
  });

  it('keeps a renewed lease, and releases every hold of an owner that shuts down', async () => {
    const ledger = (await open(make)).accountLedger();
    await ledger.reserve(req('a', 30, 100, 150));
    await ledger.reserve(req('b', 10, 100, 60_000));
    await ledger.renew('a', 60_000);
    await sleep(300);
    expect(await ledger.reclaim()).toBe(0);
    await ledger.release('a');
    expect(await ledger.month(MONTH)).toStrictEqual({ used: 0, reserved: 10 });
  });
});

/** A ledger whose calls can be made to fail or to hang. */
function controlled(inner: AccountLedger): AccountLedger & { mode: 'ok' | 'fail' | 'hang' } {
  const c = {
    mode: 'ok' as 'ok' | 'fail' | 'hang',
    reserve: (r: ReserveRequest) => {
      if (c.mode === 'fail') return Promise.reject(new Error('connection refused'));
      if (c.mode === 'hang') return sleep(100).then(() => inner.reserve(r));
      return inner.reserve(r);
    },
    settle: inner.settle.bind(inner),
    renew: inner.renew.bind(inner),
    reclaim: inner.reclaim.bind(inner),
    release: inner.release.bind(inner),
    month: inner.month.bind(inner),
    catchUp: inner.catchUp.bind(inner),
  };
  return c;
}

describe('AccountBudget', () => {
  it('reserves a text by its length, one more per wide (CJK) character', () => {
    expect(reservationFor(['Hello there.', ' Bye'])).toBe(16);
    expect(reservationFor(['你好, hi'])).toBe(8);
    expect(reservationFor(['こんにちは', '안녕'])).toBe(14);
  });

  it('refuses a text that would pass the cap, settles each reservation once, and learns when MiniMax bills more', async () => {
    const store = await open(() => Promise.resolve(new MemoryStore()));
    const budget = new AccountBudget({ cap: 100, ledger: store.accountLedger(), now: () => Date.parse('2025-03-05T00:00:00Z') });
    const first = await budget.admit(['x'.repeat(40)]);
    expect(first.ok).toBe(true);
    const refused = await budget.admit(['y'.repeat(61)]);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error).toBeInstanceOf(AccountBudgetError);
    expect(!refused.ok && refused.error.reason).toBe('spent');
    expect(!refused.ok && refused.error.message).toContain('over all servers, has too little left for this text (40/100)');
    if (!first.ok) throw new Error('unreachable');
    // MiniMax billed 50 for 40 characters: counted as billed, and later texts are reserved at 1.25 per character.
    first.settle(50);
    first.settle(50);
    await sleep(0);
    expect(await budget.refresh()).toStrictEqual({ used: 50, reserved: 0, cap: 100 });
    const second = await budget.admit(['z'.repeat(40)]);
    expect(second.ok).toBe(true);
    expect(budget.usage()).toStrictEqual({ used: 50, reserved: 50, cap: 100 });
    expect(budget.epoch).toBe(1);
    const full = await budget.admit(['!']);
    expect(!full.ok && full.error.message).toContain('over all servers, is spent (100/100); see /usage');
  });

  it('refuses texts while the database fails or does not answer in time, and gives a late reservation back', async () => {
    const store = await open(() => Promise.resolve(new MemoryStore()));
    const ledger = controlled(store.accountLedger());
    const errors: string[] = [];
    const budget = new AccountBudget({ cap: 100, ledger, deadlineMs: 20, onError: (_e, op) => errors.push(op), onRecovered: () => errors.push('back') });
    ledger.mode = 'fail';
    const failed = await budget.admit(['abc']);
    expect(!failed.ok && failed.error.reason).toBe('unavailable');
    expect(!failed.ok && failed.error.message).toContain('cannot be reached');
    ledger.mode = 'hang';
    const late = await budget.admit(['abcdef']);
    expect(!late.ok && late.error.reason).toBe('unavailable');
    // Told once for the outage, not once per call.
    expect(errors).toStrictEqual(['reserve']);
    await sleep(200);
    expect(await ledger.month(utcMonth())).toStrictEqual({ used: 0, reserved: 0 });
    ledger.mode = 'ok';
    expect((await budget.admit(['abc'])).ok).toBe(true);
    expect(errors).toStrictEqual(['reserve', 'back']);
  });

  it('counts what was billed while the cap was off when it starts again, and a new month from its own usage', async () => {
    const store = await open(() => Promise.resolve(new MemoryStore()));
    let now = Date.parse('2025-03-05T00:00:00Z');
    const clock = () => now;
    const first = new AccountBudget({ cap: 100, ledger: store.accountLedger(), now: clock });
    await first.start();
    const text = await first.admit(['x'.repeat(40)]);
    if (!text.ok) throw text.error;
    text.settle(40);
    store.addUsage('g1', 40, new Date(now));
    await first.close();
    store.addUsage('g1', 50, new Date(now)); // the owner took the cap off for a while
    const again = new AccountBudget({ cap: 100, ledger: store.accountLedger(), now: clock, renewMs: 10 });
    await again.start();
    expect(again.usage()).toStrictEqual({ used: 90, reserved: 0, cap: 100 });
    expect((await again.admit(['y'.repeat(11)])).ok).toBe(false);
    expect((await again.admit(['y'.repeat(10)])).ok).toBe(true);
    // The month turns while it runs: the next tick makes April's row from April's usage.
    now = Date.parse('2025-04-01T00:00:05Z');
    store.addUsage('g2', 25, new Date(now));
    await expect.poll(() => store.accountLedger().month('2025-04')).toStrictEqual({ used: 25, reserved: 0 });
    await again.close();
  });

  it('releases what it still holds when it closes', async () => {
    const store = await open(() => Promise.resolve(new MemoryStore()));
    const budget = new AccountBudget({ cap: 100, ledger: store.accountLedger() });
    await budget.start();
    const held = await budget.admit(['abcdefghij']);
    expect(held.ok).toBe(true);
    expect((await budget.refresh()).reserved).toBe(10);
    await budget.close();
    expect(await store.accountLedger().month(utcMonth())).toStrictEqual({ used: 0, reserved: 0 });
  });
});

function utcMonth(): string {
  return new Date().toISOString().slice(0, 7);
}
