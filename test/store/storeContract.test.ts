import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { ResilientStore } from '../../src/store/ResilientStore.js';
import { DEFAULT_GUILD_SETTINGS } from '../../src/store/settings.js';
import { PgStore, openPgStore } from '../../src/store/PgStore.js';
import { openSqliteStore } from '../../src/store/SqliteStore.js';
import type { GuildSettingsPatch, OwnedVoice, PendingConsent, Store, VoiceProfilePatch } from '../../src/store/types.js';
import { startPgServer, type PgServer } from './pgServer.js';
import { makeTempDir, removeTempDir } from './tempDir.js';

interface Harness {
  store: Store;
  /** Persistent stores: closes the store (its writes done) and opens the same database again. */
  reopen?: () => Promise<Store>;
  cleanup(): Promise<void>;
}

/** One real PostgreSQL server for the file (a fresh database per test), started on first use. */
let pgServer: Promise<PgServer> | undefined;
afterAll(async () => {
  if (pgServer) await (await pgServer).destroy();
});

const implementations: { name: string; open: () => Promise<Harness> }[] = [
  {
    name: 'MemoryStore',
    open: () => {
      const store = new MemoryStore();
      return Promise.resolve({ store, cleanup: () => Promise.resolve(store.close()) });
    },
  },
  {
    name: 'SqliteStore',
    open: async () => {
      const dir = await makeTempDir();
      let store = openSqliteStore({ dataDir: dir });
      return {
        store,
        reopen: () => {
          store.close();
          store = openSqliteStore({ dataDir: dir });
          return Promise.resolve(store);
        },
        cleanup: async () => {
          store.close();
          await removeTempDir(dir);
        },
      };
    },
  },
  {
    name: 'PgStore',
    open: async () => {
      pgServer ??= startPgServer();
      const url = await (await pgServer).createDatabase();
      let store = await openPgStore({ url });
      return {
        store,
        reopen: async () => {
          await store.end();
          store = await openPgStore({ url });
          return store;
        },
        cleanup: () => store.end(),
      };
    },
  },
];

function expectStoreError(action: () => unknown, code: StoreError['code']): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(StoreError);
  expect((thrown as StoreError).code).toBe(code);
}

function expectInvalid(action: () => unknown): void {
  expectStoreError(action, 'invalid_value');
}

describe.each(implementations)('$name', ({ open }) => {
  let harness: Harness;
  let store: Store;

  beforeEach(async () => {
    harness = await open();
    store = harness.store;
  });

  afterEach(async () => {
    await harness.cleanup();
  });

  describe('guild settings', () => {
    it('returns the defaults for a guild never written to', () => {
      expect(store.getGuildSettings('g1')).toStrictEqual({
        voice: {},
        autoread: {
          channelId: null,
          xsaid: true,
          requireVoice: true,
          readBots: false,
          autojoin: false,
          maxLength: 300,
          skipEmoji: false,
          textInVoice: true,
          ignorePrefix: null,
        },
        budget: { dailyChars: null, monthlyChars: null },
        allowSpecialMarkup: false,
        voicing: { detectLanguage: true, languageVoices: {}, pool: false, expressive: false },
        allowVoiceCloning: false,
      });
      expect(store.getGuildSettings('g1')).toStrictEqual(DEFAULT_GUILD_SETTINGS);
    });

    it('merges a nested patch into the defaults and returns what get returns afterwards', () => {
      const updated = store.updateGuildSettings('g1', { autoread: { xsaid: false } });
      expect(updated.autoread).toStrictEqual({ ...DEFAULT_GUILD_SETTINGS.autoread, xsaid: false });
      expect(store.getGuildSettings('g1')).toStrictEqual(updated);
      expect(store.getGuildSettings('g2')).toStrictEqual(DEFAULT_GUILD_SETTINGS);
    });

    it('keeps earlier fields when later patches touch other fields of the same section', () => {
      store.updateGuildSettings('g1', { voice: { speed: 1.5, model: 'speech-02-hd' }, autoread: { channelId: 'c1' } });
      store.updateGuildSettings('g1', { voice: { pitch: -2 }, autoread: { maxLength: 500 }, budget: { dailyChars: 1000 } });
      store.updateGuildSettings('g1', { allowVoiceCloning: true });
      const settings = store.updateGuildSettings('g1', { allowSpecialMarkup: true, budget: { monthlyChars: 20_000 } });
      expect(settings).toStrictEqual({
        voice: { speed: 1.5, model: 'speech-02-hd', pitch: -2 },
        autoread: { ...DEFAULT_GUILD_SETTINGS.autoread, channelId: 'c1', maxLength: 500 },
        budget: { dailyChars: 1000, monthlyChars: 20_000 },
        allowSpecialMarkup: true,
        voicing: DEFAULT_GUILD_SETTINGS.voicing,
        allowVoiceCloning: true,
      });
      expect(store.getGuildSettings('g1')).toStrictEqual(settings);
    });

    it('clears a voice field set to null, and sets nullable settings back to null', () => {
      store.updateGuildSettings('g1', {
        voice: { emotion: 'happy', voiceId: 'v1' },
        autoread: { channelId: 'c1' },
        budget: { dailyChars: 10 },
      });
      const settings = store.updateGuildSettings('g1', {
        voice: { emotion: null },
        autoread: { channelId: null },
        budget: { dailyChars: null },
      });
      expect(settings.voice).toStrictEqual({ voiceId: 'v1' });
      expect(settings.autoread.channelId).toBeNull();
      expect(settings.budget.dailyChars).toBeNull();
    });

    it('resets the server voice without touching the other settings', () => {
      store.updateGuildSettings('g1', { voice: { voiceId: 'v1', speed: 2 }, autoread: { readBots: true } });
      const settings = store.resetGuildVoice('g1');
      expect(settings.voice).toStrictEqual({});
      expect(settings.autoread.readBots).toBe(true);
      expect(store.getGuildSettings('g1')).toStrictEqual(settings);
    });

    it('returns copies: changing a returned object does not change the store', () => {
      const settings = store.updateGuildSettings('g1', { voice: { speed: 1.2 } });
      settings.voice.speed = 0.5;
      settings.autoread.xsaid = false;
      store.getGuildSettings('g1').budget.dailyChars = 5;
      expect(store.getGuildSettings('g1')).toStrictEqual({ ...DEFAULT_GUILD_SETTINGS, voice: { speed: 1.2 } });
    });

    it.each<[string, unknown]>([
      ['a string speed', { voice: { speed: 'fast' } }],
      ['a NaN volume', { voice: { volume: Number.NaN } }],
      ['a fractional pitch', { voice: { pitch: 1.5 } }],
      ['an unknown model', { voice: { model: 'speech-99' } }],
      ['an unknown emotion', { voice: { emotion: 'bored' } }],
      ['an unknown language boost', { voice: { languageBoost: 'Klingon' } }],
      ['an empty voice id', { voice: { voiceId: '' } }],
      ['an unknown voice field', { voice: { timbre: 3 } }],
      ['a string boolean', { autoread: { xsaid: 'no' } }],
      ['a zero maxLength', { autoread: { maxLength: 0 } }],
      ['a string maxLength', { autoread: { maxLength: '300' } }],
      ['an empty ignorePrefix', { autoread: { ignorePrefix: '' } }],
      ['a numeric ignorePrefix', { autoread: { ignorePrefix: 5 } }],
      ['an empty channel id', { autoread: { channelId: '' } }],
      ['null for a non-nullable autoread field', { autoread: { autojoin: null } }],
      ['a negative budget', { budget: { dailyChars: -1 } }],
      ['a fractional budget', { budget: { monthlyChars: 2.5 } }],
      ['a non-boolean markup flag', { allowSpecialMarkup: 'yes' }],
      ['a non-boolean cloning flag', { allowVoiceCloning: 1 }],
      ['an unknown section', { colour: 'blue' }],
      ['a section that is not an object', { autoread: true }],
      ['a patch that is not an object', null],
    ])('refuses %s and leaves the settings unchanged', (_label, patch) => {
      store.updateGuildSettings('g1', { voice: { speed: 1.1 } });
      expectInvalid(() => store.updateGuildSettings('g1', patch as GuildSettingsPatch));
      expect(store.getGuildSettings('g1')).toStrictEqual({ ...DEFAULT_GUILD_SETTINGS, voice: { speed: 1.1 } });
    });

    it('ignores undefined values in a patch', () => {
      store.updateGuildSettings('g1', { voice: { speed: 1.1 } });
      const patch = { voice: { speed: undefined }, autoread: { xsaid: undefined } } as unknown as GuildSettingsPatch;
      expect(store.updateGuildSettings('g1', patch)).toStrictEqual({ ...DEFAULT_GUILD_SETTINGS, voice: { speed: 1.1 } });
    });

    it('refuses ids that are not non-empty strings', () => {
      expectInvalid(() => store.getGuildSettings(''));
      expectInvalid(() => store.getGuildSettings(42 as unknown as string));
      expectInvalid(() => store.getMemberVoice('g1', ''));
    });
  });

  describe('member voices', () => {
    it('returns an empty profile for a member who set nothing', () => {
      expect(store.getMemberVoice('g1', 'u1')).toStrictEqual({});
    });

    it('merges patches per guild and member', () => {
      store.setMemberVoice('g1', 'u1', { voiceId: 'v1' });
      expect(store.setMemberVoice('g1', 'u1', { speed: 0.8, languageBoost: 'Korean' })).toStrictEqual({
        voiceId: 'v1',
        speed: 0.8,
        languageBoost: 'Korean',
      });
      store.setMemberVoice('g1', 'u2', { pitch: 3 });
      store.setMemberVoice('g2', 'u1', { volume: 5 });
      expect(store.getMemberVoice('g1', 'u1')).toStrictEqual({ voiceId: 'v1', speed: 0.8, languageBoost: 'Korean' });
      expect(store.getMemberVoice('g1', 'u2')).toStrictEqual({ pitch: 3 });
      expect(store.getMemberVoice('g2', 'u1')).toStrictEqual({ volume: 5 });
    });

    it('clears fields set to null and forgets a profile emptied that way', () => {
      store.setMemberVoice('g1', 'u1', { voiceId: 'v1', emotion: 'sad' });
      expect(store.setMemberVoice('g1', 'u1', { emotion: null })).toStrictEqual({ voiceId: 'v1' });
      expect(store.setMemberVoice('g1', 'u1', { voiceId: null })).toStrictEqual({});
      expect(store.resetMemberVoice('g1', 'u1')).toBe(false);
    });

    it('resets a member and reports whether there was anything to reset', () => {
      store.setMemberVoice('g1', 'u1', { speed: 1.3 });
      store.setMemberVoice('g1', 'u2', { speed: 1.4 });
      expect(store.resetMemberVoice('g1', 'u1')).toBe(true);
      expect(store.resetMemberVoice('g1', 'u1')).toBe(false);
      expect(store.getMemberVoice('g1', 'u1')).toStrictEqual({});
      expect(store.getMemberVoice('g1', 'u2')).toStrictEqual({ speed: 1.4 });
    });

    it('refuses values of the wrong type and keeps the profile', () => {
      store.setMemberVoice('g1', 'u1', { speed: 1.3 });
      expectInvalid(() => store.setMemberVoice('g1', 'u1', { speed: '2' } as unknown as VoiceProfilePatch));
      expectInvalid(() => store.setMemberVoice('g1', 'u1', { model: 'nope' } as unknown as VoiceProfilePatch));
      expectInvalid(() => store.setMemberVoice('g1', 'u1', [] as unknown as VoiceProfilePatch));
      expect(store.getMemberVoice('g1', 'u1')).toStrictEqual({ speed: 1.3 });
    });
  });

  describe('dictionary', () => {
    const limits = { maxEntries: 3 };

    it('lists entries in the order they were added', () => {
      expect(store.listDictionary('g1')).toStrictEqual([]);
      expect(store.addDictionaryEntry('g1', { from: 'brb', to: 'be right back' }, limits)).toStrictEqual({ ok: true, replaced: false });
      store.addDictionaryEntry('g1', { from: 'afk', to: 'away' }, limits);
      store.addDictionaryEntry('g2', { from: 'gg', to: 'good game' }, limits);
      expect(store.listDictionary('g1')).toStrictEqual([
        { from: 'brb', to: 'be right back' },
        { from: 'afk', to: 'away' },
      ]);
      expect(store.listDictionary('g2')).toStrictEqual([{ from: 'gg', to: 'good game' }]);
    });

    it('treats from as case-insensitive: adding BRB replaces brb in place', () => {
      store.addDictionaryEntry('g1', { from: 'brb', to: 'be right back' }, limits);
      store.addDictionaryEntry('g1', { from: 'afk', to: 'away' }, limits);
      expect(store.addDictionaryEntry('g1', { from: 'BRB', to: 'back soon' }, limits)).toStrictEqual({ ok: true, replaced: true });
      expect(store.listDictionary('g1')).toStrictEqual([
        { from: 'BRB', to: 'back soon' },
        { from: 'afk', to: 'away' },
      ]);
    });

    it('refuses a new entry once the cap is reached but still allows replacing one', () => {
      for (const from of ['a', 'b', 'c']) expect(store.addDictionaryEntry('g1', { from, to: from.repeat(2) }, limits).ok).toBe(true);
      expect(store.addDictionaryEntry('g1', { from: 'd', to: 'dd' }, limits)).toStrictEqual({ ok: false, reason: 'full' });
      expect(store.addDictionaryEntry('g1', { from: 'B', to: 'bee' }, limits)).toStrictEqual({ ok: true, replaced: true });
      expect(store.addDictionaryEntry('g2', { from: 'd', to: 'dd' }, limits).ok).toBe(true);
      expect(store.listDictionary('g1')).toHaveLength(3);
      expect(store.addDictionaryEntry('g3', { from: 'x', to: 'y' }, { maxEntries: 0 })).toStrictEqual({ ok: false, reason: 'full' });
    });

    it('refuses a blank from', () => {
      expect(store.addDictionaryEntry('g1', { from: '  ', to: 'x' }, limits)).toStrictEqual({ ok: false, reason: 'empty_from' });
      expect(store.listDictionary('g1')).toStrictEqual([]);
    });

    it('allows an empty replacement (deleting a word when read)', () => {
      expect(store.addDictionaryEntry('g1', { from: 'um', to: '' }, limits).ok).toBe(true);
      expect(store.listDictionary('g1')).toStrictEqual([{ from: 'um', to: '' }]);
    });

    it('removes case-insensitively and reports whether the entry existed', () => {
      store.addDictionaryEntry('g1', { from: 'Brb', to: 'be right back' }, limits);
      store.addDictionaryEntry('g2', { from: 'brb', to: 'be right back' }, limits);
      expect(store.removeDictionaryEntry('g1', 'bRB')).toBe(true);
      expect(store.removeDictionaryEntry('g1', 'brb')).toBe(false);
      expect(store.listDictionary('g1')).toStrictEqual([]);
      expect(store.listDictionary('g2')).toHaveLength(1);
    });

    it('refuses entries and limits of the wrong type', () => {
      expectInvalid(() => store.addDictionaryEntry('g1', { from: 1, to: 'x' } as unknown as { from: string; to: string }, limits));
      expectInvalid(() => store.addDictionaryEntry('g1', { from: 'a', to: null } as unknown as { from: string; to: string }, limits));
      expectInvalid(() => store.addDictionaryEntry('g1', { from: 'a', to: 'b' }, { maxEntries: -1 }));
      expectInvalid(() => store.removeDictionaryEntry('g1', undefined as unknown as string));
    });
  });

  describe('usage', () => {
    it('adds characters within a UTC day', () => {
      const at = new Date('2025-03-10T08:00:00Z');
      store.addUsage('g1', 100, at);
      store.addUsage('g1', 50, new Date('2025-03-10T23:00:00Z'));
      store.addUsage('g2', 7, at);
      expect(store.getUsage('g1', at)).toStrictEqual({ day: 150, month: 150 });
      expect(store.getUsage('g2', at)).toStrictEqual({ day: 7, month: 7 });
      expect(store.getUsage('g3', at)).toStrictEqual({ day: 0, month: 0 });
    });

    it('starts a new day at 00:00 UTC and keeps counting the month', () => {
      store.addUsage('g1', 100, new Date('2025-03-10T23:59:59.999Z'));
      store.addUsage('g1', 30, new Date('2025-03-11T00:00:00.000Z'));
      expect(store.getUsage('g1', new Date('2025-03-10T12:00:00Z'))).toStrictEqual({ day: 100, month: 130 });
      expect(store.getUsage('g1', new Date('2025-03-11T12:00:00Z'))).toStrictEqual({ day: 30, month: 130 });
    });

    it('uses the UTC date even where a local time zone would put the instant on another day', () => {
      // 23:30 in UTC-05:00 on the 10th is 04:30 UTC on the 11th.
      store.addUsage('g1', 40, new Date('2025-03-10T23:30:00-05:00'));
      expect(store.getUsage('g1', new Date('2025-03-11T00:00:00Z'))).toStrictEqual({ day: 40, month: 40 });
      expect(store.getUsage('g1', new Date('2025-03-10T23:00:00Z'))).toStrictEqual({ day: 0, month: 40 });
    });

    it('starts a new month on the 1st at 00:00 UTC, including across a year', () => {
      store.addUsage('g1', 10, new Date('2025-01-30T10:00:00Z'));
      store.addUsage('g1', 20, new Date('2025-01-31T23:59:59Z'));
      store.addUsage('g1', 5, new Date('2025-02-01T00:00:00Z'));
      expect(store.getUsage('g1', new Date('2025-01-31T12:00:00Z'))).toStrictEqual({ day: 20, month: 30 });
      expect(store.getUsage('g1', new Date('2025-02-01T12:00:00Z'))).toStrictEqual({ day: 5, month: 5 });
      expect(store.getUsage('g1', new Date('2025-02-28T12:00:00Z'))).toStrictEqual({ day: 0, month: 5 });

      store.addUsage('g2', 11, new Date('2024-12-31T23:00:00Z'));
      store.addUsage('g2', 13, new Date('2025-01-01T01:00:00Z'));
      expect(store.getUsage('g2', new Date('2024-12-31T23:30:00Z'))).toStrictEqual({ day: 11, month: 11 });
      expect(store.getUsage('g2', new Date('2025-01-01T23:30:00Z'))).toStrictEqual({ day: 13, month: 13 });
    });

    it('counts zero as nothing and refuses negative, fractional or non-numeric counts and invalid dates', () => {
      const at = new Date('2025-03-10T08:00:00Z');
      store.addUsage('g1', 0, at);
      expect(store.getUsage('g1', at)).toStrictEqual({ day: 0, month: 0 });
      expectInvalid(() => store.addUsage('g1', -1, at));
      expectInvalid(() => store.addUsage('g1', 1.5, at));
      expectInvalid(() => store.addUsage('g1', '3' as unknown as number, at));
      expectInvalid(() => store.addUsage('g1', 3, new Date(Number.NaN)));
      expectInvalid(() => store.getUsage('g1', new Date('not a date')));
      expect(store.getUsage('g1', at)).toStrictEqual({ day: 0, month: 0 });
    });
  });

  describe('account-wide usage', () => {
    it('sums every guild over the UTC month of the instant asked about', async () => {
      store.addUsage('g1', 100, new Date('2025-03-10T08:00:00Z'));
      store.addUsage('g2', 20, new Date('2025-03-31T23:59:59Z'));
      store.addUsage('g3', 5, new Date('2025-04-01T00:00:00Z'));
      const total = async (at: Date): Promise<number> => {
        if (store instanceof PgStore) {
          await store.flushed();
          return store.accountMonthUsage(at);
        }
        return store.getAccountUsage!(at);
      };
      expect(await total(new Date('2025-03-15T00:00:00Z'))).toBe(120);
      expect(await total(new Date('2025-04-20T00:00:00Z'))).toBe(5);
      expect(await total(new Date('2025-05-01T00:00:00Z'))).toBe(0);
    });
  });

  describe('pruning usage', () => {
    it('forgets the days before a date, for every guild, and keeps the rest', () => {
      store.addUsage('g1', 10, new Date('2025-01-31T12:00:00Z'));
      store.addUsage('g1', 20, new Date('2025-02-01T00:00:00Z'));
      store.addUsage('g1', 30, new Date('2025-03-10T12:00:00Z'));
      store.addUsage('g2', 40, new Date('2024-12-31T23:59:59Z'));
      expect(store.pruneUsage(new Date('2025-02-01T08:00:00Z'))).toBe(2);
      expect(store.getUsage('g1', new Date('2025-01-31T12:00:00Z'))).toStrictEqual({ day: 0, month: 0 });
      expect(store.getUsage('g1', new Date('2025-02-01T12:00:00Z'))).toStrictEqual({ day: 20, month: 20 });
      expect(store.getUsage('g1', new Date('2025-03-10T12:00:00Z'))).toStrictEqual({ day: 30, month: 30 });
      expect(store.getUsage('g2', new Date('2024-12-31T12:00:00Z'))).toStrictEqual({ day: 0, month: 0 });
      expect(store.pruneUsage(new Date('2025-02-01T08:00:00Z'))).toBe(0);
      expectInvalid(() => store.pruneUsage(new Date(Number.NaN)));
    });
  });

  describe('active sessions', () => {
    it('records, replaces, lists and clears sessions', () => {
      expect(store.listActiveSessions()).toStrictEqual([]);
      store.setActiveSession('g2', { voiceChannelId: 'v2' });
      store.setActiveSession('g1', { voiceChannelId: 'v1', textChannelId: 't1' });
      store.setActiveSession('g2', { voiceChannelId: 'v3', textChannelId: 't3' });
      expect(store.listActiveSessions()).toStrictEqual([
        { guildId: 'g1', voiceChannelId: 'v1', textChannelId: 't1' },
        { guildId: 'g2', voiceChannelId: 'v3', textChannelId: 't3' },
      ]);
      store.setActiveSession('g2', { voiceChannelId: 'v4' });
      expect(store.clearActiveSession('g1')).toBe(true);
      expect(store.clearActiveSession('g1')).toBe(false);
      expect(store.listActiveSessions()).toStrictEqual([{ guildId: 'g2', voiceChannelId: 'v4' }]);
    });

    it('refuses sessions without a voice channel id', () => {
      expectInvalid(() => store.setActiveSession('g1', { voiceChannelId: '' }));
      expectInvalid(() => store.setActiveSession('g1', { voiceChannelId: 'v', textChannelId: 5 } as unknown as { voiceChannelId: string }));
      expect(store.listActiveSessions()).toStrictEqual([]);
    });
  });

  describe('learned playout delay', () => {
    it('is null until saved, then returns the latest value', () => {
      expect(store.getPlayoutDelay()).toBeNull();
      store.setPlayoutDelay(100);
      expect(store.getPlayoutDelay()).toBe(100);
      store.setPlayoutDelay(15);
      expect(store.getPlayoutDelay()).toBe(15);
    });

    it('refuses values that are not non-negative integers and keeps the saved one', () => {
      store.setPlayoutDelay(40);
      for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '100' as unknown as number]) expectInvalid(() => store.setPlayoutDelay(bad));
      expect(store.getPlayoutDelay()).toBe(40);
    });

    it('outlives deleteGuild: it belongs to the bot, not a guild', () => {
      store.setPlayoutDelay(60);
      store.deleteGuild('g1');
      expect(store.getPlayoutDelay()).toBe(60);
    });
  });

  describe('voicing settings', () => {
    it('saves the language voices as a whole and the switches one by one', () => {
      store.updateGuildSettings('g1', { voicing: { languageVoices: { Japanese: 'Japanese_KindLady', Korean: 'Korean_CalmLady' } } });
      store.updateGuildSettings('g1', { voicing: { pool: true } });
      const saved = store.updateGuildSettings('g1', { voicing: { languageVoices: { Japanese: 'Japanese_LoyalKnight' }, detectLanguage: false } });
      expect(saved.voicing).toStrictEqual({ detectLanguage: false, languageVoices: { Japanese: 'Japanese_LoyalKnight' }, pool: true, expressive: false });
      expect(store.getGuildSettings('g1')).toStrictEqual(saved);
    });

    it('refuses a language that is not a language_boost value, a bad voice id or a non-boolean switch', () => {
      expectInvalid(() => store.updateGuildSettings('g1', { voicing: { languageVoices: { Klingon: 'x' } as never } }));
      expectInvalid(() => store.updateGuildSettings('g1', { voicing: { languageVoices: { Japanese: '' } } }));
      expectInvalid(() => store.updateGuildSettings('g1', { voicing: { pool: 'yes' as never } }));
      expect(store.getGuildSettings('g1').voicing).toStrictEqual(DEFAULT_GUILD_SETTINGS.voicing);
    });
  });

  describe('pool voices', () => {
    it('gives a member a pool voice once and keeps it, per guild', () => {
      expect(store.getPoolVoices('g1')).toStrictEqual({});
      expect(store.assignPoolVoice('g1', 'u1', 'English_CalmWoman')).toBe('English_CalmWoman');
      expect(store.assignPoolVoice('g1', 'u1', 'English_Comedian')).toBe('English_CalmWoman');
      expect(store.assignPoolVoice('g1', 'u2', 'English_Comedian')).toBe('English_Comedian');
      expect(store.assignPoolVoice('g2', 'u1', 'English_Debator')).toBe('English_Debator');
      expect(store.getPoolVoices('g1')).toStrictEqual({ u1: 'English_CalmWoman', u2: 'English_Comedian' });
    });

    it('refuses empty ids', () => {
      expectInvalid(() => store.assignPoolVoice('g1', 'u1', ''));
      expectInvalid(() => store.assignPoolVoice('g1', '', 'English_CalmWoman'));
      expect(store.getPoolVoices('g1')).toStrictEqual({});
    });
  });

  describe('deleteGuild', () => {
    it('forgets the pool voices of the guild only', () => {
      store.assignPoolVoice('g1', 'u1', 'English_CalmWoman');
      store.assignPoolVoice('g2', 'u1', 'English_CalmWoman');
      store.deleteGuild('g1');
      expect(store.getPoolVoices('g1')).toStrictEqual({});
      expect(store.getPoolVoices('g2')).toStrictEqual({ u1: 'English_CalmWoman' });
    });

    it('forgets the guild except its usage, and leaves other guilds alone', () => {
      const at = new Date('2025-03-10T08:00:00Z');
      for (const guild of ['g1', 'g2']) {
        store.updateGuildSettings(guild, { autoread: { channelId: 'c' } });
        store.setMemberVoice(guild, 'u1', { speed: 1.5 });
        store.addDictionaryEntry(guild, { from: 'a', to: 'b' }, { maxEntries: 5 });
        store.addUsage(guild, 12, at);
        store.setActiveSession(guild, { voiceChannelId: 'v' });
      }
      store.deleteGuild('g1');
      expect(store.getGuildSettings('g1')).toStrictEqual(DEFAULT_GUILD_SETTINGS);
      expect(store.getMemberVoice('g1', 'u1')).toStrictEqual({});
      expect(store.listDictionary('g1')).toStrictEqual([]);
      expect(store.getUsage('g1', at)).toStrictEqual({ day: 12, month: 12 });
      expect(store.listActiveSessions()).toStrictEqual([{ guildId: 'g2', voiceChannelId: 'v' }]);
      expect(store.getGuildSettings('g2').autoread.channelId).toBe('c');
      expect(store.getMemberVoice('g2', 'u1')).toStrictEqual({ speed: 1.5 });
      expect(store.listDictionary('g2')).toHaveLength(1);
    });
  });

  pendingItemContract(() => store);
  ownedVoiceContract(() => store);
  pendingConsentContract(() => store);

  describe('close', () => {
    it('is idempotent and makes every later call throw StoreError("closed")', () => {
      store.close();
      store.close();
      const calls: (() => unknown)[] = [
        () => store.getGuildSettings('g1'),
        () => store.updateGuildSettings('g1', {}),
        () => store.setMemberVoice('g1', 'u1', {}),
        () => store.listDictionary('g1'),
        () => store.addUsage('g1', 1, new Date()),
        () => store.pruneUsage(new Date()),
        () => store.listActiveSessions(),
        () => store.getPlayoutDelay(),
        () => store.setPlayoutDelay(15),
        () => store.getOwnedVoice('v'),
        () => store.addVoiceDesign('g1', new Date()),
        () => store.getPendingConsent('t'),
        () => store.addPendingItem({ key: 'k', guildId: 'g1', channelId: 'c', authorId: 'u', enqueuedAt: 1 }),
        () => store.listPendingItems('g1'),
      ];
      for (const call of calls) expectStoreError(call, 'closed');
    });
  });
});

describe.each(implementations.filter((i) => i.name !== 'MemoryStore'))('$name after a restart', ({ open }) => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await open();
  });

  afterEach(async () => {
    await harness.cleanup();
  });

  it('has every setting, voice, dictionary entry, usage count, session, pool voice, owned voice, design count and the playout delay it was given', async () => {
    const store = harness.store;
    const at = new Date();
    store.updateGuildSettings('g1', { voice: { speed: 1.5 }, autoread: { channelId: 'c1', maxLength: 500 }, budget: { dailyChars: 99 } });
    store.setMemberVoice('g1', 'u1', { voiceId: 'v1', pitch: -3 });
    store.setMemberVoice('g1', 'u2', { speed: 2 });
    store.resetMemberVoice('g1', 'u2');
    store.addDictionaryEntry('g1', { from: 'brb', to: 'be right back' }, { maxEntries: 5 });
    store.addDictionaryEntry('g1', { from: 'afk', to: 'away' }, { maxEntries: 5 });
    store.addDictionaryEntry('g1', { from: 'BRB', to: 'back soon' }, { maxEntries: 5 });
    store.addDictionaryEntry('g1', { from: 'x', to: 'y' }, { maxEntries: 5 });
    store.removeDictionaryEntry('g1', 'X');
    store.addUsage('g1', 40, at);
    store.addUsage('g1', 2, at);
    store.addUsage('g2', 7, at);
    store.setActiveSession('g1', { voiceChannelId: 'v1', textChannelId: 't1' });
    store.setActiveSession('g2', { voiceChannelId: 'v2' });
    store.clearActiveSession('g2');
    store.setPlayoutDelay(80);
    store.updateGuildSettings('g1', { voicing: { detectLanguage: false, languageVoices: { Japanese: 'Japanese_KindLady' }, pool: true } });
    store.assignPoolVoice('g1', 'u1', 'English_CalmWoman');
    store.assignPoolVoice('g1', 'u1', 'English_Comedian');
    store.assignPoolVoice('g1', 'u3', 'English_Comedian');
    store.updateGuildSettings('g3', { allowSpecialMarkup: true });
    store.assignPoolVoice('g3', 'u1', 'English_CalmWoman');
    store.deleteGuild('g3');
    const owned = { kind: 'designed', guildId: 'g1', userId: 'u1', description: 'a warm narrator', createdAt: 1000, lastUsedAt: null } as const;
    store.saveOwnedVoice({ ...owned, voiceId: 'ttv-voice-1' });
    store.saveOwnedVoice({ ...owned, voiceId: 'ttv-voice-2', kind: 'cloned', description: 'me.wav', createdAt: 2000 });
    store.saveOwnedVoice({ ...owned, voiceId: 'ttv-voice-3' });
    store.touchOwnedVoice('ttv-voice-2', 1_700_000_000_123);
    store.deleteOwnedVoice('ttv-voice-3');
    store.addVoiceDesign('g1', at);
    store.addVoiceDesign('g1', at);
    store.addVoiceDesign('g2', at);

    const again = await harness.reopen!();
    expect(again.getGuildSettings('g1')).toStrictEqual({
      ...DEFAULT_GUILD_SETTINGS,
      voice: { speed: 1.5 },
      autoread: { ...DEFAULT_GUILD_SETTINGS.autoread, channelId: 'c1', maxLength: 500 },
      budget: { dailyChars: 99, monthlyChars: null },
      voicing: { detectLanguage: false, languageVoices: { Japanese: 'Japanese_KindLady' }, pool: true, expressive: false },
    });
    expect(again.getPoolVoices('g1')).toStrictEqual({ u1: 'English_CalmWoman', u3: 'English_Comedian' });
    expect(again.getPoolVoices('g3')).toStrictEqual({});
    expect(again.listOwnedVoices('g1', 'u1')).toStrictEqual([
      { ...owned, voiceId: 'ttv-voice-1' },
      { ...owned, voiceId: 'ttv-voice-2', kind: 'cloned', description: 'me.wav', createdAt: 2000, lastUsedAt: 1_700_000_000_123 },
    ]);
    expect(again.getOwnedVoice('ttv-voice-3')).toBeNull();
    expect(again.getVoiceDesigns('g1', at)).toBe(2);
    expect(again.getVoiceDesigns('g2', at)).toBe(1);
    expect(again.getMemberVoice('g1', 'u1')).toStrictEqual({ voiceId: 'v1', pitch: -3 });
    expect(again.getMemberVoice('g1', 'u2')).toStrictEqual({});
    expect(again.listDictionary('g1')).toStrictEqual([
      { from: 'BRB', to: 'back soon' },
      { from: 'afk', to: 'away' },
    ]);
    expect(again.getUsage('g1', at)).toStrictEqual({ day: 42, month: 42 });
    expect(again.getUsage('g2', at)).toStrictEqual({ day: 7, month: 7 });
    expect(again.listActiveSessions()).toStrictEqual([{ guildId: 'g1', voiceChannelId: 'v1', textChannelId: 't1' }]);
    expect(again.getPlayoutDelay()).toBe(80);
    expect(again.getGuildSettings('g3')).toStrictEqual(DEFAULT_GUILD_SETTINGS);
  });

  it('has the pending items left when it stopped, and none that were finished, even one finished at once', async () => {
    const store = harness.store;
    const item = (key: string, guildId: string, enqueuedAt: number) => ({ key, guildId, channelId: 'c1', authorId: 'u1', enqueuedAt });
    for (let n = 0; n < 20; n++) store.addPendingItem(item(`life/${n}`, n % 2 === 0 ? 'g1' : 'g2', 1000 + n));
    // Finished at once (PostgreSQL: before its INSERT went out), and finished later.
    store.addPendingItem(item('life/quick', 'g1', 5));
    store.removePendingItem('life/quick');
    for (let n = 0; n < 20; n += 4) store.removePendingItem(`life/${n}`);
    store.addPendingItem(item('life/gone', 'g3', 1));
    store.deleteGuild('g3');

    const again = await harness.reopen!();
    expect(again.listPendingItems('g1').map((i) => i.key)).toStrictEqual(['life/2', 'life/6', 'life/10', 'life/14', 'life/18']);
    expect(again.listPendingItems('g2')).toHaveLength(10);
    expect(again.listPendingItems('g2')[0]).toStrictEqual(item('life/1', 'g2', 1001));
    expect(again.listPendingItems('g3')).toStrictEqual([]);
  });
});

function pendingItemContract(current: () => Store): void {
  describe('pending items', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });
    const item = (key: string, guildId: string, enqueuedAt: number, authorId = 'u1') => ({ key, guildId, channelId: `c-${guildId}`, authorId, enqueuedAt });

    it('keeps queued items per guild, oldest first, and forgets one when told, an unknown key being ignored', () => {
      expect(store.listPendingItems('g1')).toStrictEqual([]);
      store.addPendingItem(item('life/2', 'g1', 200, 'u2'));
      store.addPendingItem(item('life/1', 'g1', 100));
      store.addPendingItem(item('life/3', 'g2', 50));
      store.addPendingItem(item('life/0', 'g1', 200));
      expect(store.listPendingItems('g1')).toStrictEqual([item('life/1', 'g1', 100), item('life/0', 'g1', 200), item('life/2', 'g1', 200, 'u2')]);
      store.removePendingItem('life/1');
      store.removePendingItem('life/1');
      store.removePendingItem('never-added');
      expect(store.listPendingItems('g1').map((i) => i.key)).toStrictEqual(['life/0', 'life/2']);
      expect(store.listPendingItems('g2')).toStrictEqual([item('life/3', 'g2', 50)]);
    });

    it('keeps only who, where and when: extra fields given are not stored', () => {
      store.addPendingItem({ ...item('k', 'g1', 1), text: 'a secret' } as Parameters<Store['addPendingItem']>[0]);
      expect(store.listPendingItems('g1')).toStrictEqual([item('k', 'g1', 1)]);
    });

    it('refuses items with a missing id or a bad time', () => {
      expectInvalid(() => store.addPendingItem(item('', 'g1', 1)));
      expectInvalid(() => store.addPendingItem({ ...item('k', 'g1', 1), authorId: '' }));
      expectInvalid(() => store.addPendingItem(item('k', 'g1', -1)));
      expectInvalid(() => store.addPendingItem(item('k', 'g1', 1.5)));
      expectInvalid(() => store.removePendingItem(''));
      expect(store.listPendingItems('g1')).toStrictEqual([]);
    });

    it('are forgotten with their guild only', () => {
      store.addPendingItem(item('a', 'g1', 1));
      store.addPendingItem(item('b', 'g2', 1));
      store.deleteGuild('g1');
      expect(store.listPendingItems('g1')).toStrictEqual([]);
      expect(store.listPendingItems('g2')).toStrictEqual([item('b', 'g2', 1)]);
    });
  });
}

function ownedVoiceContract(current: () => Store): void {
  describe('owned voices (designed and cloned)', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });

    const voice = (over: Partial<OwnedVoice> = {}): OwnedVoice => ({
      voiceId: 'ttv-voice-1', kind: 'designed', guildId: 'g1', userId: 'u1', description: 'a warm narrator', createdAt: 1000, lastUsedAt: null, ...over,
    });

    it('saves, reads back, lists per member oldest first, notes use and forgets', () => {
      store.saveOwnedVoice(voice({ voiceId: 'b-voice', createdAt: 2000 }));
      store.saveOwnedVoice(voice({ voiceId: 'a-voice', kind: 'cloned', description: 'me.wav', createdAt: 3000 }));
      store.saveOwnedVoice(voice({ voiceId: 'other', userId: 'u2' }));
      store.saveOwnedVoice(voice({ voiceId: 'elsewhere', guildId: 'g2' }));
      expect(store.getOwnedVoice('a-voice')).toEqual(voice({ voiceId: 'a-voice', kind: 'cloned', description: 'me.wav', createdAt: 3000 }));
      expect(store.getOwnedVoice('nope')).toBeNull();
      expect(store.listOwnedVoices('g1', 'u1').map((v) => v.voiceId)).toEqual(['b-voice', 'a-voice']);
      // Every member's in the guild, oldest first (a voice id breaks a tie); never another guild's.
      expect(store.listOwnedVoices('g1').map((v) => v.voiceId)).toEqual(['other', 'b-voice', 'a-voice']);
      expect(store.listOwnedVoices('g2').map((v) => v.voiceId)).toEqual(['elsewhere']);
      store.touchOwnedVoice('a-voice', 9000);
      store.touchOwnedVoice('unknown', 9000);
      expect(store.getOwnedVoice('a-voice')?.lastUsedAt).toBe(9000);
      expect(store.deleteOwnedVoice('a-voice')).toBe(true);
      expect(store.deleteOwnedVoice('a-voice')).toBe(false);
      expect(store.getOwnedVoice('a-voice')).toBeNull();
    });

    it('finds a voice by id asynchronously: the one it holds, null for an unknown or forgotten one', async () => {
      store.saveOwnedVoice(voice({ voiceId: 'a-clone', kind: 'cloned', description: 'me.wav', createdAt: 3000 }));
      expect(await store.findOwnedVoice('a-clone')).toEqual(voice({ voiceId: 'a-clone', kind: 'cloned', description: 'me.wav', createdAt: 3000 }));
      expect(await store.findOwnedVoice('nope')).toBeNull();
      store.deleteOwnedVoice('a-clone');
      expect(await store.findOwnedVoice('a-clone')).toBeNull();
      await expect(store.findOwnedVoice('')).rejects.toThrow(StoreError);
    });

    it('refuses malformed voices', () => {
      expectInvalid(() => store.saveOwnedVoice(voice({ voiceId: '' })));
      expectInvalid(() => store.saveOwnedVoice(voice({ kind: 'stolen' as OwnedVoice['kind'] })));
      expectInvalid(() => store.saveOwnedVoice(voice({ createdAt: -1 })));
    });

    it('counts voice designs per guild and UTC month', () => {
      store.addVoiceDesign('g1', new Date('2026-03-31T23:59:00Z'));
      store.addVoiceDesign('g1', new Date('2026-04-01T00:00:00Z'));
      store.addVoiceDesign('g1', new Date('2026-04-20T10:00:00Z'));
      store.addVoiceDesign('g2', new Date('2026-04-20T10:00:00Z'));
      expect(store.getVoiceDesigns('g1', new Date('2026-03-15T00:00:00Z'))).toBe(1);
      expect(store.getVoiceDesigns('g1', new Date('2026-04-30T00:00:00Z'))).toBe(2);
      expect(store.getVoiceDesigns('g3', new Date('2026-04-30T00:00:00Z'))).toBe(0);
    });
  });
}

describe.each(implementations.filter((i) => i.name !== 'MemoryStore'))('$name pending consents after a restart', ({ open }) => {
  it('keeps a pending consent, and not the ones deleted, replaced or expired', async () => {
    const harness = await open();
    try {
      const store = harness.store;
      store.savePendingConsent(consent({ token: 'old', userId: 'u1', createdAt: 1000, expiresAt: 2000 }));
      store.savePendingConsent(consent({ token: 'bob', userId: 'u2', createdAt: 3000, expiresAt: 9000 }));
      store.savePendingConsent(consent({ token: 'gone', userId: 'u3', createdAt: 3000, expiresAt: 9000 }));
      store.deletePendingConsent('gone');
      store.savePendingConsent(consent({ token: 'new', userId: 'u1', createdAt: 3000, expiresAt: 9000 }));
      const again = await harness.reopen!();
      expect(again.getPendingConsent('new')).toStrictEqual(consent({ token: 'new', userId: 'u1', createdAt: 3000, expiresAt: 9000 }));
      expect(again.getPendingConsent('bob')?.userId).toBe('u2');
      expect(again.getPendingConsent('old')).toBeNull();
      expect(again.getPendingConsent('gone')).toBeNull();
    } finally {
      await harness.cleanup();
    }
  });
});

describe('ResilientStore over SqliteStore', () => {
  let harness: Harness;
  let store: Store;
  beforeEach(async () => {
    const dir = await makeTempDir();
    const inner = openSqliteStore({ dataDir: dir });
    const resilient = new ResilientStore(inner);
    harness = { store: resilient, cleanup: async () => { resilient.close(); await removeTempDir(dir); } };
    store = harness.store;
  });
  afterEach(async () => {
    await harness.cleanup();
  });
  ownedVoiceContract(() => store);
  pendingConsentContract(() => store);
  pendingItemContract(() => store);
});

function consent(over: Partial<PendingConsent> = {}): PendingConsent {
  return {
    token: 'tok-1', guildId: 'g1', userId: 'u1', sampleUrl: 'https://cdn.example/attachments/1/2/me.wav?ex=1&is=2&hm=3',
    filename: 'me.wav', contentType: 'audio/wav', size: 384_044, createdAt: 1000, expiresAt: 601_000, ...over,
  };
}

function pendingConsentContract(current: () => Store): void {
  describe('pending clone consents', () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });

    it('saves, reads back by token and forgets', () => {
      store.savePendingConsent(consent());
      expect(store.getPendingConsent('tok-1')).toStrictEqual(consent());
      expect(store.getPendingConsent('nope')).toBeNull();
      expect(store.deletePendingConsent('tok-1')).toBe(true);
      expect(store.deletePendingConsent('tok-1')).toBe(false);
      expect(store.getPendingConsent('tok-1')).toBeNull();
    });

    it("keeps one per member and guild, and drops the ones expired when a new one is saved", () => {
      store.savePendingConsent(consent({ token: 'a', createdAt: 1000, expiresAt: 5000 }));
      store.savePendingConsent(consent({ token: 'other-guild', guildId: 'g2', createdAt: 1000, expiresAt: 5000 }));
      store.savePendingConsent(consent({ token: 'expired', userId: 'u9', createdAt: 100, expiresAt: 2000 }));
      store.savePendingConsent(consent({ token: 'b', createdAt: 3000, expiresAt: 8000 }));
      expect(store.getPendingConsent('a')).toBeNull();
      expect(store.getPendingConsent('expired')).toBeNull();
      expect(store.getPendingConsent('other-guild')?.guildId).toBe('g2');
      expect(store.getPendingConsent('b')?.createdAt).toBe(3000);
    });

    it('forgets the guild\'s pending consents with the guild', () => {
      store.savePendingConsent(consent({ token: 'here' }));
      store.savePendingConsent(consent({ token: 'there', guildId: 'g2' }));
      store.deleteGuild('g1');
      expect(store.getPendingConsent('here')).toBeNull();
      expect(store.getPendingConsent('there')?.guildId).toBe('g2');
    });

    it('refuses malformed consents', () => {
      expectInvalid(() => store.savePendingConsent(consent({ token: '' })));
      expectInvalid(() => store.savePendingConsent(consent({ sampleUrl: '' })));
      expectInvalid(() => store.savePendingConsent(consent({ sampleUrl: 'x'.repeat(3000) })));
      expectInvalid(() => store.savePendingConsent(consent({ expiresAt: -1 })));
      expectInvalid(() => store.getPendingConsent(''));
    });
  });
}
