/**
 * Faults table, row 7: the voice socket closes (4006: session gone, rejoin; 4015: voice server crashed, resume)
 * or the network drops. The bot gets back in with backoff and the queued items play after recovery.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectedMs, startHarness, type Harness } from '../session/harness.js';
import { until } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

// ~1.7 s, ~1.1 s and 0.3 s: the fault strikes while the first plays and the others wait.
const TEXTS = ['The first message is read out loud in full.', 'Then the second one follows.', 'Third.'];
const TOTAL = TEXTS.reduce((ms, t) => ms + expectedMs(t), 0);

async function playThrough(fault: (x: Harness) => void | Promise<void>, options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const x = (h = await startHarness(options));
  await x.manager.join(x.target());
  const session = x.manager.get(x.guildId)!;
  for (const [i, text] of TEXTS.entries()) session.enqueue(x.item(text, `u${i}`));
  await x.discord.audio.waitForAudio({ minMs: 400, timeoutMs: 10_000 });
  await fault(x);
  await until(() => x.played.length === 3, 20_000, 'every item to play');
  await x.discord.audio.waitForSilence({ quietMs: 400, timeoutMs: 10_000 });
  expect(x.reports).toEqual([]);
  expect(x.manager.size).toBe(1);
  expect(session.status()).toMatchObject({ connection: 'ready', playing: null, queued: 0 });
  return x;
}

describe('voice connection faults', () => {
  it('4006 (session no longer valid): a new voice session, and everything queued is heard', async () => {
    const x = await playThrough((x) => void x.discord.closeVoice(4006));
    expect(x.discord.voice.connections.length).toBe(2);
    // The player pauses while the connection is down: nothing queued is lost, little of the current item is.
    const heard = x.discord.audio.report();
    expect(heard.voiceMs).toBeGreaterThan(TOTAL - 300);
    expect(heard.voiceMs).toBeLessThan(TOTAL + 150);
    const after = x.discord.audio.report({ connectionId: x.discord.voice.connections[1]!.id });
    expect(after.voiceMs).toBeGreaterThan(expectedMs(TEXTS[1]!) + expectedMs(TEXTS[2]!) - 100);
  });

  it('4015 (voice server crashed): the connection resumes, and everything queued is heard', async () => {
    const x = await playThrough((x) => void x.discord.closeVoice(4015));
    const conn = x.discord.voice.connections[0]!;
    expect(x.discord.voice.connections.length).toBe(1);
    expect(conn.resumes).toBe(1);
    const heard = x.discord.audio.report();
    expect(heard.voiceMs).toBeGreaterThan(TOTAL - 300);
    expect(heard.voiceMs).toBeLessThan(TOTAL + 150);
  });

  it('network loss (UDP dropped for 0.6 s): what was sent meanwhile is lost, the queue plays on after it', async () => {
    const x = await playThrough(async (x) => {
      x.discord.dropUdp(600);
      await new Promise((resolve) => setTimeout(resolve, 600));
    });
    const heard = x.discord.audio.report();
    expect(x.discord.udp.stats.dropped).toBeGreaterThan(10);
    // About 0.6 s is gone; the rest, including every queued item, arrived.
    expect(heard.voiceMs).toBeGreaterThan(TOTAL - 900);
    expect(heard.voiceMs).toBeLessThan(TOTAL - 300);
  });

  it('a rejoin Discord does not answer at first: retried with backoff until it is, then the queue plays', async () => {
    const x = await playThrough(
      async (x) => {
        x.discord.refuseJoins('Voice');
        x.discord.closeVoice(4006);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        x.discord.refuseJoins('Voice', false);
      },
      { timings: { joinTimeoutMs: 500, rejoinDelaysMs: [100, 200, 400, 800] } },
    );
    expect(x.discord.voiceRequests.filter((r) => r.channelId !== null).length).toBeGreaterThanOrEqual(3);
    expect(x.discord.audio.report().voiceMs).toBeGreaterThan(TOTAL - 300);
  });
});
