/**
 * The /skip part of the end-to-end benchmark: a long message (MiniMax at real time) with a short one queued
 * behind it; /skip is dispatched through the fake gateway partway into the long one, and the voice packets at the
 * fake voice server tell how long the skipped audio went on and when the next message began.
 */
import { benchNow } from './clock.js';
import type { FakeServers } from './fakeClient.js';
import type { KeyedFrame } from './fakeProtocol.js';

/** Timing of one /skip, in ms after the interaction was dispatched (all on the fakes' clock). */
export interface SkipRun {
  /** How far into the skipped message (after its first voice packet) /skip was dispatched. */
  intoMs: number;
  /** /skip dispatched -> last voice packet of the skipped message at the voice server (stale ones included). */
  lastSkippedMs: number;
  /** /skip dispatched -> last packet of the skipped message's uninterrupted stream (its 20 ms cadence). */
  streamStopMs: number;
  /** Voice packets of the skipped message that arrived after /skip was dispatched. */
  skippedPacketsAfter: number;
  /** Of those, packets sent after a pause in its stream (a packet prepared before the skip, sent later). */
  stalePackets: number;
  /** /skip dispatched -> first voice packet of the next message; undefined when its start was not recognised. */
  nextMs: number | undefined;
}

export interface SkipTexts {
  /** Long enough to be playing (and still being synthesized) when /skip comes. */
  long: string;
  next: string;
}

export interface SkipStep {
  fakes: FakeServers;
  guildId: string;
  /** /skip is dispatched this long (plus 0..20 ms, to vary the phase against the 20 ms tick) after the first packet. */
  afterMs: number;
  /** Whether the bot has nothing left to play in the guild (then only the network's last packets are awaited). */
  idle: () => boolean;
}

/** Leading voice packets of a message that make its signature. */
const SIGNATURE = 5;
/** A longer pause between two packets of the skipped message ends its uninterrupted stream (20 ms cadence + jitter). */
const STREAM_BREAK_MS = 60;

/** The skipped message's voice packets after the skip, and the next message's first one. */
export interface SkipSplit {
  lastSkipped: KeyedFrame | undefined;
  /** The last packet of the skipped message's stream that was running when /skip came. */
  streamEnd: KeyedFrame | undefined;
  skippedAfter: number;
  /** Packets of the skipped message after its stream ended (sent after a pause). */
  stale: number;
  next: KeyedFrame | undefined;
}

/**
 * Splits the packets heard from the skipped message's first on at the next message's start. The fake MiniMax cuts
 * every text's audio from the start of the same clip and each message gets a fresh transcoder, so the next message
 * begins with the same packets as the skipped one: it starts at the first run of SIGNATURE voice packets, at or
 * after the skip, equal to the skipped message's first ones. Not found: every packet counts as the skipped one's
 * (an upper bound, so a failure to recognise cannot flatter the figure). The skipped message's stream ends at its
 * first pause longer than STREAM_BREAK_MS after the skip; a packet of it after that pause is stale (prepared before
 * the skip, sent later).
 */
export function splitAtSkip(frames: readonly KeyedFrame[], skipAt: number): SkipSplit {
  const voice = frames.filter((f) => !f.silence);
  if (voice.length < SIGNATURE) throw new Error(`skip bench: only ${voice.length} voice packets before the skip`);
  const start = nextMessageStart(voice, (f) => f.at >= skipAt);
  const skipped = start < 0 ? voice : voice.slice(0, start);
  let end = skipped.findLastIndex((f) => f.at < skipAt);
  while (end >= 0 && end + 1 < skipped.length && skipped[end + 1]!.at - skipped[end]!.at <= STREAM_BREAK_MS) end++;
  return {
    lastSkipped: skipped.at(-1),
    streamEnd: end < 0 ? undefined : skipped[end],
    skippedAfter: skipped.filter((f) => f.at >= skipAt).length,
    stale: skipped.length - 1 - end,
    next: start < 0 ? undefined : voice[start],
  };
}

/**
 * Index in `voice` (voice packets only) where the second message begins: the first run of SIGNATURE packets equal
 * to the first message's first ones, past them and at a packet `from` accepts; -1 when there is none.
 */
export function nextMessageStart(voice: readonly KeyedFrame[], from: (f: KeyedFrame) => boolean = () => true): number {
  const signature = voice.slice(0, SIGNATURE).map((f) => f.key);
  if (signature.length < SIGNATURE) return -1;
  const matches = (i: number): boolean => signature.every((key, j) => voice[i + j]?.key === key);
  for (let i = SIGNATURE; i + SIGNATURE <= voice.length; i++) if (from(voice[i]!) && matches(i)) return i;
  return -1;
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`skip bench: ${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** /speak the long text, /speak the next one, /skip partway into the first; timed at the voice server. */
export async function skipRun(step: SkipStep, texts: SkipTexts): Promise<SkipRun> {
  const { fakes, guildId } = step;
  const speak = (text: string): Promise<{ id: string; dispatchedAt: number }> =>
    fakes.call('interaction', [{ command: 'speak', user: 'alice', options: { text } }]);
  const a = await speak(texts.long);
  const b = await speak(texts.next);
  const firstAt = await fakes.call('waitForVoice', [guildId, a.dispatchedAt, 20_000], 25_000);
  for (const [ix, expected] of [[a, /^Reading it now\./], [b, /^Queued/]] as const) {
    const reply = await fakes.call('reply', [ix.id, 10_000], 15_000);
    if (!expected.test(reply)) throw new Error(`skip bench: /speak answered "${reply}" (is the bot idle and in the channel?)`);
  }
  // firstAt is on the fakes' clock; this process's clock plus the offset is the same clock.
  const wait = firstAt + step.afterMs + Math.random() * 20 - (benchNow() + fakes.clockOffset);
  await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  const skip = await fakes.call('interaction', [{ command: 'skip', user: 'alice' }]);
  const reply = await fakes.call('reply', [skip.id, 10_000], 15_000);
  if (!/skipped/.test(reply)) throw new Error(`skip bench: /skip answered "${reply}"`);
  await waitUntil(step.idle, 30_000, 'the next message played to its end');
  await fakes.call('waitForSilence', [guildId, skip.dispatchedAt, 300, 10_000], 15_000);
  const split = splitAtSkip(await fakes.call('keyedFrames', [guildId, a.dispatchedAt]), skip.dispatchedAt);
  return {
    intoMs: skip.dispatchedAt - firstAt,
    lastSkippedMs: (split.lastSkipped?.at ?? NaN) - skip.dispatchedAt,
    streamStopMs: (split.streamEnd?.at ?? NaN) - skip.dispatchedAt,
    skippedPacketsAfter: split.skippedAfter,
    stalePackets: split.stale,
    nextMs: split.next ? split.next.at - skip.dispatchedAt : undefined,
  };
}
