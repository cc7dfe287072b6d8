/**
 * Faults table, row 8: kicked, moved, channel deleted, removed from the server. A session that ends leaves
 * nothing behind (no timers, sockets or ffmpeg processes) and reports what it was reading; a move is followed.
 * Afterwards the process holds no more handles than before the test, so the runner can exit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranscoderFactory } from '../../src/audio/index.js';
import type { GuildSpec } from '../fakes/discord/index.js';
import { startHarness, type Harness } from '../session/harness.js';
import { excess, ffmpegChildren, resources, settleResources, until } from './helpers.js';

const GUILD: GuildSpec = {
  name: 'Cleanup Guild',
  channels: [{ name: 'general' }, { name: 'Voice', type: 'voice' }, { name: 'Other', type: 'voice' }],
  members: [{ username: 'alice' }, { username: 'bob' }],
  voiceStates: [{ user: 'alice', channel: 'Voice' }, { user: 'bob', channel: 'Other' }],
};
const LONG = 'This message is long enough to be still playing when the bot is thrown out of the channel.';
const NEXT = 'And this one waits behind it.';

type Fault = 'kicked' | 'channel deleted' | 'guild removed';
const FAULTS: Record<Fault, (h: Harness) => void> = {
  kicked: (h) => h.discord.kickBot(),
  'channel deleted': (h) => h.discord.channelDelete('Voice'),
  'guild removed': (h) => h.discord.guildDelete(),
};

let processBaseline: Map<string, number>;
beforeAll(() => {
  processBaseline = resources();
});
afterAll(async () => {
  // Every harness is closed: the process is back to what it held before the first test (it can exit).
  expect(await settleResources(processBaseline, 5_000)).toEqual({});
});

async function start(transcoder: 'wasm' | 'ffmpeg'): Promise<{ h: Harness; baseline: Map<string, number> }> {
  const h = await startHarness({
    guilds: [GUILD],
    minimax: { realtimeFactor: 1 },
    timings: { movedGraceMs: 300 },
    ...(transcoder === 'ffmpeg' ? { transcoders: createTranscoderFactory({ kind: 'ffmpeg' }) } : {}),
  });
  // As the bot does (src/bot/wire.ts): a server that removed the bot ends its session at once.
  h.client.on('guildDelete', (g) => h.manager.leave(g.id, 'removed from the server'));
  return { h, baseline: resources() };
}

describe('a session that ends leaves nothing behind', () => {
  const cases = (['wasm', 'ffmpeg'] as const).flatMap((t) => (Object.keys(FAULTS) as Fault[]).map((f) => [f, t] as const));
  it.each(cases)('%s (%s transcoder): session gone, items reported, no timers, sockets or processes left', async (fault, transcoder) => {
    const { h, baseline } = await start(transcoder);
    try {
      await h.manager.join(h.target());
      const session = h.manager.get(h.guildId)!;
      session.enqueue(h.item(LONG, 'ana'));
      session.enqueue(h.item(NEXT, 'ben'));
      await h.discord.audio.waitForAudio({ minMs: 300, timeoutMs: 10_000 });
      if (transcoder === 'ffmpeg') expect(ffmpegChildren().length).toBeGreaterThanOrEqual(1);
      // The check below can fail: while the session lives, it holds a UDP socket, TCP sockets and timers.
      const held = excess(baseline);
      expect(held).toMatchObject({ UDPWrap: 1 });
      for (const kind of ['TCPSocketWrap', 'Timeout', ...(transcoder === 'ffmpeg' ? ['ProcessWrap'] : [])]) expect(held[kind]).toBeGreaterThan(0);

      FAULTS[fault](h);
      await until(() => h.manager.size === 0, 5_000, 'the session to end');
      expect(session.isDestroyed).toBe(true);
      // The item being read is reported cut, the one behind it not read: nothing vanishes silently.
      expect(h.reports.map((r) => [r.item.authorId, r.kind])).toEqual([
        ['ana', 'cut'],
        ['ben', 'failed'],
      ]);
      await h.minimax.waitFor(() => h.minimax.connections.every((c) => c.closed), 3_000, 'the MiniMax sockets to close');
      expect(await settleResources(baseline, 5_000)).toEqual({});
      expect(ffmpegChildren()).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('moved by a moderator: the session follows to the new channel and keeps reading there', async () => {
    const { h, baseline } = await start('wasm');
    try {
      await h.manager.join(h.target());
      const session = h.manager.get(h.guildId)!;
      const other = h.discord.guild().channel('Other').id;
      session.enqueue(h.item('Read on, wherever I am moved to.', 'ana'));
      session.enqueue(h.item('Third.', 'ben'));
      await h.discord.audio.waitForAudio({ minMs: 300, timeoutMs: 10_000 });
      h.discord.moveBot('Other');
      await until(() => session.channelId === other && session.status().connection === 'ready', 5_000, 'the move');
      await until(() => h.played.length === 2, 15_000, 'both items to play');
      expect(h.manager.size).toBe(1);
      expect(h.reports).toEqual([]);
      expect(h.discord.audio.report({ from: 0 }).voiceMs).toBeGreaterThan(0);
      expect(h.discord.audio.select().filter((f) => f.channelId === other && !f.silence).length).toBeGreaterThan(20);
      h.manager.leave(h.guildId);
      expect(h.manager.size).toBe(0);
      expect(await settleResources(baseline, 5_000)).toEqual({});
    } finally {
      await h.close();
    }
  });
});
