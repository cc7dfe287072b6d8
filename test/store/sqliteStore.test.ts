import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { MIGRATIONS, migrate, type Migration } from '../../src/store/migrations.js';
import { DEFAULT_GUILD_SETTINGS } from '../../src/store/settings.js';
import { SQLITE_FILENAME, openSqliteStore, type InvalidDataEvent } from '../../src/store/SqliteStore.js';
import { makeTempDir, removeTempDir } from './tempDir.js';

let dir: string;
const open: { close(): void }[] = [];

/** Tracks what a test opens so afterEach closes it even when the test fails midway. */
function track<T extends { close(): void }>(handle: T): T {
  open.push(handle);
  return handle;
}

function rawDb(): Database.Database {
  return track(new Database(join(dir, SQLITE_FILENAME)));
}

function storeErrorOf(action: () => unknown): StoreError {
  try {
    action();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a StoreError, nothing was thrown');
}

beforeEach(async () => {
  dir = await makeTempDir();
});

afterEach(async () => {
  for (const handle of open.splice(0)) handle.close();
  await removeTempDir(dir);
});

describe('openSqliteStore', () => {
  it('creates the data directory and parrot.sqlite in WAL mode', () => {
    const dataDir = join(dir, 'nested', 'data');
    track(openSqliteStore({ dataDir }));
    expect(existsSync(join(dataDir, SQLITE_FILENAME))).toBe(true);
    const raw = track(new Database(join(dataDir, SQLITE_FILENAME)));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  });

  it('opens an in-memory database', () => {
    const store = track(openSqliteStore({ filename: ':memory:' }));
    expect(store.updateGuildSettings('g1', { autoread: { autojoin: true } }).autoread.autojoin).toBe(true);
  });

  it('brings back everything written after a close and reopen', () => {
    const at = new Date('2025-06-15T12:00:00Z');
    const first = openSqliteStore({ dataDir: dir });
    first.updateGuildSettings('g1', {
      voice: { voiceId: 'v1', model: 'speech-2.6-hd', speed: 1.25, volume: 2, pitch: -1, emotion: 'calm', languageBoost: 'auto' },
      autoread: { channelId: 'c1', xsaid: false, maxLength: 120, textInVoice: false, ignorePrefix: ';' },
      budget: { dailyChars: 5000, monthlyChars: null },
      allowSpecialMarkup: true,
    });
    first.setMemberVoice('g1', 'u1', { voiceId: 'mine', speed: 0.75 });
    first.addDictionaryEntry('g1', { from: 'brb', to: 'be right back' }, { maxEntries: 10 });
    first.addDictionaryEntry('g1', { from: 'GG', to: 'good game' }, { maxEntries: 10 });
    first.addUsage('g1', 321, at);
    first.addUsage('g1', 9, new Date('2025-06-01T00:00:00Z'));
    first.setActiveSession('g1', { voiceChannelId: 'vc1', textChannelId: 'tc1' });
    first.setActiveSession('g2', { voiceChannelId: 'vc2' });
    first.setPlayoutDelay(100);
    const settings = first.getGuildSettings('g1');
    expect(settings.autoread.ignorePrefix).toBe(';');
    first.close();

    const second = track(openSqliteStore({ dataDir: dir }));
    expect(second.getGuildSettings('g1')).toStrictEqual(settings);
    expect(second.getMemberVoice('g1', 'u1')).toStrictEqual({ voiceId: 'mine', speed: 0.75 });
    expect(second.listDictionary('g1')).toStrictEqual([
      { from: 'brb', to: 'be right back' },
      { from: 'GG', to: 'good game' },
    ]);
    expect(second.addDictionaryEntry('g1', { from: 'gg', to: 'gee gee' }, { maxEntries: 10 })).toStrictEqual({ ok: true, replaced: true });
    expect(second.getUsage('g1', at)).toStrictEqual({ day: 321, month: 330 });
    expect(second.listActiveSessions()).toStrictEqual([
      { guildId: 'g1', voiceChannelId: 'vc1', textChannelId: 'tc1' },
      { guildId: 'g2', voiceChannelId: 'vc2' },
    ]);
    expect(second.getPlayoutDelay()).toBe(100);
  });
});

describe('migrations', () => {
  it('sets user_version and is a no-op when run again', () => {
    openSqliteStore({ dataDir: dir }).close();
    openSqliteStore({ dataDir: dir }).close();
    const raw = rawDb();
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(migrate(raw)).toStrictEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length });
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toStrictEqual(['account_holds', 'account_months', 'active_sessions', 'bot_state', 'dictionary_entries', 'guild_settings', 'member_voices', 'owned_voices', 'pending_consents', 'pending_items', 'pool_voices', 'usage_days', 'voice_designs']);
  });

  it('upgrades a database of the first schema and keeps what it held', () => {
    const first = rawDb();
    migrate(first, MIGRATIONS.slice(0, 1));
    first.prepare('INSERT INTO active_sessions (guild_id, voice_channel_id, text_channel_id) VALUES (?, ?, ?)').run('g1', 'vc1', null);
    first.close();
    const store = track(openSqliteStore({ dataDir: dir }));
    expect(store.listActiveSessions()).toStrictEqual([{ guildId: 'g1', voiceChannelId: 'vc1' }]);
    expect(store.getPlayoutDelay()).toBeNull();
    store.setPlayoutDelay(35);
    expect(store.getPlayoutDelay()).toBe(35);
    expect(rawDb().pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  });

  it('upgrades a database made at every earlier version (pool voices at 3, owned voices at 4) and keeps its rows', async () => {
    for (let version = 1; version < MIGRATIONS.length; version++) {
      const at = await makeTempDir();
      try {
        const raw = new Database(join(at, SQLITE_FILENAME));
        migrate(raw, MIGRATIONS.slice(0, version));
        raw.prepare('INSERT INTO guild_settings (guild_id, data) VALUES (?, ?)').run('g1', '{"allowSpecialMarkup":true}');
        if (version >= 3) raw.prepare('INSERT INTO pool_voices (guild_id, user_id, voice_id) VALUES (?, ?, ?)').run('g1', 'u1', 'English_CalmWoman');
        raw.close();
        const store = openSqliteStore({ dataDir: at });
        try {
          expect(store.getGuildSettings('g1').allowSpecialMarkup).toBe(true);
          // A member given a pool voice before the upgrade keeps it.
          expect(store.assignPoolVoice('g1', 'u1', 'English_Comedian')).toBe(version >= 3 ? 'English_CalmWoman' : 'English_Comedian');
          store.saveOwnedVoice({ voiceId: 'ttv-1', kind: 'designed', guildId: 'g1', userId: 'u1', description: 'd', createdAt: 1, lastUsedAt: null });
          store.addVoiceDesign('g1', new Date());
          expect(store.getOwnedVoice('ttv-1')?.kind).toBe('designed');
          expect(store.getVoiceDesigns('g1', new Date())).toBe(1);
        } finally {
          store.close();
        }
        const check = new Database(join(at, SQLITE_FILENAME));
        expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
        check.close();
      } finally {
        await removeTempDir(at);
      }
    }
  });

  it('rolls every pending migration back when one fails', () => {
    const raw = track(new Database(':memory:'));
    const migrations: Migration[] = [
      { version: 1, description: 'ok', up: (db) => db.exec('CREATE TABLE a (x)') },
      {
        version: 2,
        description: 'fails',
        up: () => {
          throw new Error('boom');
        },
      },
    ];
    expect(() => migrate(raw, migrations)).toThrow('boom');
    expect(raw.pragma('user_version', { simple: true })).toBe(0);
    expect(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'a'").pluck().get()).toBe(0);
  });

  it('runs only the migrations newer than the database', () => {
    const raw = track(new Database(':memory:'));
    const ran: number[] = [];
    const migrations: Migration[] = [1, 2, 3].map((version) => ({ version, description: `m${version}`, up: () => ran.push(version) }));
    expect(migrate(raw, migrations.slice(0, 1))).toStrictEqual({ from: 0, to: 1 });
    expect(migrate(raw, migrations)).toStrictEqual({ from: 1, to: 3 });
    expect(ran).toStrictEqual([1, 2, 3]);
  });

  it('refuses migrations that are not numbered 1, 2, 3, ...', () => {
    const raw = track(new Database(':memory:'));
    const error = storeErrorOf(() => migrate(raw, [{ version: 2, description: 'gap', up: () => undefined }]));
    expect(error.code).toBe('open_failed');
  });

  it('refuses a database written by a newer version and leaves it untouched', () => {
    openSqliteStore({ dataDir: dir }).close();
    rawDb().pragma('user_version = 99');
    const error = storeErrorOf(() => openSqliteStore({ dataDir: dir }));
    expect(error.code).toBe('newer_schema');
    expect(error.message).toMatch(/schema version 99.*newer/);
    expect(rawDb().pragma('user_version', { simple: true })).toBe(99);
  });

  it('reports a file that is not a database as open_failed', async () => {
    await writeFile(join(dir, SQLITE_FILENAME), 'this is not an SQLite database, just some text that is long enough');
    const error = storeErrorOf(() => openSqliteStore({ dataDir: dir }));
    expect(error.code).toBe('open_failed');
    expect(error.cause).toBeInstanceOf(Error);
  });
});

describe('invalid data on disk', () => {
  it('reads corrupt or mistyped rows as defaults, keeps the valid fields and reports what it dropped', () => {
    const events: InvalidDataEvent[] = [];
    openSqliteStore({ dataDir: dir }).close();
    const raw = rawDb();
    const putGuild = raw.prepare('INSERT INTO guild_settings (guild_id, data) VALUES (?, ?)');
    putGuild.run('corrupt', '{"voice": {"speed": 1.5');
    putGuild.run('notAnObject', '[1, 2, 3]');
    putGuild.run('blob', Buffer.from('{}'));
    putGuild.run(
      'mixed',
      JSON.stringify({
        voice: { speed: 'fast', pitch: 1.5, voiceId: 'kept', model: 'speech-99', emotion: 'happy' },
        autoread: { xsaid: 'no', maxLength: 42, channelId: 7, readBots: true, unknown: 1 },
        budget: 5,
        allowSpecialMarkup: 'yes',
        extra: { nested: true },
      }),
    );
    const putMember = raw.prepare('INSERT INTO member_voices (guild_id, user_id, data) VALUES (?, ?, ?)');
    putMember.run('g1', 'garbage', 'not json at all');
    putMember.run('g1', 'mixed', '{"speed": 0.9, "volume": "loud", "languageBoost": "Elvish", "__proto__": {"x": 1}}');
    const putEntry = raw.prepare('INSERT INTO dictionary_entries (guild_id, from_key, from_text, to_text) VALUES (?, ?, ?, ?)');
    putEntry.run('g1', 'good', 'good', 'fine');
    putEntry.run('g1', 'blob', Buffer.from('blob'), 'x');
    putEntry.run('g1', 'blank', '   ', 'x');
    const putUsage = raw.prepare('INSERT INTO usage_days (guild_id, day, chars) VALUES (?, ?, ?)');
    putUsage.run('g1', '2025-06-14', 100);
    putUsage.run('g1', '2025-06-15', 'lots');
    putUsage.run('g1', '2025-06-13', -50);
    const putSession = raw.prepare('INSERT INTO active_sessions (guild_id, voice_channel_id, text_channel_id) VALUES (?, ?, ?)');
    putSession.run('g1', 'vc1', Buffer.from('t'));
    putSession.run('g2', '', null);
    raw.prepare('INSERT INTO bot_state (name, value) VALUES (?, ?)').run('playout_delay_ms', '"slow"');

    const store = track(openSqliteStore({ dataDir: dir, onInvalidData: (event) => events.push(event) }));
    expect(store.getGuildSettings('corrupt')).toStrictEqual(DEFAULT_GUILD_SETTINGS);
    expect(store.getGuildSettings('notAnObject')).toStrictEqual(DEFAULT_GUILD_SETTINGS);
    expect(store.getGuildSettings('blob')).toStrictEqual(DEFAULT_GUILD_SETTINGS);
    expect(store.getGuildSettings('mixed')).toStrictEqual({
      voice: { voiceId: 'kept', emotion: 'happy' },
      autoread: { ...DEFAULT_GUILD_SETTINGS.autoread, maxLength: 42, readBots: true },
      budget: DEFAULT_GUILD_SETTINGS.budget,
      allowSpecialMarkup: false,
      voicing: DEFAULT_GUILD_SETTINGS.voicing,
      allowVoiceCloning: false,
    });
    expect(store.getMemberVoice('g1', 'garbage')).toStrictEqual({});
    const member = store.getMemberVoice('g1', 'mixed');
    expect(member).toStrictEqual({ speed: 0.9 });
    expect(Object.getPrototypeOf(member)).toBe(Object.prototype);
    expect(store.listDictionary('g1')).toStrictEqual([{ from: 'good', to: 'fine' }]);
    expect(store.getUsage('g1', new Date('2025-06-15T10:00:00Z'))).toStrictEqual({ day: 0, month: 100 });
    expect(store.listActiveSessions()).toStrictEqual([{ guildId: 'g1', voiceChannelId: 'vc1' }]);
    expect(store.getPlayoutDelay()).toBeNull();

    expect(events).toContainEqual({ table: 'guild_settings', key: 'corrupt', fields: ['*'] });
    expect(events).toContainEqual({ table: 'guild_settings', key: 'notAnObject', fields: ['settings'] });
    const mixed = events.find((event) => event.key === 'mixed' && event.table === 'guild_settings');
    expect(mixed?.fields.sort()).toStrictEqual(
      [
        'extra',
        'voice.speed',
        'voice.pitch',
        'voice.model',
        'autoread.xsaid',
        'autoread.channelId',
        'autoread.unknown',
        'budget',
        'allowSpecialMarkup',
      ].sort(),
    );
    expect(events).toContainEqual({ table: 'member_voices', key: 'g1/garbage', fields: ['*'] });
    expect(events).toContainEqual({ table: 'usage_days', key: 'g1/2025-06-15', fields: ['chars'] });
    expect(events).toContainEqual({ table: 'active_sessions', key: 'g2', fields: ['*'] });
    expect(events).toContainEqual({ table: 'bot_state', key: 'playout_delay_ms', fields: ['*'] });
  });

  it('replaces a corrupt row on the next write', () => {
    openSqliteStore({ dataDir: dir }).close();
    const raw = rawDb();
    raw.prepare('INSERT INTO guild_settings (guild_id, data) VALUES (?, ?)').run('g1', '{{{');
    raw.prepare('INSERT INTO member_voices (guild_id, user_id, data) VALUES (?, ?, ?)').run('g1', 'u1', 'nope');
    const store = track(openSqliteStore({ dataDir: dir }));
    expect(store.updateGuildSettings('g1', { autoread: { skipEmoji: true } }).autoread.skipEmoji).toBe(true);
    expect(store.setMemberVoice('g1', 'u1', { pitch: 2 })).toStrictEqual({ pitch: 2 });
    const settingsJson = raw.prepare('SELECT data FROM guild_settings WHERE guild_id = ?').pluck().get('g1') as string;
    expect(JSON.parse(settingsJson)).toStrictEqual({ voice: {}, autoread: { skipEmoji: true }, budget: {}, voicing: {} });
  });

  it('works without an onInvalidData listener', () => {
    openSqliteStore({ dataDir: dir }).close();
    rawDb().prepare('INSERT INTO guild_settings (guild_id, data) VALUES (?, ?)').run('g1', 'not json');
    const store = track(openSqliteStore({ dataDir: dir }));
    expect(store.getGuildSettings('g1')).toStrictEqual(DEFAULT_GUILD_SETTINGS);
  });
});
