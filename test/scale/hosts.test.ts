/**
 * Parrot on separate hosts: network namespaces made by the test, each with its own loopback, joined by a bridge.
 * The database host runs a real PostgreSQL on its own address (password login from the subnet only); the test's
 * side of the bridge runs the fake Discord (its voice TLS with a throwaway certificate for that address) and the fake
 * MiniMax; two bot hosts each run one Parrot (SHARD_COUNT=2, SHARD_IDS=0 on one and 1 on the other), each with a
 * DATA_DIR of its own. Nothing is reachable on a host's 127.0.0.1 but itself, so whatever works here depends on no
 * shared machine, file or localhost: both shards speak at once and are heard whole in their own channels from their
 * own hosts; then the hosts swap shards (a restart), and each finds the other's settings, usage and voice session in
 * the shared database; usage there is exact over both hosts.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_TOKEN, MINIMAX_KEY } from '../bot/harness.js';
import { FakeDiscord } from '../fakes/discord/index.js';
import { FakeMiniMax } from '../fakes/minimax/FakeMiniMax.js';
import { fixedGuild, guildIdAt, startSupervisor, type Supervisor } from '../shard/helpers.js';
import { PG_PASSWORD, startPgServer, type PgServer } from '../store/pgServer.js';
import { certificateFor, inHost, startLan, type Lan, type NetHost } from './lan.js';

/** Every undo, run in reverse in afterAll, each whatever the others do (a failed test leaves nothing behind). */
const undo: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  const errors: unknown[] = [];
  for (const fn of undo.splice(0).reverse()) await fn().catch((error: unknown) => errors.push(error));
  expect(errors).toStrictEqual([]);
}, 90_000);

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `parrot-${name}-`));
  undo.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Whether `host` can open a TCP connection to address:port (run by a node inside the host). */
function canConnect(host: NetHost, address: string, port: number): Promise<boolean> {
  const script = `const s=require('net').connect(${port},'${address}');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(3));setTimeout(()=>process.exit(4),5000);`;
  const [file, args] = inHost(host, process.execPath, '-e', script);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(true) : code === 3 ? resolve(false) : reject(new Error(`connection probe ended ${String(code)}`))));
  });
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function usageByGuild(url: string): Promise<Record<string, number>> {
  const rows = await query<{ guild_id: string; n: string }>(url, 'SELECT guild_id, SUM(chars) AS n FROM usage_days GROUP BY guild_id');
  return Object.fromEntries(rows.map((r) => [r.guild_id, Number(r.n)]));
}

/** The addresses the database server sees Parrot's connections come from. */
async function clientAddresses(url: string): Promise<string[]> {
  const rows = await query<{ a: string }>(url, 'SELECT DISTINCT host(client_addr) AS a FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  return rows.map((r) => r.a).sort();
}

let lan: Lan;
let db: NetHost;
let hosts: [NetHost, NetHost];
let pgServer: PgServer;
let databaseUrl: string;
let discord: FakeDiscord;
let minimax: FakeMiniMax;
let minimaxUrl: string;
let caFile: string;
const dataDirs: string[] = [];

beforeAll(async () => {
  lan = await startLan();
  undo.push(() => lan.destroy());
  db = await lan.addHost('db');
  hosts = [await lan.addHost('host0'), await lan.addHost('host1')];
  pgServer = await startPgServer({ host: db.address, netns: db.name, allow: lan.subnet });
  undo.push(() => pgServer.destroy());
  databaseUrl = await pgServer.createDatabase();
  const certs = await certificateFor(await tempDir('cert'), lan.address);
  caFile = certs.certFile;
  discord = await FakeDiscord.start({
    token: DISCORD_TOKEN, host: lan.address, tls: { cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) },
    bot: { id: '900000000000000001', username: 'Parrot' },
    // Two buckets: the two hosts IDENTIFY at once, as hosts that do not talk to each other do.
    sharding: { count: 2, required: true, maxConcurrency: 2 },
    guilds: [fixedGuild(22, 'Zero'), fixedGuild(25, 'One')],
  });
  undo.push(() => discord.close());
  minimax = new FakeMiniMax({ apiKey: MINIMAX_KEY, msPerChar: 20, minAudioMs: 200, host: lan.address });
  minimaxUrl = (await minimax.start()).url;
  undo.push(() => minimax.close());
  dataDirs.push(await tempDir('host0-data'), await tempDir('host1-data'));
}, 60_000);

/** Parrot on each host, host i running shard `shardOf[i]` of 2, all on the database host's PostgreSQL. */
async function startHosts(shardOf: [number, number]): Promise<Supervisor[]> {
  const parrots = hosts.map((host, i) => {
    const parrot = startSupervisor({
      DISCORD_TOKEN, MINIMAX_API_KEY: MINIMAX_KEY, DISCORD_API_URL: discord.restApi, MINIMAX_WS_URL: minimaxUrl,
      DATABASE_URL: databaseUrl, DATA_DIR: dataDirs[i]!, SHARD_COUNT: '2', SHARD_IDS: String(shardOf[i]), NODE_EXTRA_CA_CERTS: caFile,
    }, { netns: host.name });
    undo.push(() => parrot.stop());
    return parrot;
  });
  await expect.poll(() => parrots.every((p) => p.output.join('').includes('all shards ready')), { timeout: 60_000, interval: 200 }).toBe(true);
  expect(discord.gateway.live.map((s) => s.shard?.join('/')).sort()).toStrictEqual(['0/2', '1/2']);
  return parrots;
}

const ask = async (guild: string, spec: { command: string; subcommand?: string; options?: Record<string, string> }): Promise<string> =>
  (await discord.interaction({ guild, ...spec }).reply({ timeoutMs: 15_000 })).content ?? '';

/** Both guilds speak at once; each is heard whole, in its own voice channel, sent from `from[guild]`'s address. */
async function speakAtOnce(texts: Record<string, string>, from: Record<string, NetHost>): Promise<void> {
  const since = discord.now();
  await Promise.all(Object.entries(texts).map(([g, text]) => ask(g, { command: 'speak', options: { text } })));
  for (const g of Object.keys(texts)) await discord.audio.waitForAudio({ guildId: g, from: since, minMs: 300, timeoutMs: 30_000 });
  await discord.audio.waitForSilence({ quietMs: 500, timeoutMs: 30_000 });
  for (const [g, text] of Object.entries(texts)) {
    // What MiniMax was sent is the text after the guild's dictionary: found by its opening words.
    const spoken = minimax.spoken.find((s) => s.text.startsWith(text.slice(0, 16)));
    expect(spoken, `MiniMax synthesized "${text}"`).toBeDefined();
    const heard = discord.audio.report({ guildId: g, from: since });
    expect(Math.abs(heard.voiceMs - spoken!.durationMs), `guild ${g} heard ${heard.voiceMs} of ${spoken!.durationMs} ms`).toBeLessThanOrEqual(100);
    expect(heard.decodeErrors).toBe(0);
    const frames = discord.audio.select({ guildId: g, from: since });
    expect(new Set(frames.map((f) => f.channelId))).toStrictEqual(new Set([`${g}3`]));
    // The voice server saw this guild's audio come from its shard's host (the address its IP discovery found).
    const connections = new Set(frames.map((f) => f.connectionId));
    const senders = discord.voice.connections.filter((c) => connections.has(c.id)).map((c) => c.clientAddress?.address);
    expect(new Set(senders), `guild ${g}'s voice came from`).toStrictEqual(new Set([from[g]!.address]));
  }
}

describe('Parrot on separate hosts (network namespaces) sharing a PostgreSQL host', () => {
  it('each host is alone on its loopback: the database is reached at its own address only', async () => {
    expect(databaseUrl).toContain(`@${db.address}:${pgServer.port}/`);
    expect(databaseUrl).toContain(encodeURIComponent(PG_PASSWORD));
    expect(await canConnect(hosts[0], db.address, pgServer.port)).toBe(true);
    expect(await canConnect(hosts[0], '127.0.0.1', pgServer.port)).toBe(false);
    // Nor are the fakes on any loopback: not on the test's own, so not by accident on a host's.
    expect(discord.restApi).toContain(`//${lan.address}:`);
    expect(await canConnect(hosts[1], lan.address, Number(new URL(discord.restApi).port))).toBe(true);
    expect(await canConnect(hosts[1], '127.0.0.1', Number(new URL(discord.restApi).port))).toBe(false);
  }, 30_000);

  it('two hosts run one shard each: both speak at once, heard whole; swapped, each finds the other’s settings, usage and session; usage is exact', async () => {
    const [g0, g1] = [guildIdAt(22), guildIdAt(25)];
    const [h0, h1] = hosts;
    const first = await startHosts([0, 1]);
    // Slash commands were registered once, by the host that runs shard 0.
    const registrations = () => discord.rest.calls.filter((c) => c.method === 'PUT' && /\/applications\/\d+\/commands$/.test(c.path)).length;
    await expect.poll(registrations, { timeout: 15_000 }).toBe(1);
    expect(first[0]!.output.join('')).toMatch(/slash commands (registered|already up to date)/);
    expect(first[1]!.output.join('')).not.toMatch(/slash commands (registered|already up to date)/);
    expect(discord.gateway.identifyRateLimited).toBe(0);

    // Settings written through each host's slash commands (g0 is on shard 0, host 0; g1 on shard 1, host 1).
    for (const [g, word] of [[g0, 'brb'], [g1, 'afk']] as const) {
      expect(await ask(g, { command: 'dictionary', subcommand: 'add', options: { from: word, to: `${word} said` } })).not.toMatch(/could not|error/i);
      expect(await ask(g, { command: 'join' })).toContain('Joined');
    }
    const before = {
      [g0]: 'Host zero speaks for shard zero, brb, in its own channel.',
      [g1]: 'Host one speaks for shard one, afk, at the same time in another channel.',
    };
    await speakAtOnce(before, { [g0]: h0, [g1]: h1 });
    // The dictionaries were applied by the host that owns each guild.
    expect(minimax.texts.some((t) => t.includes('brb said'))).toBe(true);
    expect(minimax.texts.some((t) => t.includes('afk said'))).toBe(true);
    const billed = (g: string): number => minimax.texts.filter((t) => (g === g0 ? /shard zero/i : /shard one/i).test(t)).reduce((n, t) => n + t.length, 0);
    await expect.poll(() => usageByGuild(databaseUrl), { timeout: 15_000 }).toStrictEqual({ [g0]: billed(g0), [g1]: billed(g1) });
    // The database host sees both bot hosts, over the network, and nothing else of Parrot's.
    expect(await clientAddresses(databaseUrl)).toStrictEqual([h0.address, h1.address].sort());

    // A restart with the shards swapped: each host now serves the guild the other one set up, from the database alone.
    await Promise.all(first.map((p) => p.stop()));
    const liveBefore = new Set(discord.gateway.sessions.map((s) => s.id));
    const second = await startHosts([1, 0]);
    const newSession = (shard: number) => discord.gateway.live.find((s) => s.shard?.[0] === shard && !liveBefore.has(s.id));
    for (const [g, shard] of [[g0, 0], [g1, 1]] as const) {
      // The new owner rejoined the voice channel recorded by the other host, by itself.
      await expect.poll(() => discord.gateway.received.some((r) =>
        r.op === 4 && r.sessionId === newSession(shard)?.id && (r.d as { guild_id?: string }).guild_id === g && (r.d as { channel_id?: string | null }).channel_id === `${g}3`),
      { timeout: 30_000, interval: 200 }).toBe(true);
      expect(await ask(g, { command: 'dictionary', subcommand: 'list' })).toContain(g === g0 ? 'brb' : 'afk');
      expect(await ask(g, { command: 'usage' })).toContain(`This month: ${billed(g)} (no cap)`);
    }
    const after = {
      [g0]: 'Shard zero again, brb, now spoken from host one.',
      [g1]: 'Shard one again, afk, now spoken from host zero.',
    };
    await speakAtOnce(after, { [g0]: h1, [g1]: h0 });
    // Usage in the shared database is exact over both hosts and both runs: every character MiniMax was sent.
    await expect.poll(() => usageByGuild(databaseUrl), { timeout: 15_000 }).toStrictEqual({ [g0]: billed(g0), [g1]: billed(g1) });
    expect(billed(g0) + billed(g1)).toBe(minimax.texts.reduce((n, t) => n + t.length, 0));
    expect(minimax.texts).toHaveLength(4);
    // The state lived on the database host alone: no host kept a SQLite file, and the URL's password was logged nowhere.
    for (const dir of dataDirs) expect((await readdir(dir)).filter((f) => f.includes('sqlite'))).toStrictEqual([]);
    for (const parrot of [...first, ...second]) {
      expect(parrot.output.join('')).not.toContain(PG_PASSWORD);
      expect(parrot.output.join('')).not.toContain(encodeURIComponent(PG_PASSWORD));
    }
  }, 240_000);
});
