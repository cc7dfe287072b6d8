/**
 * PgStore against a real PostgreSQL server (started by the test, see pgServer.ts): exact counting by concurrent
 * writers, a server stopped and restarted under a running store, shard-filtered loading, and a password that
 * never reaches a message.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { openPgStore, type PgStore } from '../../src/store/PgStore.js';
import { migratePg, PG_MIGRATIONS } from '../../src/store/pgMigrations.js';
import { redactDatabaseUrl, scrubSecret } from '../../src/store/pgUrl.js';
import { PG_PASSWORD, sql, startPgServer, type PgServer } from './pgServer.js';

let server: PgServer;

beforeAll(async () => {
  server = await startPgServer();
});

afterAll(async () => {
  await server.destroy();
});

/** A snowflake-like id on `shard` of `count`: (id >> 22) % count == shard. */
function guildOnShard(shard: number, count: number, n: number): string {
  return ((BigInt(n * count + shard) << 22n) + 12345n).toString();
}

describe('PgStore on a real server', () => {
  it('counts exactly when several stores (each its own connections) add to the same guild at once', async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPgStore({ url })));
    const at = new Date();
    for (let i = 0; i < 250; i++) for (const [n, store] of stores.entries()) store.addUsage('g1', n + 1, at);
    await Promise.all(stores.map((s) => s.flushed()));
    // 250 * (1 + 2 + 3 + 4)
    const [row] = await sql<{ chars: string }>(url, 'SELECT chars FROM usage_days WHERE guild_id = $1', ['g1']);
    expect(Number(row!.chars)).toBe(2500);
    expect(await stores[0]!.accountMonthUsage(at)).toBe(2500);
    await Promise.all(stores.map((s) => s.end()));
  });

  it('keeps writing in order while the server is stopped, says so in health(), and loses nothing after the restart', async () => {
    const url = await server.createDatabase();
    const faults: string[] = [];
    const recovered: { cause: string; savedChars: number }[] = [];
    const store = await openPgStore({
      url,
      retryMs: 20,
      maxRetryMs: 200,
      connectTimeoutMs: 1000,
      onFault: ({ cause }) => faults.push(cause),
      onRecovered: (info) => recovered.push(info),
    });
    const at = new Date();
    store.addUsage('g1', 10, at);
    await store.flushed();
    await server.stop();
    try {
      store.addUsage('g1', 5, at);
      store.updateGuildSettings('g1', { autoread: { channelId: 'c1' } });
      store.addUsage('g1', 7, at);
      store.updateGuildSettings('g1', { autoread: { channelId: 'c2' } });
      // Reads are served from memory while the server is away.
      expect(store.getUsage('g1', at)).toStrictEqual({ day: 22, month: 22 });
      expect(store.getGuildSettings('g1').autoread.channelId).toBe('c2');
      await expect.poll(() => store.health().ok, { timeout: 10_000 }).toBe(false);
      const health = store.health();
      expect(health).toMatchObject({ ok: false, cause: 'PG_UNREACHABLE', unsavedChars: 12, changesKept: true });
      expect(faults).toHaveLength(1);
      expect(await store.flushed(300)).toBe(false);
    } finally {
      await server.start();
    }
    expect(await store.flushed(15_000)).toBe(true);
    expect(store.health()).toStrictEqual({ ok: true, unsavedChars: 0 });
    expect(recovered).toStrictEqual([{ cause: 'PG_UNREACHABLE', savedChars: 12 }]);
    await store.end();
    const again = await openPgStore({ url });
    expect(again.getUsage('g1', at)).toStrictEqual({ day: 22, month: 22 });
    // The last write wins: the writes went through in the order they were made.
    expect(again.getGuildSettings('g1').autoread.channelId).toBe('c2');
    await again.end();
  });

  it('loads only the guilds of its shards when given some', async () => {
    const url = await server.createDatabase();
    const writer = await openPgStore({ url });
    const a = guildOnShard(0, 2, 7);
    const b = guildOnShard(1, 2, 9);
    for (const g of [a, b]) {
      writer.updateGuildSettings(g, { allowSpecialMarkup: true });
      writer.setActiveSession(g, { voiceChannelId: `v${g}` });
      writer.addDictionaryEntry(g, { from: 'a', to: 'b' }, { maxEntries: 3 });
      writer.addUsage(g, 3, new Date());
      writer.setMemberVoice(g, 'u1', { speed: 1.5 });
      writer.assignPoolVoice(g, 'u2', `p${g}`);
      writer.saveOwnedVoice({ voiceId: `ttv-${g}`, kind: 'designed', guildId: g, userId: 'u1', description: 'd', createdAt: 5, lastUsedAt: null });
      writer.addVoiceDesign(g, new Date());
      writer.addPendingItem({ key: `old/${g}`, guildId: g, channelId: `c${g}`, authorId: 'u1', enqueuedAt: 5 });
    }
    await writer.end();
    const shard1 = await openPgStore({ url, shards: { ids: [1], count: 2 } });
    expect(shard1.listActiveSessions().map((s) => s.guildId)).toStrictEqual([b]);
    expect(shard1.getGuildSettings(b).allowSpecialMarkup).toBe(true);
    expect(shard1.getGuildSettings(a).allowSpecialMarkup).toBe(false);
    expect(shard1.listDictionary(a)).toStrictEqual([]);
    expect(shard1.getPoolVoices(a)).toStrictEqual({});
    expect(shard1.getPoolVoices(b)).toStrictEqual({ u2: `p${b}` });
    expect(shard1.getOwnedVoice(`ttv-${a}`)).toBeNull();
    expect(shard1.getOwnedVoice(`ttv-${b}`)?.guildId).toBe(b);
    expect(shard1.getVoiceDesigns(a, new Date())).toBe(0);
    expect(shard1.getVoiceDesigns(b, new Date())).toBe(1);
    expect(shard1.getUsage(b, new Date()).day).toBe(3);
    expect(shard1.listPendingItems(a)).toStrictEqual([]);
    expect(shard1.listPendingItems(b).map((i) => i.key)).toStrictEqual([`old/${b}`]);
    // Resharding to three shards: every guild's rows are found, whole, by the shard that now owns it.
    const three = await Promise.all([0, 1, 2].map((i) => openPgStore({ url, shards: { ids: [i], count: 3 } })));
    const owners = three.map((s) => s.listActiveSessions().map((x) => x.guildId));
    expect(owners.flat().sort()).toStrictEqual([a, b].sort());
    for (const g of [a, b]) {
      const owner = three[Number((BigInt(g) >> 22n) % 3n)]!;
      expect(owner.listActiveSessions()).toContainEqual({ guildId: g, voiceChannelId: `v${g}` });
      expect(owner.getGuildSettings(g).allowSpecialMarkup).toBe(true);
      expect(owner.listDictionary(g)).toStrictEqual([{ from: 'a', to: 'b' }]);
      expect(owner.getMemberVoice(g, 'u1')).toStrictEqual({ speed: 1.5 });
      expect(owner.getPoolVoices(g)).toStrictEqual({ u2: `p${g}` });
      expect(owner.listOwnedVoices(g, 'u1').map((v) => v.voiceId)).toStrictEqual([`ttv-${g}`]);
      expect(owner.getVoiceDesigns(g, new Date())).toBe(1);
      expect(owner.getUsage(g, new Date()).day).toBe(3);
      expect(owner.listPendingItems(g).map((i) => i.key)).toStrictEqual([`old/${g}`]);
    }
    await Promise.all([shard1, ...three].map((s) => s.end()));
  });

  it("finds and deletes a voice of another shard's guild (a press in a DM reaches shard 0): row gone, member voice unset", async () => {
    const url = await server.createDatabase();
    const g1 = guildOnShard(1, 2, 3);
    const owner = await openPgStore({ url, shards: { ids: [1], count: 2 } });
    const clone = { voiceId: 'clone_a1', kind: 'cloned', guildId: g1, userId: 'u1', description: 'me.wav', createdAt: 1000, lastUsedAt: 2000 } as const;
    owner.saveOwnedVoice(clone);
    owner.setMemberVoice(g1, 'u1', { voiceId: 'clone_a1', speed: 1.5 });
    // Another member chose a voice whose id differs only where LIKE would see a wildcard: kept.
    owner.setMemberVoice(g1, 'u2', { voiceId: 'cloneXa1' });
    expect(await owner.flushed(10_000)).toBe(true);
    const shard0 = await openPgStore({ url, shards: { ids: [0], count: 2 } });
    try {
      expect(shard0.getOwnedVoice('clone_a1')).toBeNull(); // not in its memory
      expect(await shard0.findOwnedVoice('clone_a1')).toStrictEqual(clone);
      expect(await shard0.findOwnedVoice('clone_zz')).toBeNull();
      expect(shard0.deleteOwnedVoice('clone_a1')).toBe(false); // it did not hold it, and still deletes the row
      expect(await shard0.flushed(10_000)).toBe(true);
      expect(await sql(url, 'SELECT voice_id FROM owned_voices')).toStrictEqual([]);
      const members = await sql<{ user_id: string; data: string }>(url, 'SELECT user_id, data FROM member_voices ORDER BY user_id');
      expect(members.map((m) => [m.user_id, JSON.parse(m.data) as unknown])).toStrictEqual([['u1', { speed: 1.5 }], ['u2', { voiceId: 'cloneXa1' }]]);
      expect(await shard0.findOwnedVoice('clone_a1')).toBeNull();
    } finally {
      await shard0.end();
      await owner.end();
    }
  });

  it('reports rows holding invalid data and reads defaults in their place', async () => {
    const url = await server.createDatabase();
    await (await openPgStore({ url })).end();
    await sql(url, "INSERT INTO guild_settings VALUES ('g1', '{not json'), ('g2', '{\"autoread\":{\"maxLength\":\"x\",\"xsaid\":false}}')");
    await sql(url, "INSERT INTO owned_voices VALUES ('bad', 'stolen', 'g1', 'u1', 'd', 1, NULL), ('good', 'cloned', 'g1', 'u1', 'd', 1, NULL)");
    await sql(url, "INSERT INTO voice_designs VALUES ('g1', '2026-13', 1), ('g1', '2026-04', -2), ('g2', '2026-04', 2)");
    const events: string[] = [];
    const store = await openPgStore({ url, onInvalidData: (e) => events.push(`${e.table}:${e.key}:${e.fields.join(',')}`) });
    expect(events.sort()).toStrictEqual([
      'guild_settings:g1:*',
      'guild_settings:g2:autoread.maxLength',
      'owned_voices:bad:*',
      'voice_designs:g1/2026-04:count',
      'voice_designs:g1/2026-13:count',
    ]);
    expect(store.getGuildSettings('g2').autoread.xsaid).toBe(false);
    expect(store.listOwnedVoices('g1', 'u1').map((v) => v.voiceId)).toStrictEqual(['good']);
    expect(store.getVoiceDesigns('g2', new Date('2026-04-10T00:00:00Z'))).toBe(2);
    await store.end();
  });

  it('upgrades a database made at every earlier schema version, keeping its rows', async () => {
    for (let version = 1; version < PG_MIGRATIONS.length; version++) {
      const url = await server.createDatabase();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await migratePg(client, PG_MIGRATIONS.slice(0, version));
      } finally {
        await client.end();
      }
      await sql(url, `INSERT INTO guild_settings VALUES ('g1', '{"allowSpecialMarkup":true}')`);
      const store = await openPgStore({ url });
      expect(store.getGuildSettings('g1').allowSpecialMarkup).toBe(true);
      store.assignPoolVoice('g1', 'u1', 'English_CalmWoman');
      store.saveOwnedVoice({ voiceId: 'ttv-1', kind: 'cloned', guildId: 'g1', userId: 'u1', description: 'me.wav', createdAt: 5, lastUsedAt: 6 });
      store.addVoiceDesign('g1', new Date());
      await store.end();
      expect(await sql<{ version: number }>(url, 'SELECT version FROM parrot_schema')).toStrictEqual([{ version: PG_MIGRATIONS.length }]);
      const again = await openPgStore({ url });
      expect(again.getPoolVoices('g1')).toStrictEqual({ u1: 'English_CalmWoman' });
      expect(again.getOwnedVoice('ttv-1')?.lastUsedAt).toBe(6);
      expect(again.getVoiceDesigns('g1', new Date())).toBe(1);
      await again.end();
    }
  });

  it('refuses a database with a newer schema, untouched', async () => {
    const url = await server.createDatabase();
    await (await openPgStore({ url })).end();
    await sql(url, 'UPDATE parrot_schema SET version = 99');
    const error = await openPgStore({ url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('newer_schema');
  });
});

describe('the database password', () => {
  it('is not in the error when the password is wrong or the server cannot be reached', async () => {
    const wrong = server.url().replace(encodeURIComponent(PG_PASSWORD), `${encodeURIComponent(PG_PASSWORD)}x`);
    const closed = server.url().replace(`:${server.port}/`, ':1/');
    for (const url of [wrong, closed]) {
      const error = await openPgStore({ url, connectTimeoutMs: 2000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      const text = `${(error as Error).message} ${String((error as Error).stack)} ${JSON.stringify(error)}`;
      expect(text).not.toContain(PG_PASSWORD);
      expect(text).not.toContain(encodeURIComponent(PG_PASSWORD));
      expect((error as Error).message).toContain('postgres://parrot:***@127.0.0.1');
    }
  });

  it('is replaced in a shown URL and scrubbed from any text', () => {
    expect(redactDatabaseUrl('postgres://u:p%40ss@db:5432/parrot')).toBe('postgres://u:***@db:5432/parrot');
    expect(redactDatabaseUrl('postgres://db/parrot')).toBe('postgres://db/parrot');
    expect(redactDatabaseUrl('not a url p@ss')).not.toContain('p@ss');
    expect(scrubSecret('failed for p@ss and p%40ss', 'postgres://u:p%40ss@db/x')).toBe('failed for *** and ***');
  });
});

export type { PgStore };
