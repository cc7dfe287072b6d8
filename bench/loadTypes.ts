/** What the load benchmark's parent (bench/load.ts) and its measured child (bench/loadWorker.ts) exchange. */
import type { AudioFormat } from '../src/config.js';

export type LoadWorkerInput =
  | {
      mode: 'speak';
      /** Guilds speaking at once. */
      guilds: number;
      /** Audio per guild (one text each). */
      audioMs: number;
      firstChunkMs: number;
      realtimeFactor: number;
      /** What the bot asks MiniMax for (AUDIO_FORMAT); default 'mp3'. */
      audioFormat?: AudioFormat;
      /** DAVE end-to-end encryption (default true, as Discord requires); false: transport encryption only. */
      dave?: boolean;
      /** More of the bot's environment, for trying settings by hand (e.g. AUDIO_WORKERS); the bench sets none. */
      env?: Record<string, string>;
    }
  | {
      mode: 'idle';
      /** Guilds added while the bot runs, with no voice session. */
      guilds: number;
    };

export interface SpeakStepResult {
  mode: 'speak';
  guilds: number;
  audioFormat: AudioFormat;
  /** Whether the voice connections used DAVE (absent in results written before it was measured: they did not). */
  dave?: boolean;
  /** Which run of this step (1, 2, ...), set by the parent. */
  run?: number;
  /** Wall time from the first enqueue to the last item finished. */
  wallSeconds: number;
  /** Audio the fake voice server heard (sum over guilds). */
  audioSeconds: number;
  /** CPU (user + system) of the bot process over that window. */
  cpuSeconds: number;
  /** RSS after warm-up and GC, before any load guild joined. */
  baselineRssBytes: number;
  /** Heap + external memory after GC: before the joins, after them (sessions joined, silent). */
  baselineHeapBytes: number;
  joinedHeapBytes: number;
  joinedRssBytes: number;
  /** Largest RSS sampled while speaking (every 100 ms) and the process's lifetime peak (getrusage). */
  peakRssBytes: number;
  maxRssBytes: number;
  /** CPU of the process with every guild joined and silent (% of a core), measured just before. */
  idleCpuPercent: number;
  /** Silence frames inside an utterance (all guilds), breaks of any kind, and breaks by a frame later than 200 ms. */
  underrunFrames: number;
  gaps: number;
  lateGaps: number;
  /** Packets the voice server never got (sequence jumps): sent in a burst after a stall and dropped. */
  lostPackets: number;
  guildsWithUnderruns: number;
  /** The playout delay the step's messages started with (the warm-up may have raised it from the floor). */
  playoutDelayMs: number;
  /** When each underrun came: ms after its guild's first voice frame, in order. */
  underrunAtMs: number[];
  /**
   * At each underrun: how long (ms, ascending) the bot had held the MiniMax chunk with the missing frame's audio
   * when the frame was due. Around 0 or below: MiniMax, here the fake, was late; well above: the bot had the
   * audio and did not get the packet out in time.
   */
  underrunHeldMs?: number[];
  maxLateMs: number;
  /** Guilds that heard nothing, or items reported failed. */
  silentGuilds: number;
  failures: number;
  /** The distinct reasons of those failures (a few). */
  failureReasons: string[];
  /** First MP3 message received -> first voice frame, per guild. */
  botAddedMs: number[];
  /** Event-loop delay while speaking (ms). */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** The fakes' process over the same window: CPU and event-loop delay (if it lags, arrival times are late). */
  fakesCpuSeconds: number;
  fakesLoopDelayP99Ms: number;
  fakesLoopDelayMaxMs: number;
  /** Warnings and errors the bot logged. */
  logs: string[];
}

export interface IdleStepResult {
  mode: 'idle';
  guilds: number;
  /** Heap + external after GC, before and after the idle guilds arrived. */
  beforeHeapBytes: number;
  afterHeapBytes: number;
  beforeRssBytes: number;
  afterRssBytes: number;
}

export type LoadWorkerResult = SpeakStepResult | IdleStepResult;
