/**
 * A sharded bot seen over HTTP_PORT, end to end: `src/index.ts` run as a program against a fake Discord that
 * requires two shards, with HTTP_PORT=0. The supervisor serves /metrics with every shard process's series (each
 * labelled with its shard) and its own, /healthz and /readyz for them all, so the container's HEALTHCHECK (the
 * Dockerfile's command, run as Docker runs it) passes with several shards; a shard process killed makes the bot
 * not ready, but not unhealthy, until it is back, and the restart is counted.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { allShardsReady, fixedGuild, guildIdAt, shardPids, shardScope } from '../shard/helpers.js';
import { get, parseExposition, sample } from './helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const scope = shardScope();

/** The Dockerfile's HEALTHCHECK command, run with sh -c as Docker does: its exit code. */
async function dockerHealthcheck(port: string): Promise<number> {
  const dockerfile = (await readFile(join(ROOT, 'Dockerfile'), 'utf8')).replace(/\\\n/g, ' ');
  const line = dockerfile.split('\n').find((l) => l.startsWith('HEALTHCHECK'))!;
  const command = line.slice(line.indexOf('CMD ') + 4).trim();
  return promisify(execFile)('/bin/sh', ['-c', command], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HTTP_PORT: port }, timeout: 10_000 }).then(
    () => 0,
    (error: { code?: number }) => error.code ?? -1,
  );
}

describe('the supervisor of two shard processes over HTTP_PORT', () => {
  it('aggregates both shards in /metrics, answers /healthz and /readyz for them all, and counts a respawn', async () => {
    const dir = await scope.tempDir('parrot-supervisor-http-');
    const [g0, g1] = [guildIdAt(22), guildIdAt(25)];
    const discord = await scope.discord({ guilds: [fixedGuild(22, 'Zero'), fixedGuild(25, 'One')] });
    const { url } = await scope.minimax();
    const parrot = scope.supervisor(discord, url, { DATA_DIR: dir, HTTP_PORT: '0' });
    const log = () => parrot.output.join('');

    await expect.poll(() => /for every shard url=(\S+)/.exec(log())?.[1], { timeout: 30_000, interval: 20 }).toBeDefined();
    const base = /for every shard url=(\S+)/.exec(log())![1]!;
    const port = new URL(base).port;
    // Serving before the first shard process is up: alive, not ready.
    const early = await get(`${base}/readyz`);
    expect(early.status).toBe(503);
    expect(early.body).toContain('shard 0 is not ready');
    expect((await get(`${base}/healthz`)).status).toBe(200);

    await allShardsReady(parrot, { timeout: 60_000 });
    await expect.poll(async () => (await get(`${base}/readyz`)).body, { timeout: 15_000 }).toBe('ok\n');
    expect(await get(`${base}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await dockerHealthcheck(port)).toBe(0);

    const texts = new Map([[g0, 'Shard zero is counted on its own.'], [g1, 'Shard one is counted on its own, too.']]);
    for (const [g, text] of texts) {
      expect((await discord.interaction({ guild: g, command: 'join' }).reply({ timeoutMs: 15_000 })).content).toContain('Joined');
      await discord.interaction({ guild: g, command: 'speak', options: { text } }).reply({ timeoutMs: 15_000 });
      await discord.audio.waitForAudio({ guildId: g, minMs: 300, timeoutMs: 30_000 });
    }
    const played = async () => {
      const { body } = await get(`${base}/metrics`);
      return [sample(body, 'parrot_items_total', { outcome: 'played', shard: '0' }), sample(body, 'parrot_items_total', { outcome: 'played', shard: '1' })];
    };
    await expect.poll(played, { timeout: 30_000, interval: 200 }).toStrictEqual([1, 1]);
    const scraped = await get(`${base}/metrics`);
    expect(scraped.contentType).toContain('text/plain');
    const body = scraped.body;
    const families = parseExposition(body);
    expect(families.get('parrot_shard_restarts_total')?.type).toBe('counter');
    expect(sample(body, 'parrot_shards')).toBe(2);
    expect(sample(body, 'parrot_shards_up')).toBe(2);
    // The Grafana dashboard's every metric is served here, the supervisor's own and the shard processes'.
    const dashboard = await readFile(join(ROOT, 'ops/grafana-dashboard.json'), 'utf8');
    const charted = new Set([...dashboard.matchAll(/\b((?:parrot|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_bucket$/, '')));
    expect(charted).toContain('parrot_shards_up');
    for (const name of charted) expect(families.has(name), name).toBe(true);
    for (const [i, g] of [g0, g1].entries()) {
      const shard = String(i);
      expect(sample(body, 'parrot_guilds', { shard })).toBe(1);
      expect(sample(body, 'parrot_voice_connections', { shard })).toBe(1);
      expect(sample(body, 'parrot_gateway_connected', { shard })).toBe(1);
      expect(sample(body, 'parrot_billed_characters_total', { shard })).toBe(texts.get(g)!.length);
      expect(sample(body, 'parrot_time_to_first_audio_seconds_count', { shard })).toBe(1);
      expect(sample(body, 'process_resident_memory_bytes', { shard })).toBeGreaterThan(0);
    }

    // Shard 1's process dies: not ready until it is back, but alive (it is being started again within its deadline).
    const pids = await shardPids(parrot.parent.pid!);
    process.kill(pids.get(1)!, 'SIGKILL');
    await expect.poll(async () => (await get(`${base}/readyz`)).body, { timeout: 10_000, interval: 50 }).toContain('shard 1 is not ready');
    expect((await get(`${base}/healthz`)).status).toBe(200);
    expect(await dockerHealthcheck(port)).toBe(0);
    await expect.poll(async () => (await get(`${base}/readyz`)).body, { timeout: 60_000, interval: 200 }).toBe('ok\n');
    const after = (await get(`${base}/metrics`)).body;
    parseExposition(after);
    expect(sample(after, 'parrot_shard_restarts_total', { shard: '1', cause: 'crash' })).toBe(1);
    expect(sample(after, 'parrot_shard_restarts_total', { shard: '0' })).toBeUndefined();
    expect(sample(after, 'parrot_shards_up')).toBe(2);
    // The respawned process counts from zero; shard 0's count is untouched.
    expect(sample(after, 'parrot_items_total', { outcome: 'played', shard: '0' })).toBe(1);
    expect(sample(after, 'parrot_items_total', { outcome: 'played', shard: '1' })).toBe(0);
  }, 180_000);
});
