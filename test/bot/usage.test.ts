/**
 * Money, end to end: every text that reached the fake MiniMax is counted in the server's usage, whatever ended
 * it. MiniMax's own usage_characters when it reported them, else the characters sent in task_continue (a text
 * cut or cancelled after it was sent is billed whole). The fake knows what it was sent; the store what was counted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMiniMaxOptions } from '../fakes/minimax/types.js';
import { until } from '../faults/helpers.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';

/** ~3 s of audio at the harness's 20 ms per character: still streaming, in real time, when the test ends it. */
const LONG = 'This long message is read at the pace it is spoken, so it is still streaming when it ends. '.repeat(2).trim();
const NEXT = 'The next message waits right behind it.';
const THIRD = 'A third one sits in the queue.';
/** MiniMax at real time, one task per guild: the next text is pipelined behind the one being read. */
const REAL_TIME: FakeMiniMaxOptions = { realtimeFactor: 1 };

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(options: HarnessOptions = {}): Promise<Harness> {
  h = await startHarness({ ...options, minimax: { ...REAL_TIME, ...options.minimax }, env: { MINIMAX_TASKS_PER_GUILD: '1', ...options.env } });
  return h;
}

function counted(x: Harness): number {
  return x.bot.store.getUsage(x.discord.guild().id, new Date()).day;
}

/** Characters of every distinct text the fake received (a text re-sent after a drop is billed once). */
function sentChars(x: Harness): number {
  return [...new Set(x.minimax.texts)].reduce((n, t) => n + t.length, 0);
}

/** Waits until the count has caught up with what was sent, then checks it is exactly that. */
async function expectAllCounted(x: Harness, texts: readonly string[]): Promise<void> {
  expect([...new Set(x.minimax.texts)].sort()).toEqual([...texts].sort());
  const want = sentChars(x);
  await until(() => counted(x) >= want, 5_000, `usage to reach ${want} (now ${counted(x)})`).catch(() => undefined);
  expect(counted(x)).toBe(want);
}

/** LONG is being heard and NEXT has reached MiniMax behind it (prefetched: sent, no audio yet); THIRD is queued. */
async function readingWithTwoBehind(x: Harness): Promise<void> {
  for (const text of [LONG, NEXT, THIRD]) await x.run({ command: 'speak', options: { text } });
  await x.minimax.waitFor(() => x.minimax.texts.includes(NEXT), 5_000, 'NEXT sent');
  await x.discord.audio.waitForAudio({ minMs: 200 });
}

describe('every text that reached MiniMax is counted, whatever ends it', () => {
  it('finished: the characters MiniMax reported', async () => {
    const x = await start({ minimax: { realtimeFactor: 0 } });
    await x.run({ command: 'speak', options: { text: NEXT } });
    await x.discord.audio.waitForSilence({ quietMs: 400 });
    await expectAllCounted(x, [NEXT]);
  });

  it('/skip before any audio: the text was sent whole, so it is billed whole', async () => {
    const x = await start({ minimax: { firstChunkMs: 2_000 } });
    await x.run({ command: 'speak', options: { text: LONG } });
    await x.minimax.waitFor(() => x.minimax.texts.length === 1, 5_000, 'LONG sent');
    expect((await x.run({ command: 'skip' })).content).toContain('skipped');
    await expectAllCounted(x, [LONG]);
  });

  it('/skip mid-read: the skipped text and the one after it', async () => {
    const x = await start();
    await x.run({ command: 'speak', options: { text: LONG } });
    await x.run({ command: 'speak', options: { text: NEXT } });
    await x.discord.audio.waitForAudio({ minMs: 200 });
    await x.run({ command: 'skip' });
    await x.discord.audio.waitForSilence({ quietMs: 400 });
    await expectAllCounted(x, [LONG, NEXT]);
  });

  it('/clear: the text being read and the prefetched one; the queued one never reached MiniMax', async () => {
    const x = await start();
    await readingWithTwoBehind(x);
    expect((await x.run({ command: 'clear' })).content).toContain('3 messages dropped');
    await expectAllCounted(x, [LONG, NEXT]);
  });

  it('/leave: the text being read and the prefetched one', async () => {
    const x = await start();
    await readingWithTwoBehind(x);
    await x.run({ command: 'leave' });
    await expectAllCounted(x, [LONG, NEXT]);
  });

  it('kicked by a moderator', async () => {
    const x = await start({ timings: { movedGraceMs: 200 } });
    await readingWithTwoBehind(x);
    x.discord.kickBot();
    await x.minimax.waitFor(() => x.bot.sessions.size === 0, 5_000, 'the session to end');
    await expectAllCounted(x, [LONG, NEXT]);
  });

  it('the voice channel deleted', async () => {
    const x = await start({ timings: { movedGraceMs: 200 } });
    await readingWithTwoBehind(x);
    x.discord.channelDelete('Voice');
    await x.minimax.waitFor(() => x.bot.sessions.size === 0, 5_000, 'the session to end');
    await expectAllCounted(x, [LONG, NEXT]);
  });

  it('the voice channel emptied', async () => {
    const x = await start();
    await readingWithTwoBehind(x);
    x.discord.voiceState({ user: 'alice', channel: null });
    x.discord.voiceState({ user: 'bob', channel: null });
    await x.minimax.waitFor(() => x.bot.sessions.size === 0, 5_000, 'the session to end');
    await expectAllCounted(x, [LONG, NEXT]);
  });

  it('shutdown: counted before the store closes (read back after a restart)', async () => {
    const x = await start();
    await readingWithTwoBehind(x);
    await x.restart();
    await expectAllCounted(x, [LONG, NEXT]);
  });

  it('a stream cut after audio: the cut text at its length, the next at what MiniMax reported', async () => {
    const x = await start({ minimax: { chunkBytes: 2048, faults: { dropAfterChunks: { chunks: 2, utterance: 1 } } } });
    await x.run({ command: 'speak', options: { text: LONG } });
    await x.run({ command: 'speak', options: { text: NEXT } });
    await x.minimax.waitFor(() => x.minimax.texts.filter((t) => t === NEXT).length === 2, 5_000, 'NEXT re-sent');
    await x.discord.audio.waitForSilence({ quietMs: 400, timeoutMs: 8_000 });
    await expectAllCounted(x, [LONG, NEXT]);
  });

  it('a stream cut after MiniMax reported usage_characters on its first frame: its count, not the length', async () => {
    const x = await start({ minimax: { chunkBytes: 2048, extraInfoOn: 'first', usagePerChar: 2, faults: { dropAfterChunks: { chunks: 2, utterance: 1 } } } });
    await x.run({ command: 'speak', options: { text: LONG } });
    await x.discord.audio.waitForAudio({ minMs: 100 });
    await x.discord.audio.waitForSilence({ quietMs: 400, timeoutMs: 8_000 });
    expect(x.minimax.texts).toEqual([LONG]);
    await until(() => counted(x) >= 2 * LONG.length, 5_000, 'usage recorded').catch(() => undefined);
    expect(counted(x)).toBe(2 * LONG.length);
  });

  it('a failure after audio (MiniMax fails the text mid-stream): the text at its length', async () => {
    const x = await start({ minimax: { chunkBytes: 2048, faults: { taskContinueStatus: { code: 1000, times: 1, atChunk: 2 } } } });
    await x.run({ command: 'speak', options: { text: LONG } });
    await x.discord.audio.waitForAudio({ minMs: 100 });
    await x.discord.audio.waitForSilence({ quietMs: 400, timeoutMs: 8_000 });
    await expectAllCounted(x, [LONG]);
  });
});
