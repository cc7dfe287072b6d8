/**
 * The real bot against the fakes, with HTTP_PORT=0: what an operator's Prometheus and orchestrator see over HTTP
 * after real speech, a refused key and a closed database, and before the bot has logged in.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBotConfig } from '../../src/config.js';
import { startBot } from '../../src/index.js';
import { createLogger } from '../../src/log.js';
import { opt } from '../fakes/discord/index.js';
import { DISCORD_TOKEN, MINIMAX_KEY, startHarness, type Harness } from '../bot/harness.js';
import { freePort, get, sample, until } from './helpers.js';

describe('metrics and health over HTTP', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('after a /speak, /metrics counts it: played 1, the billed characters MiniMax counted, one time to first audio', async () => {
    const x = (h = await startHarness({ env: { HTTP_PORT: '0' } }));
    const base = x.bot.httpUrl;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get(`${base}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await get(`${base}/readyz`)).toMatchObject({ status: 200, body: 'ok\n' });
    expect((await get(`${base}/nothing-here`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST', signal: AbortSignal.timeout(5_000) })).status).toBe(405);

    const before = (await get(`${base}/metrics`)).body;
    expect(sample(before, 'parrot_items_total', { outcome: 'played' })).toBe(0);
    expect(sample(before, 'parrot_time_to_first_audio_seconds_count')).toBe(0);

    const text = 'Hello there, counting what this costs.';
    // A slow voice join: the time to first audio of a cold /speak counts from the command, the join inside it.
    x.discord.delayVoiceServer(800);
    await x.run({ command: 'speak', options: { text } });
    await x.discord.audio.waitForAudio({ minMs: 300 });
    const scraped = await until(async () => {
      const m = await get(`${base}/metrics`);
      if (sample(m.body, 'parrot_items_total', { outcome: 'played' }) !== 1) throw new Error(`not played yet:\n${m.body}`);
      return m;
    });
    const body = scraped.body;
    expect(scraped.contentType).toContain('text/plain');
    // What the fake MiniMax billed: usage_characters is each text's length.
    const billed = x.minimax.texts.reduce((n, t) => n + t.length, 0);
    expect(billed).toBe(text.length);
    expect(sample(body, 'parrot_billed_characters_total', { model: 'speech-2.8-turbo', shard: '0' })).toBe(billed);
    expect(sample(body, 'parrot_time_to_first_audio_seconds_count', { shard: '0' })).toBe(1);
    expect(sample(body, 'parrot_time_to_first_audio_seconds_sum')).toBeGreaterThanOrEqual(0.79);
    expect(sample(body, 'parrot_minimax_first_chunk_seconds_count')).toBe(x.minimax.texts.length);
    for (const outcome of ['skipped', 'cut', 'failed', 'refused']) expect(sample(body, 'parrot_items_total', { outcome })).toBe(0);
    expect(sample(body, 'parrot_guilds')).toBe(1);
    expect(sample(body, 'parrot_voice_connections')).toBe(1);
    expect(sample(body, 'parrot_queue_length')).toBe(0);
    expect(sample(body, 'parrot_underrun_frames_total')).toBeGreaterThanOrEqual(0);
    expect(sample(body, 'parrot_gateway_connected', { shard: '0' })).toBe(1);
    expect(sample(body, 'process_cpu_user_seconds_total', { shard: '0' })).toBeGreaterThan(0);
    expect(sample(body, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    for (const secret of [DISCORD_TOKEN, MINIMAX_KEY, MINIMAX_KEY.slice(3, 20), DISCORD_TOKEN.split('.')[0]!]) expect(body).not.toContain(secret);
    // The Grafana dashboard charts only what is served (the shard supervisor's own metrics: test/ops/supervisorHttp).
    const dashboard = readFileSync(new URL('../../ops/grafana-dashboard.json', import.meta.url), 'utf8');
    const charted = new Set([...dashboard.matchAll(/\b((?:parrot|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!).filter((n) => !/^parrot_shards?(_|$)/.test(n)));
    expect(charted.size).toBeGreaterThan(12);
    for (const name of charted) expect(body, name).toContain(`# TYPE ${name.replace(/_bucket$/, '')} `);
  });

  it('counts silence frames inside speech when MiniMax falls behind, a /skip as skipped (synthesis over or not), and what /clear drops', async () => {
    // MiniMax at real time, stalling 400 ms mid-message: the message runs dry whatever the machine's load.
    const x = (h = await startHarness({ env: { HTTP_PORT: '0' }, minimax: { realtimeFactor: 1, faults: { stall: { atChunk: 2, ms: 400, times: 1 } } } }));
    const base = x.bot.httpUrl!;
    await x.run({ command: 'speak', options: { text: 'A sentence long enough to stream over several chunks, at the pace it is spoken.' } });
    await x.discord.audio.waitForAudio({ minMs: 300 });
    await x.discord.audio.waitForSilence({ quietMs: 800 });
    const afterStall = await until(async () => {
      const body = (await get(`${base}/metrics`)).body;
      if (sample(body, 'parrot_items_total', { outcome: 'played' }) !== 1) throw new Error('not played yet');
      return body;
    });
    expect(sample(afterStall, 'parrot_underrun_frames_total')).toBeGreaterThan(0);

    // MiniMax fast again: this text is synthesized in full long before its audio has played, then skipped.
    x.minimax.configure({ realtimeFactor: 0 });
    await x.run({ command: 'speak', options: { text: 'This one is long, and it will be stopped before it ends, by a skip from the owner of the server.' } });
    await x.discord.audio.waitForAudio({ minMs: 200, from: performance.now() });
    await x.run({ command: 'skip' });
    const skipped = await until(async () => {
      const body = (await get(`${base}/metrics`)).body;
      if (sample(body, 'parrot_items_total', { outcome: 'skipped' }) !== 1) throw new Error(`not skipped yet:\n${body}`);
      return body;
    });
    expect(sample(skipped, 'parrot_items_total', { outcome: 'played' })).toBe(1);
    expect(sample(skipped, 'parrot_time_to_first_audio_seconds_count')).toBe(2);

    // /clear: the one being read, the one synthesized behind it and the one still queued are all skipped.
    for (const text of ['First of three, long enough to be still playing when it is cleared away.', 'Second of three.', 'Third of three.']) {
      await x.run({ command: 'speak', options: { text } });
    }
    await x.discord.audio.waitForAudio({ minMs: 200, from: performance.now() });
    expect((await x.run({ command: 'clear' })).content).toMatch(/3/);
    const cleared = await until(async () => {
      const body = (await get(`${base}/metrics`)).body;
      if (sample(body, 'parrot_items_total', { outcome: 'skipped' }) !== 4) throw new Error(`not cleared yet:\n${body}`);
      return body;
    });
    expect(sample(cleared, 'parrot_items_total', { outcome: 'played' })).toBe(1);
    expect(sample(cleared, 'parrot_queue_length')).toBe(0);
  });

  it('an auto-read message counts its time to first audio from the message: at least the wait for MiniMax\'s first chunk', async () => {
    const x = (h = await startHarness({ env: { HTTP_PORT: '0' }, minimax: { firstChunkMs: 300 } }));
    const base = x.bot.httpUrl!;
    await x.run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    await x.run({ command: 'join' });
    x.discord.message({ channel: 'reading', author: 'alice', content: 'Read this one aloud, please.' });
    const body = await until(async () => {
      const m = (await get(`${base}/metrics`)).body;
      if (sample(m, 'parrot_time_to_first_audio_seconds_count') !== 1) throw new Error('no audio yet');
      return m;
    });
    expect(sample(body, 'parrot_minimax_first_chunk_seconds_sum')).toBeGreaterThanOrEqual(0.29);
    // From the message: MiniMax's wait for its first chunk is inside it.
    expect(sample(body, 'parrot_time_to_first_audio_seconds_sum')).toBeGreaterThanOrEqual(sample(body, 'parrot_minimax_first_chunk_seconds_sum')!);
    expect(sample(body, 'parrot_time_to_first_audio_seconds_bucket', { le: '0.2' })).toBe(0);
  });

  it('/readyz is 503 with the reason once MiniMax refuses the key (1004), and once the database is closed', async () => {
    const x = (h = await startHarness({ env: { HTTP_PORT: '0' } }));
    const base = x.bot.httpUrl!;
    expect((await get(`${base}/readyz`)).status).toBe(200);
    x.minimax.configure({ apiKey: 'another-key-0123456789', badKey: 'task_failed', badKeyCode: 1004 });
    x.minimax.disconnectAll();
    await x.run({ command: 'speak', options: { text: 'This needs a valid key.' } });
    const refused = await until(async () => {
      const r = await get(`${base}/readyz`);
      if (r.status !== 503) throw new Error(`still ${r.status}`);
      return r;
    });
    expect(refused.body).toContain('MiniMax refused the API key (1004): check MINIMAX_API_KEY and MINIMAX_REGION');
    const metrics = (await get(`${base}/metrics`)).body;
    expect(sample(metrics, 'parrot_minimax_errors_total', { code: '1004' })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'parrot_items_total', { outcome: 'refused' })).toBe(1);
    expect(refused.body + metrics).not.toContain(MINIMAX_KEY);
    expect((await get(`${base}/healthz`)).status).toBe(200);

    x.bot.store.close();
    const closed = await get(`${base}/readyz`);
    expect(closed.status).toBe(503);
    expect(closed.body).toMatch(/the database is not usable: .*closed/);
  });

  it('/readyz is 503 "not connected to Discord yet" before login; the server is closed when start-up fails', async () => {
    // A Discord REST that never answers: login waits on GET /gateway/bot.
    const held: IncomingMessage[] = [];
    const discord: Server = createServer((req) => void held.push(req));
    await new Promise<void>((resolve) => discord.listen(0, '127.0.0.1', resolve));
    const { port: restPort } = discord.address() as { port: number };
    const dataDir = await mkdtemp(join(tmpdir(), 'parrot-ops-'));
    const port = await freePort();
    const config = loadBotConfig({
      DISCORD_TOKEN, MINIMAX_API_KEY: MINIMAX_KEY, DISCORD_API_URL: `http://127.0.0.1:${restPort}/api`,
      MINIMAX_WS_URL: 'ws://127.0.0.1:9/ws', DATA_DIR: dataDir, HTTP_PORT: String(port), AUDIO_WORKERS: '0',
    });
    const lines: string[] = [];
    const starting = startBot(config, { logger: createLogger({ level: 'debug', secrets: [], write: (l) => lines.push(l) }), readyTimeoutMs: 30_000 });
    const outcome = starting.then(() => 'started', (error: unknown) => error);
    try {
      const ready = await until(() => get(`http://127.0.0.1:${port}/readyz`));
      expect(ready).toMatchObject({ status: 503, body: 'not connected to Discord yet\n' });
      expect((await get(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect(held.length).toBeGreaterThan(0);
    } finally {
      // Discord goes away: login fails, and start-up must close what it opened.
      discord.closeAllConnections();
      await new Promise<void>((resolve) => discord.close(() => resolve()));
    }
    expect(await outcome).toBeInstanceOf(Error);
    await expect(get(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
    await rm(dataDir, { recursive: true, force: true });
  });
});
