import { describe, expect, it } from 'vitest';
import { ConfigError, loadBotConfig, loadDiscordConfig, loadMiniMaxConfig, secretsOf } from '../src/config.js';

const base = { DISCORD_TOKEN: 'discord-token-value', MINIMAX_API_KEY: 'minimax-key-value' };

describe('loadBotConfig', () => {
  it('fills defaults when only the required variables are set', () => {
    const c = loadBotConfig(base);
    expect(c.minimax.region).toBe('global');
    expect(c.minimax.wsUrl).toBeUndefined();
    expect(c.minimax.tasksPerGuild).toBe(2);
    expect(c.playoutDelayMs).toBeNull();
    expect(c.dataDir).toBe('./data');
    expect(c.defaultModel).toBe('speech-2.8-turbo');
    expect(c.leaveEmptyAfterMs).toBe(30_000);
    expect(c.budget).toEqual({ dailyChars: null, monthlyChars: null });
    expect(c.audio.format).toBe('mp3');
    expect(c.audio.decoder).toBe('wasm');
    expect(c.audio.opusComplexity).toBe(5);
    expect(c.audio.opusComplexityUnderLoad).toBe(4);
    expect(c.audio.workers).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    ['DISCORD_TOKEN', { MINIMAX_API_KEY: 'k' }],
    ['MINIMAX_API_KEY', { DISCORD_TOKEN: 't' }],
  ])('names the missing required variable %s in one line', (name, env) => {
    expect(() => loadBotConfig(env)).toThrow(ConfigError);
    expect(() => loadBotConfig(env)).toThrow(new RegExp(`^${name} is not set`));
  });

  it.each([
    ['MINIMAX_REGION', 'mars', /MINIMAX_REGION must be one of global, us-west, cn/],
    ['MINIMAX_WS_URL', 'http://x', /MINIMAX_WS_URL must start with ws: or wss:/],
    ['MINIMAX_TASKS_PER_GUILD', '0', /MINIMAX_TASKS_PER_GUILD must be a whole number from 1 to 4/],
    ['PLAYOUT_DELAY_MS', 'soon', /PLAYOUT_DELAY_MS must be auto or a whole number of milliseconds from 0 to 200/],
    ['DISCORD_API_URL', 'not a url', /DISCORD_API_URL must be a URL/],
    ['LEAVE_EMPTY_AFTER_SECONDS', '-1', /LEAVE_EMPTY_AFTER_SECONDS must be a whole number from 0 to 86400/],
    ['QUEUE_MAX_PER_USER', '2.5', /QUEUE_MAX_PER_USER must be a whole number/],
    ['DEFAULT_MODEL', 'speech-9', /DEFAULT_MODEL must be one of/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['AUDIO_DECODER', 'mp3', /AUDIO_DECODER must be one of wasm, ffmpeg/],
    ['AUDIO_FORMAT', 'ogg', /AUDIO_FORMAT must be one of mp3, opus/],
    ['AUDIO_OPUS_COMPLEXITY', '11', /AUDIO_OPUS_COMPLEXITY must be a whole number from 0 to 10/],
    ['AUDIO_OPUS_COMPLEXITY_UNDER_LOAD', '-1', /AUDIO_OPUS_COMPLEXITY_UNDER_LOAD must be a whole number from 0 to 10/],
    ['AUDIO_OPUS_COMPLEXITY_UNDER_LOAD', '6', /AUDIO_OPUS_COMPLEXITY_UNDER_LOAD must not be above AUDIO_OPUS_COMPLEXITY \(5\); set it to 5 to never lower it \(got "6"\)/],
    ['AUDIO_OPUS_BITRATE', '96', /AUDIO_OPUS_BITRATE must be channel or bits per second from 8000 to 510000, e.g. 96000 \(got "96"\)/],
    ['AUDIO_OPUS_BITRATE', 'auto', /AUDIO_OPUS_BITRATE must be channel or bits per second/],
    ['AUDIO_WORKERS', 'many', /AUDIO_WORKERS must be a whole number from 0 to 16/],
  ])('rejects a bad %s with a message saying what it accepts', (key, value, message) => {
    expect(() => loadBotConfig({ ...base, [key]: value })).toThrow(message);
  });

  it('never puts a secret into a configuration error', () => {
    try {
      loadBotConfig({ ...base, MINIMAX_REGION: 'nowhere' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain(base.DISCORD_TOKEN);
      expect(String(error)).not.toContain(base.MINIMAX_API_KEY);
    }
  });

  it('reads budgets, URLs and the region', () => {
    const c = loadBotConfig({ ...base, BUDGET_DAILY_CHARS: '1000', MINIMAX_REGION: 'us-west', MINIMAX_WS_URL: 'ws://127.0.0.1:9/ws/', DISCORD_API_URL: 'http://127.0.0.1:8/api' });
    expect(c.budget.dailyChars).toBe(1000);
    expect(c.budget.monthlyChars).toBeNull();
    expect(c.minimax.region).toBe('us-west');
    expect(c.minimax.wsUrl).toBe('ws://127.0.0.1:9/ws');
    expect(c.discordApiUrl).toBe('http://127.0.0.1:8/api');
    expect(loadBotConfig({ ...base, AUDIO_OPUS_COMPLEXITY: '10' }).audio.opusComplexity).toBe(10);
    // The complexity under load: 4 by default, never above the normal one, and anything from 0 up to it.
    expect(loadBotConfig({ ...base, AUDIO_OPUS_COMPLEXITY: '10' }).audio.opusComplexityUnderLoad).toBe(4);
    expect(loadBotConfig({ ...base, AUDIO_OPUS_COMPLEXITY: '2' }).audio.opusComplexityUnderLoad).toBe(2);
    expect(loadBotConfig({ ...base, AUDIO_OPUS_COMPLEXITY_UNDER_LOAD: '5' }).audio.opusComplexityUnderLoad).toBe(5);
    expect(loadBotConfig({ ...base, AUDIO_OPUS_COMPLEXITY: '10', AUDIO_OPUS_COMPLEXITY_UNDER_LOAD: '0' }).audio.opusComplexityUnderLoad).toBe(0);
    expect(loadBotConfig({ ...base, AUDIO_WORKERS: '0' }).audio.workers).toBe(0);
    expect(c.audio.opusBitrate).toBe('channel');
    expect(loadBotConfig({ ...base, AUDIO_OPUS_BITRATE: 'Channel' }).audio.opusBitrate).toBe('channel');
    expect(loadBotConfig({ ...base, AUDIO_OPUS_BITRATE: '128000' }).audio.opusBitrate).toBe(128_000);
    expect(loadBotConfig({ ...base, MINIMAX_TASKS_PER_GUILD: '1' }).minimax.tasksPerGuild).toBe(1);
    expect(loadBotConfig({ ...base, PLAYOUT_DELAY_MS: '60' }).playoutDelayMs).toBe(60);
    expect(loadBotConfig({ ...base, PLAYOUT_DELAY_MS: 'auto' }).playoutDelayMs).toBeNull();
    expect(secretsOf(c)).toEqual([base.DISCORD_TOKEN, base.MINIMAX_API_KEY]);
  });
});

describe('AUTOREAD', () => {
  it('is on unless set off, and refuses anything else naming the variable', () => {
    expect(loadBotConfig(base).autoRead).toBe(true);
    expect(loadBotConfig({ ...base, AUTOREAD: 'off' }).autoRead).toBe(false);
    expect(() => loadBotConfig({ ...base, AUTOREAD: 'no' })).toThrow(new ConfigError('AUTOREAD must be one of on, off (got "no")'));
  });
});

describe('loadDiscordConfig', () => {
  it('needs only the token (deploy-commands never calls MiniMax)', () => {
    expect(loadDiscordConfig({ DISCORD_TOKEN: 't', COMMAND_GUILD_ID: '123456789012345678' })).toEqual({
      discordToken: 't',
      discordApiUrl: undefined,
      commandGuildId: '123456789012345678',
    });
    expect(() => loadDiscordConfig({ MINIMAX_API_KEY: 'k' })).toThrow(/^DISCORD_TOKEN is not set/);
  });
});

describe('loadMiniMaxConfig', () => {
  it('needs only the key (the CLI has no Discord token)', () => {
    expect(loadMiniMaxConfig({ MINIMAX_API_KEY: 'k' }).apiKey).toBe('k');
  });
});

describe('scaling settings', () => {
  it('defaults to SQLite, automatic shard count, every shard, no account cap', () => {
    const c = loadBotConfig(base);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.shards).toEqual({ count: 'auto', ids: null, managed: null });
    expect(c.accountMonthlyChars).toBeNull();
  });

  it('reads DATABASE_URL, shard ranges and the account cap', () => {
    const c = loadBotConfig({
      ...base,
      DATABASE_URL: 'postgres://parrot:s3cr%40t@db.internal:5432/parrot',
      SHARD_COUNT: '8',
      SHARD_IDS: '0-2, 5',
      BUDGET_ACCOUNT_MONTHLY_CHARS: '5000000',
    });
    expect(c.databaseUrl).toBe('postgres://parrot:s3cr%40t@db.internal:5432/parrot');
    expect(c.shards).toEqual({ count: 8, ids: [0, 1, 2, 5], managed: null });
    expect(c.accountMonthlyChars).toBe(5_000_000);
    // The logger redacts the database password, as written in the URL and decoded.
    expect(secretsOf(c)).toEqual([base.DISCORD_TOKEN, base.MINIMAX_API_KEY, 's3cr@t', 's3cr%40t']);
    expect(loadBotConfig({ ...base, SHARD_COUNT: 'auto', SHARD_IDS: '3' }).shards).toEqual({ count: 'auto', ids: [3], managed: null });
  });

  it('refuses a bad DATABASE_URL without echoing it, and shards outside the count', () => {
    for (const bad of ['mysql://u:hunter2@db/x', 'hunter2', 'postgres://']) {
      const error = (() => {
        try {
          loadBotConfig({ ...base, DATABASE_URL: bad });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^DATABASE_URL must be a URL like postgres:/);
      expect((error as Error).message).not.toContain('hunter2');
    }
    expect(() => loadBotConfig({ ...base, SHARD_COUNT: '2', SHARD_IDS: '0-2' })).toThrow(/SHARD_IDS .* below SHARD_COUNT \(2\)/);
    expect(() => loadBotConfig({ ...base, SHARD_IDS: '3-1' })).toThrow(ConfigError);
    expect(() => loadBotConfig({ ...base, SHARD_IDS: 'one' })).toThrow(ConfigError);
    expect(() => loadBotConfig({ ...base, SHARD_COUNT: '0' })).toThrow(/SHARD_COUNT/);
  });
});

describe('a shard process', () => {
  it('takes its shard and the count from the ShardingManager that started it', () => {
    const c = loadBotConfig({ ...base, SHARDING_MANAGER: 'true', SHARDS: '1', SHARD_COUNT: '2' });
    expect(c.shards).toEqual({ count: 2, ids: null, managed: { ids: [1], count: 2 } });
    expect(loadBotConfig(base).shards.managed).toBeNull();
    expect(() => loadBotConfig({ ...base, SHARDING_MANAGER: 'true', SHARDS: '2', SHARD_COUNT: '2' })).toThrow(/start Parrot with npm start/);
    expect(() => loadBotConfig({ ...base, SHARDING_MANAGER: 'true', SHARDS: 'x', SHARD_COUNT: '2' })).toThrow(ConfigError);
  });

  it('serves metrics on HTTP_PORT + 1 + its shard id, so shard processes sharing one environment do not fight for a port', () => {
    const shard = { ...base, SHARDING_MANAGER: 'true', SHARDS: '1', SHARD_COUNT: '2' };
    expect(loadBotConfig({ ...shard, HTTP_PORT: '9400' }).http).toEqual({ host: '127.0.0.1', port: 9402 });
    expect(loadBotConfig({ ...base, HTTP_PORT: '9400' }).http).toEqual({ host: '127.0.0.1', port: 9400 });
    expect(loadBotConfig({ ...shard, HTTP_PORT: '0' }).http).toEqual({ host: '127.0.0.1', port: 0 });
    expect(() => loadBotConfig({ ...shard, HTTP_PORT: '65535' })).toThrow(/HTTP_PORT 65535 leaves no port for shard 1/);
  });
});
