/**
 * Faults table, row 3: rate limits (1002, 1039, 2045) and transient errors (1000, 1001, 1024, 1033) are retried
 * with jittered exponential backoff, a bounded number of times, in queue order; the wait is logged, never posted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectedMs, startHarness, type Harness } from '../session/harness.js';
import { startHarness as startBot, type Harness as BotHarness } from '../bot/harness.js';
import { completedTexts, sends, until } from './helpers.js';

let h: Harness | undefined;
let bot: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  await bot?.close();
  h = undefined;
  bot = undefined;
});

const TEXTS = ['First.', 'Second, a bit longer.', 'Third.'];
const RATE_LIMITS = [1002, 1039, 2045];
const TRANSIENT = [1000, 1001, 1024, 1033];
// FAST_TIMINGS: retryBaseMs 50, retryMaxMs 200, retryAttempts 3.
const BASE = 50;

describe('rate limits and transient MiniMax errors', () => {
  it.each([...RATE_LIMITS, ...TRANSIENT])('status %i twice: retried after a backoff, every text heard once, in order', async (code) => {
    h = await startHarness({ minimax: { faults: { taskContinueStatus: { code, times: 2 } } } });
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    for (const [i, text] of TEXTS.entries()) session.enqueue(h.item(text, `u${i}`));
    await until(() => h!.played.length === 3, 15_000, 'three items to play');
    const heard = await h.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 10_000 });

    // Heard in queue order (played is emitted as each item's audio ends), each synthesized exactly once.
    expect(h.played.map((p) => p.item.text)).toEqual(TEXTS);
    expect(completedTexts(h.minimax).sort()).toEqual([...TEXTS].sort());
    if (RATE_LIMITS.includes(code)) {
      // An account-wide limit refuses the texts behind too: nothing is sent around the one waiting.
      expect(completedTexts(h.minimax)).toEqual(TEXTS);
    }
    const total = TEXTS.reduce((ms, t) => ms + expectedMs(t), 0);
    expect(Math.abs(heard.voiceMs - total)).toBeLessThan(150);
    // The session backed off at least once; a first retry waits between half and all of the base delay.
    expect(h.retries.length).toBeGreaterThanOrEqual(1);
    expect(h.retries[0]).toMatchObject({ attempt: 1, item: { text: TEXTS[0] } });
    expect(h.retries[0]!.delayMs).toBeGreaterThanOrEqual(BASE / 2);
    expect(h.retries[0]!.delayMs).toBeLessThanOrEqual(BASE);
    // Nothing for the channel: no report, no notice.
    expect(h.reports).toEqual([]);
    expect(h.notices).toEqual([]);
  });

  it.each([1002, 1024])('status %i that never ends: a bounded number of attempts, growing delays, then one report', async (code) => {
    h = await startHarness({ minimax: { faults: { taskContinueStatus: { code, times: 1_000 } } } });
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    session.enqueue(h.item(TEXTS[0]!));
    await until(() => h!.reports.length === 1, 10_000, 'the item to be given up on');

    expect(h.reports[0]).toMatchObject({ kind: 'failed' });
    expect(h.reports[0]?.reason).toContain('gave up after retrying');
    expect(h.retries.map((r) => r.attempt)).toEqual([1, 2, 3]);
    h.retries.forEach((r, i) => {
      const ceiling = Math.min(200, BASE * 2 ** i);
      expect(r.delayMs).toBeGreaterThanOrEqual(ceiling / 2);
      expect(r.delayMs).toBeLessThanOrEqual(ceiling);
    });
    // 4 session attempts; the T2A client re-sends a transient failure once on its own, never a rate limit.
    const perAttempt = code === 1024 ? 2 : 1;
    expect(sends(h.minimax, TEXTS[0]!)).toBe(4 * perAttempt);
    expect(h.minimax.connections.length).toBe(4 * perAttempt);
    // And it stays given up: nothing more reaches MiniMax.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(h.minimax.connections.length).toBe(4 * perAttempt);
    expect(session.status()).toMatchObject({ playing: null, queued: 0 });
  });

  it('through the bot: the wait is logged, nothing is posted in the channel, and the text is heard', async () => {
    const x = (bot = await startBot({ minimax: { faults: { taskContinueStatus: { code: 1002, times: 2 } } }, timings: { retryBaseMs: 50, retryMaxMs: 200 } }));
    const text = 'Read me after the rate limit.';
    const reply = await x.run({ command: 'speak', options: { text } });
    expect(reply.content).toMatch(/^(Reading it now\.|Queued \(position 1\)\.)$/);
    await x.discord.audio.waitForAudio({ minMs: text.length * 20 - 100, timeoutMs: 10_000 });
    await x.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 5_000 });

    expect(completedTexts(x.minimax)).toEqual([text]);
    const retried = x.logs.filter((l) => l.includes('retrying an item'));
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(retried[0]).toMatch(/attempt=1 delayMs=\d+ .*1002/);
    expect(x.discord.botMessages).toEqual([]);
  });
});
