/**
 * ResilientStore over a real SqliteStore whose database fails for real: locked by another connection (SQLITE_BUSY,
 * on and off on demand) or opened read-only (SQLITE_READONLY).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { describeFaultCause, faultCause } from '../../src/store/faultCause.js';
import { ResilientStore, type ResilientStoreOptions, type StoreFault } from '../../src/store/ResilientStore.js';
import { SQLITE_FILENAME, SqliteStore, openSqliteStore } from '../../src/store/SqliteStore.js';
import { until } from '../faults/helpers.js';
import { makeTempDir, removeTempDir } from './tempDir.js';

const G = '111111111111111111';
const AT = new Date('2026-03-14T10:00:00Z');

let dir: string;
const open: { close(): void }[] = [];
function track<T extends { close(): void }>(handle: T): T {
  open.push(handle);
  return handle;
}

beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  for (const handle of open.splice(0).reverse()) handle.close();
  await removeTempDir(dir);
});

interface Told {
  faults: StoreFault[];
  recovered: { cause: string; savedChars: number }[];
  late: { op: string; detail: Record<string, unknown> }[];
  unsaved: { guildId: string; day: string; chars: number }[][];
}

function resilient(inner: SqliteStore, options: ResilientStoreOptions = {}): { store: ResilientStore; told: Told } {
  const told: Told = { faults: [], recovered: [], late: [], unsaved: [] };
  const store = track(
    new ResilientStore(inner, {
      onFault: (f) => told.faults.push(f),
      onRecovered: (r) => told.recovered.push(r),
      onLateWrite: (op, detail) => told.late.push({ op, detail }),
      onUnsaved: (u) => told.unsaved.push(u),
      retryMs: 20,
      ...options,
    }),
  );
  return { store, told };
}

/** A second connection that holds the write lock while `locked` (WAL: the bot's reads go on, its writes fail). */
function locker(): { lock(): void; unlock(): void; usage(): number } {
  const db = track(new Database(join(dir, SQLITE_FILENAME)));
  return {
    lock: () => db.exec('BEGIN EXCLUSIVE'),
    unlock: () => db.exec('COMMIT'),
    usage: () => (db.prepare('SELECT COALESCE(SUM(chars), 0) AS n FROM usage_days').get() as { n: number }).n,
  };
}

/** What another process would read from the file: the usage actually written. */
function usageOnDisk(): number {
  const db = new Database(join(dir, SQLITE_FILENAME), { readonly: true });
  try {
    return (db.prepare('SELECT COALESCE(SUM(chars), 0) AS n FROM usage_days').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('ResilientStore over a locked database', () => {
  it('keeps usage it cannot write, counts it in getUsage, reports the cause once, and writes it exactly once when the lock goes', async () => {
    const other = locker();
    const { store, told } = resilient(openSqliteStore({ dataDir: dir, busyTimeoutMs: 10 }));
    store.addUsage(G, 7, AT);
    other.lock();
    for (const chars of [10, 20, 30]) expect(() => store.addUsage(G, chars, AT)).not.toThrow();
    expect(other.usage()).toBe(7);
    expect(told.faults.map((f) => [f.op, f.cause])).toEqual([['addUsage', 'SQLITE_BUSY']]);
    expect(store.health()).toMatchObject({ ok: false, cause: 'SQLITE_BUSY', reason: 'the database is locked by another program', unsavedChars: 60 });
    // Budgets hold while the database fails: the kept usage is counted.
    expect(store.getUsage(G, AT)).toEqual({ day: 67, month: 67 });

    other.unlock();
    await until(() => store.health().ok, 5_000, 'the retry to write the kept usage');
    expect(told.recovered).toEqual([{ cause: 'SQLITE_BUSY', savedChars: 60 }]);
    expect(usageOnDisk()).toBe(67);
    expect(store.getUsage(G, AT)).toEqual({ day: 67, month: 67 });
    store.addUsage(G, 3, AT);
    expect(usageOnDisk()).toBe(70);
    expect(told.faults).toHaveLength(1);
  });

  it('writes kept usage at close() when the database works again by then', () => {
    const other = locker();
    const { store, told } = resilient(openSqliteStore({ dataDir: dir, busyTimeoutMs: 10 }), { retryMs: 60_000 });
    other.lock();
    store.addUsage(G, 42, AT);
    other.unlock();
    store.close();
    expect(told.unsaved).toEqual([]);
    expect(usageOnDisk()).toBe(42);
  });

  it('a member-asked write fails as StoreError("unavailable") with the cause in plain words; the bot\'s own writes do not throw', () => {
    const other = locker();
    const { store, told } = resilient(openSqliteStore({ dataDir: dir, busyTimeoutMs: 10 }));
    other.lock();
    let thrown: unknown;
    try {
      store.updateGuildSettings(G, { allowSpecialMarkup: true });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StoreError);
    expect(thrown).toMatchObject({ code: 'unavailable', retryable: true, message: 'The change could not be saved: the database is locked by another program' });
    expect(() => store.setActiveSession(G, { voiceChannelId: '222222222222222222' })).not.toThrow();
    expect(() => store.setPlayoutDelay(300)).not.toThrow();
    expect(store.clearActiveSession(G)).toBe(false);
    expect(store.pruneUsage(AT)).toBe(0);
    // Reads go on (WAL): the settings are the stored ones.
    expect(store.getGuildSettings(G).allowSpecialMarkup).toBe(false);
    expect(told.faults).toHaveLength(1);
  });

  it('gives a pool voice while the database is locked, keeps it for the member, and lists it with the stored ones', () => {
    const other = locker();
    const { store, told } = resilient(openSqliteStore({ dataDir: dir, busyTimeoutMs: 10 }));
    expect(store.assignPoolVoice(G, 'u1', 'English_CalmWoman')).toBe('English_CalmWoman');
    other.lock();
    expect(store.assignPoolVoice(G, 'u2', 'English_Comedian')).toBe('English_Comedian');
    expect(store.assignPoolVoice(G, 'u2', 'English_Debator')).toBe('English_Comedian');
    expect(told.faults).toHaveLength(1);
    expect(store.getPoolVoices(G)).toStrictEqual({ u1: 'English_CalmWoman', u2: 'English_Comedian' });
    other.unlock();
    // Saved now, as the voice the member was heard with.
    expect(store.assignPoolVoice(G, 'u2', 'English_Debator')).toBe('English_Comedian');
    expect(track(openSqliteStore({ dataDir: dir })).getPoolVoices(G)).toStrictEqual({ u1: 'English_CalmWoman', u2: 'English_Comedian' });
  });
});

describe('ResilientStore keeping pending items while the database is locked', () => {
  const item = (n: number) => ({ key: `life/${n}`, guildId: G, channelId: 'c1', authorId: `u${n % 2}`, enqueuedAt: 1000 + n });

  it('does not throw nor wait on the lock per item, lists what it holds, never writes an item finished meanwhile, and writes the rest once the lock goes', async () => {
    const other = locker();
    const inner = openSqliteStore({ dataDir: dir, busyTimeoutMs: 10 });
    let attempts = 0;
    const add = inner.addPendingItem.bind(inner);
    inner.addPendingItem = (i) => {
      attempts++;
      add(i);
    };
    const { store, told } = resilient(inner);
    store.addPendingItem(item(1));
    other.lock();
    for (const n of [2, 3, 4, 5]) expect(() => store.addPendingItem(item(n))).not.toThrow();
    expect(() => store.removePendingItem('life/1')).not.toThrow();
    store.removePendingItem('life/3');
    // One attempt met the lock; the others were held without waiting on it.
    expect(attempts).toBe(2);
    expect(told.faults.map((f) => [f.op, f.cause])).toEqual([['addPendingItem', 'SQLITE_BUSY']]);
    expect(store.listPendingItems(G).map((i) => i.key)).toStrictEqual(['life/2', 'life/4', 'life/5']);

    other.unlock();
    await until(() => store.health().ok, 5_000, 'the retry to write the held pending items');
    expect(track(openSqliteStore({ dataDir: dir })).listPendingItems(G).map((i) => i.key)).toStrictEqual(['life/2', 'life/4', 'life/5']);
    // life/3 was added and finished while held: never written.
    expect(attempts).toBe(5);
  });
});

describe('ResilientStore over a database that fails part way through writing the kept usage', () => {
  /** A real SqliteStore whose usage writes for the days in `fullOn` fail as on a full disk. */
  function fullOnDays(inner: SqliteStore, fullOn: Set<string>): SqliteStore {
    const addUsage = inner.addUsage.bind(inner);
    inner.addUsage = (guildId, chars, at) => {
      if (fullOn.has(at.toISOString().slice(0, 10))) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      addUsage(guildId, chars, at);
    };
    return inner;
  }

  it('writes each kept day once: a day written before the failure is not written again', () => {
    const fullOn = new Set(['2026-03-13', '2026-03-14']);
    const { store, told } = resilient(fullOnDays(openSqliteStore({ dataDir: dir }), fullOn), { retryMs: 60_000 });
    store.addUsage(G, 11, new Date('2026-03-13T10:00:00Z'));
    store.addUsage(G, 22, AT);
    expect(usageOnDisk()).toBe(0);
    fullOn.delete('2026-03-13');
    expect(store.flush()).toBe(false);
    expect(usageOnDisk()).toBe(11);
    expect(store.health()).toMatchObject({ ok: false, unsavedChars: 22 });
    fullOn.clear();
    expect(store.flush()).toBe(true);
    expect(usageOnDisk()).toBe(33);
    expect(told.faults.map((f) => f.cause)).toEqual(['SQLITE_FULL']);
    expect(told.recovered).toEqual([{ cause: 'SQLITE_FULL', savedChars: 22 }]);
  });
});

describe('ResilientStore over a read-only SQLite file', () => {
  function readOnlyStore(): SqliteStore {
    const writable = openSqliteStore({ dataDir: dir });
    writable.updateGuildSettings(G, { autoread: { maxLength: 123 } });
    writable.addUsage(G, 5, AT);
    writable.close();
    return new SqliteStore(new Database(join(dir, SQLITE_FILENAME), { readonly: true }));
  }

  it('reads what is stored, keeps usage without throwing, reports SQLITE_READONLY once, and hands the unsaved usage over at close', () => {
    const { store, told } = resilient(readOnlyStore());
    expect(store.getGuildSettings(G).autoread.maxLength).toBe(123);
    for (let i = 0; i < 5; i++) expect(() => store.addUsage(G, 10, AT)).not.toThrow();
    expect(store.getUsage(G, AT)).toEqual({ day: 55, month: 55 });
    expect(told.faults.map((f) => f.cause)).toEqual(['SQLITE_READONLY']);
    expect(store.health()).toMatchObject({ ok: false, reason: 'the database file is read-only', unsavedChars: 50 });
    expect(() => store.updateGuildSettings(G, { allowSpecialMarkup: true })).toThrow('the database file is read-only');
    expect(told.faults).toHaveLength(1);
    store.close();
    expect(told.unsaved).toEqual([[{ guildId: G, day: '2026-03-14', chars: 50 }]]);
    expect(usageOnDisk()).toBe(5);
  });
});

describe('ResilientStore after close()', () => {
  it('a late usage write is neither thrown nor lost silently: it is told to onLateWrite with the guild and the characters', () => {
    const { store, told } = resilient(openSqliteStore({ dataDir: dir }));
    store.addUsage(G, 4, AT);
    store.close();
    expect(() => store.addUsage(G, 9, AT)).not.toThrow();
    expect(() => store.setActiveSession(G, { voiceChannelId: '222222222222222222' })).not.toThrow();
    expect(told.late).toEqual([
      { op: 'addUsage', detail: { guild: G, chars: 9 } },
      { op: 'setActiveSession', detail: {} },
    ]);
    expect(usageOnDisk()).toBe(4);
  });
});

describe('faultCause', () => {
  it('keys SQLite errors by their family, anything else by its name, and says each in plain words', () => {
    expect(faultCause(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }))).toBe('SQLITE_IOERR');
    expect(faultCause(Object.assign(new Error('x'), { code: 'SQLITE_NOTADB' }))).toBe('SQLITE_NOTADB');
    expect(faultCause(new TypeError('boom'))).toBe('TypeError');
    expect(faultCause('a string')).toBe('unknown');
    expect(describeFaultCause('SQLITE_IOERR')).toBe('the disk reported an input/output error');
    expect(describeFaultCause('SQLITE_NOTADB')).toBe('the database failed (SQLITE_NOTADB)');
  });
});
