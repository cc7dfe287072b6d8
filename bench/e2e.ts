/**
 * End-to-end latency benchmark of the real bot (startBot, so the /speak command path is included) against the
 * fakes in a child process:
 * - cold: /speak with no voice connection and no T2A socket -> first non-silence RTP packet;
 * - warm: /speak with the bot already in the channel and its T2A task open -> first non-silence RTP packet;
 * - bot-added: first MP3-carrying T2A message received by the bot -> that same first RTP packet;
 * - back-to-back: two /speak in a row; time and silence frames beyond a continuous 20 ms stream;
 * - skip: /skip partway into a long message with another queued (bench/e2eSkip.ts).
 */
import { benchNow } from './clock.js';
import { percentile } from './stats.js';
import { startBotUnderTest, BENCH_MINIMAX_KEY, BENCH_TOKEN, type BotUnderTest } from './botUnderTest.js';
import { nextMessageStart, skipRun, type SkipRun } from './e2eSkip.js';
import { FakeServers } from './fakeClient.js';
import type { FrameSummary, KeyedFrame } from './fakeProtocol.js';
import type { GuildSpec } from '../test/fakes/discord/index.js';

export interface E2eBenchOptions {
  /** /speak runs with nothing connected (default 20). */
  coldRuns?: number;
  /** /speak runs with the voice connection and T2A task warm, after each cold run (default 2). */
  warmPerCold?: number;
  /** Back-to-back pairs with MiniMax streaming faster than real time (default 15) and at real time (default 5). */
  pairRuns?: number;
  realtimePairRuns?: number;
  /** The fake MiniMax: delay before a text's first audio (default 250 ms), pacing (default 1 = real time). */
  firstChunkMs?: number;
  /**
   * Each run's first-chunk delay is drawn from firstChunkMs +- this (default 10 ms), as a real server's varies:
   * with a fixed delay the bot's 20 ms player tick would always be hit at the same phase.
   */
  firstChunkJitterMs?: number;
  realtimeFactor?: number;
  /** Pacing during the back-to-back pairs and the fast runs (default 0.5: twice real time, as a turbo model streams). */
  pairRealtimeFactor?: number;
  /**
   * Warm /speak runs with MiniMax at pairRealtimeFactor (default 15), after the pairs at that pacing: the playout
   * delay has learned it by then (it comes down from what real-time pacing needed).
   */
  fastRuns?: number;
  /**
   * Warm /speak runs after the fast ones, alternating between two voices as members with voices of their own take
   * turns (default 12): each voice's task stays warm, so a turn waits for no connection.
   */
  turnRuns?: number;
  /** /skip runs (default 10): a 12 s message at real time, skipped this long into it (default 2000 ms). */
  skipRuns?: number;
  skipAfterMs?: number;
  log?: (line: string) => void;
}

export type E2eSettings = Required<Omit<E2eBenchOptions, 'log'>>;

/** Timing of one /speak, in ms. */
export interface SpeakRun {
  /** The fake MiniMax's first-chunk delay for this run. */
  firstChunkMs: number;
  /** Interaction dispatched -> first voice frame at the fake voice server. */
  e2eMs: number;
  /** Interaction dispatched -> first MP3 message received by the bot. */
  toFirstMp3Ms: number;
  /** First MP3 message received -> first voice frame at the fake voice server. */
  botAddedMs: number;
  /** Silence frames between the first and last voice frame (underruns). */
  midSilenceFrames: number;
  /** Time between the first and last voice frame beyond a continuous 20 ms stream. */
  extraMs: number;
  /** Cold runs: the voice join (op 4 -> voice session ready, at the fake) and T2A connect (socket -> task_started). */
  joinMs?: number;
  t2aConnectMs?: number;
}

export interface PairRun {
  /** Silence frames between A's first and B's last voice frame. */
  silenceFrames: number;
  /** Time beyond a continuous 20 ms stream from A's first to B's last voice frame. */
  extraMs: number;
  /** Where A ends and B begins (B recognised by its first packets): silence frames between them, undefined if not found. */
  junctionSilenceFrames: number | undefined;
  /** Time between A's last and B's first voice packet, beyond the 20 ms cadence. */
  junctionGapMs: number | undefined;
}

export interface E2eBenchResult {
  settings: E2eSettings;
  cold: SpeakRun[];
  warm: SpeakRun[];
  /** Warm runs with MiniMax faster than real time (pairRealtimeFactor). */
  fast: SpeakRun[];
  pairs: PairRun[];
  realtimePairs: PairRun[];
  /** Warm runs in two voices taking turns (at pairRealtimeFactor), and the T2A connections the bot opened for them. */
  turns: SpeakRun[];
  turnConnections: number;
  skips: SkipRun[];
  /** Offset between the fakes' clock and this process's (corrected for in bot-added). */
  clockOffsetMs: number;
  /** Warnings and errors the bot logged. */
  botLogs: string[];
}

/** Alice, the caller, sits in Voice; the bot joins her there. */
export const E2E_GUILD: GuildSpec = {
  name: 'Bench Guild',
  owner: 'alice',
  channels: [{ name: 'general' }, { name: 'Voice', type: 'voice' }],
  members: [{ username: 'alice' }],
  voiceStates: [{ user: 'alice', channel: 'Voice' }],
};

/** The second voice of the turn-taking runs (the first is the server's default). */
const TURN_VOICE = 'English_Graceful_Lady';
const QUIET_MS = 250;
const FRAME_MS = 20;
/** The fake MiniMax's audio per character; the skip runs use more, so that a short text makes 12 s (its longest). */
const MS_PER_CHAR = 20;
const SKIP_MS_PER_CHAR = 100;

export function e2eSettings(options: E2eBenchOptions = {}): E2eSettings {
  return {
    coldRuns: options.coldRuns ?? 20,
    warmPerCold: options.warmPerCold ?? 2,
    pairRuns: options.pairRuns ?? 15,
    realtimePairRuns: options.realtimePairRuns ?? 5,
    firstChunkMs: options.firstChunkMs ?? 250,
    firstChunkJitterMs: options.firstChunkJitterMs ?? 10,
    realtimeFactor: options.realtimeFactor ?? 1,
    pairRealtimeFactor: options.pairRealtimeFactor ?? 0.5,
    fastRuns: options.fastRuns ?? 15,
    turnRuns: options.turnRuns ?? 12,
    skipRuns: options.skipRuns ?? 10,
    skipAfterMs: options.skipAfterMs ?? 2000,
  };
}

/**
 * Voice frames from the first to the last: silence frames inside, and how much later the stream ends than a
 * continuous 20 ms stream would. Robust to jitter: each voice frame's offset from its slot on a 20 ms grid is
 * taken, and the median of the last few is compared with the median of the first few.
 */
export function continuity(frames: readonly FrameSummary[]): { voiceFrames: number; silenceFrames: number; extraMs: number } {
  const first = frames.findIndex((f) => !f.silence);
  let last = -1;
  for (let i = frames.length - 1; i >= 0; i--) {
    if (!frames[i]!.silence) {
      last = i;
      break;
    }
  }
  if (first < 0) return { voiceFrames: 0, silenceFrames: 0, extraMs: NaN };
  const inside = frames.slice(first, last + 1);
  const offsets = inside.filter((f) => !f.silence).map((f, i) => f.at - FRAME_MS * i);
  const k = Math.max(1, Math.min(10, Math.floor(offsets.length / 2)));
  return {
    voiceFrames: offsets.length,
    silenceFrames: inside.length - offsets.length,
    extraMs: percentile(offsets.slice(-k), 50) - percentile(offsets.slice(0, k), 50),
  };
}

/** The seam between the two messages of a pair (see nextMessageStart). */
export function junction(frames: readonly KeyedFrame[]): Pick<PairRun, 'junctionSilenceFrames' | 'junctionGapMs'> {
  const voice = frames.filter((f) => !f.silence);
  const start = nextMessageStart(voice);
  const lastA = voice[start - 1];
  const firstB = voice[start];
  if (start < 0 || !lastA || !firstB) return { junctionSilenceFrames: undefined, junctionGapMs: undefined };
  return {
    junctionSilenceFrames: frames.filter((f) => f.silence && f.at > lastA.at && f.at < firstB.at).length,
    junctionGapMs: firstB.at - lastA.at - FRAME_MS,
  };
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`e2e bench: ${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

class E2eSession {
  private n = 0;

  constructor(
    private readonly fakes: FakeServers,
    private readonly subject: BotUnderTest,
    private readonly guildId: string,
    private readonly settings: E2eSettings,
  ) {}

  private text(kind: string, words = 'the quick brown fox'): string {
    // Unique texts: the audio cache must not answer a repeated phrase.
    return `${kind} ${++this.n}, ${words}.`;
  }

  /** One /speak, timed, played to its end; in `voice` when given (else the server's). */
  async speak(kind: string, voice?: string): Promise<SpeakRun> {
    const { fakes, guildId } = this;
    const { firstChunkMs: base, firstChunkJitterMs: jitter } = this.settings;
    const firstChunkMs = Math.max(0, base + (Math.random() * 2 - 1) * jitter);
    await fakes.call('configureMiniMax', [{ firstChunkMs }]);
    const ix = await fakes.call('interaction', [{ command: 'speak', user: 'alice', options: { text: this.text(kind), ...(voice ? { voice } : {}) } }]);
    const firstVoiceAt = await fakes.call('waitForVoice', [guildId, ix.dispatchedAt, 20_000], 25_000);
    const reply = await fakes.call('reply', [ix.id, 10_000], 15_000);
    if (!/^Reading it now\.|^Queued/.test(reply)) throw new Error(`e2e bench: /speak answered "${reply}"`);
    await fakes.call('waitForSilence', [guildId, ix.dispatchedAt, QUIET_MS, 20_000], 25_000);
    const mp3At = this.subject.probe.firstAfter(ix.dispatchedAt - fakes.clockOffset);
    if (mp3At === undefined) throw new Error('e2e bench: voice was heard but no MP3 message was seen by the probe');
    const heard = continuity(await fakes.call('frames', [guildId, ix.dispatchedAt]));
    const join = await fakes.call('joinTiming', [guildId, ix.dispatchedAt]);
    const connect = this.subject.probe.connectMsAfter(ix.dispatchedAt - fakes.clockOffset);
    return {
      firstChunkMs,
      e2eMs: firstVoiceAt - ix.dispatchedAt,
      toFirstMp3Ms: mp3At + fakes.clockOffset - ix.dispatchedAt,
      botAddedMs: firstVoiceAt - (mp3At + fakes.clockOffset),
      midSilenceFrames: heard.silenceFrames,
      extraMs: heard.extraMs,
      ...(join ? { joinMs: join.readyAt - join.requestAt } : {}),
      ...(connect === undefined ? {} : { t2aConnectMs: connect }),
    };
  }

  /** Two /speak in a row; how continuous the audio was from A's start to B's end. */
  async pair(): Promise<PairRun> {
    const { fakes, guildId } = this;
    await fakes.call('configureMiniMax', [{ firstChunkMs: this.settings.firstChunkMs }]);
    const a = await fakes.call('interaction', [{ command: 'speak', user: 'alice', options: { text: this.text('First of pair', 'one two three four five six seven') } }]);
    const b = await fakes.call('interaction', [{ command: 'speak', user: 'alice', options: { text: this.text('Second', 'eight nine ten') } }]);
    await fakes.call('waitForVoice', [guildId, a.dispatchedAt, 20_000], 25_000);
    for (const ix of [a, b]) await fakes.call('reply', [ix.id, 10_000], 15_000);
    await fakes.call('waitForSilence', [guildId, a.dispatchedAt, 600, 30_000], 35_000);
    const frames = await fakes.call('keyedFrames', [guildId, a.dispatchedAt]);
    const heard = continuity(frames);
    return { silenceFrames: heard.silenceFrames, extraMs: heard.extraMs, ...junction(frames) };
  }

  /** A long message, a short one queued, /skip partway into the first (MiniMax configured by the caller). */
  skip(): Promise<SkipRun> {
    const idle = (): boolean => {
      const s = this.subject.bot.sessions.get(this.guildId)?.status();
      return !s || (s.playing === null && s.queued === 0);
    };
    const long = this.text('Skipped', 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen');
    return skipRun({ fakes: this.fakes, guildId: this.guildId, afterMs: this.settings.skipAfterMs, idle }, { long, next: this.text('Next', 'go on') });
  }

  /** Leaves the voice channel and waits until the fakes saw the bot leave and every T2A socket close. */
  async leave(): Promise<void> {
    this.subject.bot.sessions.leave(this.guildId, 'benchmark: next run is cold');
    await waitUntil(async () => {
      const s = await this.fakes.call('state', [this.guildId]);
      return !s.inVoice && s.openT2A === 0;
    }, 10_000, 'voice left and T2A closed');
  }
}

/** Runs the end-to-end benchmark; starts and stops its own fakes and bot. */
export async function runE2eBench(options: E2eBenchOptions = {}): Promise<E2eBenchResult> {
  const settings = e2eSettings(options);
  const log = options.log ?? (() => undefined);
  const fakes = await FakeServers.start({
    guilds: [E2E_GUILD],
    token: BENCH_TOKEN,
    apiKey: BENCH_MINIMAX_KEY,
    minimax: { firstChunkMs: settings.firstChunkMs, realtimeFactor: settings.realtimeFactor, msPerChar: MS_PER_CHAR, minAudioMs: 300 },
  });
  let subject: BotUnderTest | undefined;
  try {
    subject = await startBotUnderTest(fakes);
    const guildId = fakes.info.guilds[0]!.id;
    const s = new E2eSession(fakes, subject, guildId, settings);
    // Warm-up (not measured): module loading, WASM compilation, first-use JIT of the whole path.
    await s.speak('Warm-up');
    await s.leave();

    const cold: SpeakRun[] = [];
    const warm: SpeakRun[] = [];
    const started = benchNow();
    for (let i = 0; i < settings.coldRuns; i++) {
      cold.push(await s.speak('Cold run'));
      for (let j = 0; j < settings.warmPerCold; j++) warm.push(await s.speak('Warm run'));
      await s.leave();
    }
    log(`e2e: ${cold.length} cold + ${warm.length} warm runs in ${((benchNow() - started) / 1000).toFixed(1)} s`);

    const pairs: PairRun[] = [];
    const realtimePairs: PairRun[] = [];
    await fakes.call('configureMiniMax', [{ realtimeFactor: settings.pairRealtimeFactor }]);
    await s.speak('Warm-up');
    for (let i = 0; i < settings.pairRuns; i++) pairs.push(await s.pair());
    const fast: SpeakRun[] = [];
    for (let i = 0; i < settings.fastRuns; i++) fast.push(await s.speak('Fast run'));
    const turnsFrom = benchNow();
    const turns: SpeakRun[] = [];
    for (let i = 0; i < settings.turnRuns; i++) turns.push(await s.speak('Turn', i % 2 === 0 ? TURN_VOICE : undefined));
    const turnConnections = subject.probe.sockets.filter((x) => x.createdAt >= turnsFrom).length;
    log(`e2e: ${fast.length} warm runs with MiniMax at ${1 / settings.pairRealtimeFactor}x real time, ${turns.length} in two voices taking turns`);
    await fakes.call('configureMiniMax', [{ realtimeFactor: 1 }]);
    for (let i = 0; i < settings.realtimePairRuns; i++) realtimePairs.push(await s.pair());
    log(`e2e: ${pairs.length} + ${realtimePairs.length} back-to-back pairs`);

    const skips: SkipRun[] = [];
    await fakes.call('configureMiniMax', [{ realtimeFactor: 1, msPerChar: SKIP_MS_PER_CHAR }]);
    for (let i = 0; i < settings.skipRuns; i++) skips.push(await s.skip());
    await fakes.call('configureMiniMax', [{ msPerChar: MS_PER_CHAR }]);
    log(`e2e: ${skips.length} skips`);

    return { settings, cold, warm, fast, pairs, realtimePairs, turns, turnConnections, skips, clockOffsetMs: fakes.clockOffset, botLogs: subject.logs };
  } finally {
    await subject?.close();
    await fakes.close();
  }
}
