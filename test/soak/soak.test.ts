/**
 * Soak: 20 servers speaking at once through the fakes, with faults injected at random from a seeded PRNG
 * (MiniMax drops and status codes, voice closes, UDP loss). At the end: every queued item was either heard or
 * reported (enqueued = played + reported, each exactly once), memory settled (no growth across the last third),
 * no handles left, no ffmpeg children. Short form in CI (~30 s); `npm run soak` (SOAK=long) runs minutes.
 * SOAK_SEED=n replays a run.
 */
import { describe, expect, it } from 'vitest';
import { AudioCache } from '../../src/session/AudioCache.js';
import type { GuildSpec } from '../fakes/discord/index.js';
import { ffmpegChildren, resources, settleResources, until } from '../faults/helpers.js';
import { startHarness, type Harness } from '../session/harness.js';
import { garbageCollector, memorySettled, prng } from './tools.js';

const LONG = process.env['SOAK'] === 'long';
const SEED = Number(process.env['SOAK_SEED'] ?? 20_261_124);
const GUILDS = 20;
const LOAD_MS = LONG ? 4 * 60_000 : 18_000;
const SAMPLE_MS = LONG ? 2_000 : 600;
const WORDS = ['parrot', 'hello', 'voice', 'channel', 'server', 'queue', 'stream', 'audio', 'again', 'fine', 'thanks', 'later'];
const STATUS_FAULTS = [1002, 1039, 2045, 1000, 1001, 1024, 1033, 1026, 1027, 2054, 1008];

const guild = (i: number): GuildSpec => ({
  name: `Soak ${i}`,
  channels: [{ name: 'general' }, { name: 'Voice', type: 'voice' }],
  members: [{ username: 'alice' }, { username: 'bob' }],
  voiceStates: [{ user: 'alice', channel: 'Voice' }],
});

describe('soak', () => {
  it(`${GUILDS} servers for ${LOAD_MS / 1000} s with random faults (seed ${SEED}): nothing lost, memory settled, nothing left open`, { timeout: LOAD_MS + 90_000 }, async () => {
    const baseline = resources();
    const rand = prng(SEED);
    const gc = garbageCollector();
    const h: Harness = await startHarness({
      guilds: Array.from({ length: GUILDS }, (_, i) => guild(i)),
      minimax: { msPerChar: 25, minAudioMs: 200, realtimeFactor: 0.5, chunkBytes: 2048 },
      timings: { billingPauseMs: 500, authPauseMs: 500, usageLimitPauseMs: 500, rejoinDelaysMs: [50, 100, 200, 400] },
      limits: { maxPerGuild: 8, maxPerUser: 8 },
      audioCache: new AudioCache({ maxBytes: 2 * 2 ** 20 }),
    });
    const ids = h.discord.guilds.map((g) => g.id);
    // Each queued item is open until it is played or reported; a second outcome for one is an error.
    const open = new Map<string, number>();
    const counts = { enqueued: 0, played: 0, reported: 0, refused: 0, twice: 0, faults: 0, voiceFrames: 0, connections: 0 };
    const settle = (key: string, what: 'played' | 'reported'): void => {
      if (!open.delete(key)) counts.twice += 1;
      counts[what] += 1;
    };
    h.manager.on('played', (g, item) => settle(`${g}:${item.id}`, 'played'));
    const kinds: Record<string, number> = {};
    h.manager.on('report', (g, r) => {
      const kind = `${r.kind}: ${r.reason.slice(0, 60)}`;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      settle(`${g}:${r.item.id}`, 'reported');
    });
    const joins = new Map<string, Promise<unknown>>();
    const ensureJoined = (g: string): void => {
      if (h.manager.get(g) || joins.has(g)) return;
      joins.set(g, h.manager.join(h.target(g)).finally(() => joins.delete(g)));
    };
    await Promise.all(ids.map((g) => h.manager.join(h.target(g))));

    const samples: number[] = [];
    const sample = (): void => {
      // Trim the fakes' records (the measure is the bot's memory, not the test's logs).
      counts.voiceFrames += h.discord.audio.frames.filter((f) => !f.silence).length;
      h.discord.audio.frames.splice(0);
      h.discord.rest.calls.splice(0);
      const closed = h.minimax.connections.filter((c) => c.closed);
      counts.connections += closed.length;
      h.minimax.connections.splice(0, h.minimax.connections.length, ...h.minimax.connections.filter((c) => !c.closed));
      h.discord.voice.connections.splice(0, h.discord.voice.connections.length, ...h.discord.voice.connections.filter((c) => c.socket));
      h.reports.splice(0);
      h.played.splice(0);
      h.retries.splice(0);
      h.notices.splice(0);
      gc?.();
      samples.push(gc ? process.memoryUsage().heapUsed : process.memoryUsage().rss);
    };

    const started = Date.now();
    let nextSample = started + SAMPLE_MS;
    let n = 0;
    let last = started;
    let nextFault = started + 500;
    while (Date.now() - started < LOAD_MS) {
      // Rates per second of wall time, whatever the loop's pace on a busy machine.
      const now = Date.now();
      const ticks = Math.min(10, (now - last) / 50);
      last = now;
      // About one new item per server every 2 s.
      for (const g of ids) {
        if (!rand.chance(0.025 * ticks)) continue;
        const session = h.manager.get(g);
        if (!session) {
          ensureJoined(g);
          continue;
        }
        const words = Array.from({ length: 1 + rand.int(8) }, () => rand.pick(WORDS)).join(' ');
        const text = rand.chance(0.2) ? 'Thanks, everyone.' : `${words} ${++n}.`;
        const result = session.enqueue(h.item(text, rand.pick(['u1', 'u2', 'u3']), g));
        if (result.ok) {
          counts.enqueued += 1;
          open.set(`${g}:${result.item.id}`, Date.now());
        } else counts.refused += 1;
      }
      // A fault about every second, of a random kind, somewhere.
      if (now >= nextFault) {
        nextFault = now + 500 + rand.int(1_000);
        counts.faults += 1;
        const g = rand.pick(ids);
        switch (rand.int(4)) {
          case 0:
            h.minimax.configure({ faults: { dropAfterChunks: { chunks: rand.int(4), times: 1 } } });
            break;
          case 1:
            h.minimax.configure({ faults: { taskContinueStatus: { code: rand.pick(STATUS_FAULTS), times: 1 + rand.int(2) } } });
            break;
          case 2:
            h.discord.closeVoice(rand.pick([4006, 4015]), { guild: g });
            break;
          default:
            h.discord.dropUdp(100 + rand.int(300));
        }
      }
      if (Date.now() >= nextSample) {
        sample();
        nextSample += SAMPLE_MS;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // Drain: no new items or faults; everything queued ends one way or the other.
    await until(() => open.size === 0, 60_000, `the last items (open: ${open.size})`).catch((error: unknown) => {
      throw new Error(`${String(error)}; counts ${JSON.stringify(counts)}`);
    });
    sample();
    const memory = memorySettled(samples, gc ? 8 : 40, gc ? 0.15 : 0.25);
    console.log(`soak seed=${SEED} ${JSON.stringify(counts)} reports ${JSON.stringify(kinds)} memory ${gc ? 'heapUsed' : 'rss'} ${JSON.stringify(memory)}`);

    expect(counts.twice).toBe(0);
    expect(counts.enqueued).toBe(counts.played + counts.reported);
    expect(counts.enqueued).toBeGreaterThan(GUILDS * 5);
    expect(counts.played).toBeGreaterThan(counts.enqueued / 2);
    expect(counts.faults).toBeGreaterThan(LOAD_MS / 2_000);
    expect(counts.voiceFrames).toBeGreaterThan(0);
    expect(memory).toMatchObject({ settled: true });

    await h.close();
    expect(await settleResources(baseline, 10_000)).toEqual({});
    expect(ffmpegChildren()).toEqual([]);
  });
});
