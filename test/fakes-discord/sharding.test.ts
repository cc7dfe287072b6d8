/**
 * The fake Discord serves a sharded bot as Discord does, checked over real sockets with a bare gateway client:
 * /gateway/bot recommends the shard count, each IDENTIFY `shard: [i, n]` hears only of its guilds, dispatches for a
 * guild reach its shard's connection alone, and with sharding required a wrong IDENTIFY is closed with 4011/4010.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeDiscord } from '../fakes/discord/index.js';
import { guildShard } from '../fakes/discord/snowflakes.js';

const TOKEN = 'fake-shard-token';
/** Guild ids on shard 0 and shard 1 of 2. */
const ON_0 = ((1000n << 22n) + 1n).toString();
const ON_1 = ((1001n << 22n) + 1n).toString();

let discord: FakeDiscord | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await discord?.close();
});

interface Conn {
  ws: WebSocket;
  events: { t: string; d: Record<string, unknown> }[];
  closed: Promise<number>;
}

function identify(url: string, shard?: unknown): Conn {
  const ws = new WebSocket(url);
  sockets.push(ws);
  const events: Conn['events'] = [];
  ws.on('message', (data: Buffer) => {
    const p = JSON.parse(data.toString('utf8')) as { op: number; t: string; d: Record<string, unknown> };
    if (p.op === 10) ws.send(JSON.stringify({ op: 2, d: { token: TOKEN, intents: 1 | (1 << 7) | (1 << 9) | (1 << 15), properties: {}, ...(shard === undefined ? {} : { shard }) } }));
    if (p.op === 0) events.push({ t: p.t, d: p.d });
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return { ws, events, closed };
}

async function start(required: boolean, maxConcurrency = 2): Promise<FakeDiscord> {
  discord = await FakeDiscord.start({
    token: TOKEN,
    sharding: { count: 2, required, maxConcurrency },
    guilds: [
      { id: ON_0, name: 'Zero', channels: [{ name: 'general' }], members: [{ username: 'alice' }] },
      { id: ON_1, name: 'One', channels: [{ name: 'general' }], members: [{ username: 'bob' }] },
    ],
  });
  return discord;
}

describe('the fake Discord with shards', () => {
  it('recommends the shard count and gives each shard only its guilds and their dispatches', async () => {
    expect([guildShard(ON_0, 2), guildShard(ON_1, 2)]).toStrictEqual([0, 1]);
    const d = await start(true);
    const res = await fetch(`${d.restApi}/v10/gateway/bot`, { headers: { authorization: `Bot ${TOKEN}` } });
    const body = (await res.json()) as { shards: number; session_start_limit: { max_concurrency: number } };
    expect(body.shards).toBe(2);
    expect(body.session_start_limit.max_concurrency).toBe(2);

    const zero = identify(d.gateway.url, [0, 2]);
    const one = identify(d.gateway.url, [1, 2]);
    const guildsOf = (c: Conn) => c.events.filter((e) => e.t === 'GUILD_CREATE').map((e) => e.d['id']);
    await expect.poll(() => [guildsOf(zero), guildsOf(one)]).toStrictEqual([[ON_0], [ON_1]]);
    const ready = (c: Conn) => (c.events.find((e) => e.t === 'READY')!.d['guilds'] as { id: string }[]).map((g) => g.id);
    expect([ready(zero), ready(one)]).toStrictEqual([[ON_0], [ON_1]]);

    d.message({ guild: 'One', content: 'for shard one' });
    d.message({ guild: 'Zero', content: 'for shard zero' });
    const said = (c: Conn) => c.events.filter((e) => e.t === 'MESSAGE_CREATE').map((e) => e.d['content']);
    await expect.poll(() => [said(zero), said(one)]).toStrictEqual([['for shard zero'], ['for shard one']]);
  });

  it('sends a press under a direct message (no guild) to shard 0 only, as Discord does', async () => {
    const d = await start(true);
    const zero = identify(d.gateway.url, [0, 2]);
    const one = identify(d.gateway.url, [1, 2]);
    await expect.poll(() => [zero, one].map((c) => c.events.some((e) => e.t === 'READY'))).toStrictEqual([true, true]);
    const press = d.dmButton({ customId: 'x:1', user: 'bob', message: { id: d.ids.next(), content: 'offer' } });
    const pressed = (c: Conn) => c.events.filter((e) => e.t === 'INTERACTION_CREATE').map((e) => e.d['id']);
    await expect.poll(() => pressed(zero)).toStrictEqual([press.id]);
    d.message({ guild: 'One', content: 'after the press' }); // shard 1 hears this, and heard no press before it
    await expect.poll(() => one.events.some((e) => e.t === 'MESSAGE_CREATE')).toBe(true);
    expect(pressed(one)).toStrictEqual([]);
  });

  it('closes an unsharded or wrongly counted IDENTIFY with 4011 and an impossible shard with 4010', async () => {
    const d = await start(true);
    expect(await identify(d.gateway.url).closed).toBe(4011);
    expect(await identify(d.gateway.url, [0, 3]).closed).toBe(4011);
    expect(await identify(d.gateway.url, [2, 2]).closed).toBe(4010);
  });

  it('lets an unsharded bot in when sharding is not required, with every guild', async () => {
    const d = await start(false);
    const all = identify(d.gateway.url);
    await expect.poll(() => all.events.filter((e) => e.t === 'GUILD_CREATE').length).toBe(2);
  });

  it('rate limits IDENTIFY to one per max_concurrency bucket per 5 s: one too soon gets an invalid session', async () => {
    const d = await start(true, 1);
    const first = identify(d.gateway.url, [0, 2]);
    await expect.poll(() => first.events.some((e) => e.t === 'READY')).toBe(true);
    const tooSoon = new WebSocket(d.gateway.url);
    sockets.push(tooSoon);
    const ops: number[] = [];
    tooSoon.on('message', (data: Buffer) => {
      const p = JSON.parse(data.toString('utf8')) as { op: number };
      ops.push(p.op);
      if (p.op === 10) tooSoon.send(JSON.stringify({ op: 2, d: { token: TOKEN, intents: 1, properties: {}, shard: [1, 2] } }));
    });
    await expect.poll(() => ops).toStrictEqual([10, 9]);
    expect(d.gateway.identifyRateLimited).toBe(1);
    expect(d.gateway.live.map((s) => s.shard)).toStrictEqual([[0, 2]]);
  });
});
