/**
 * The Synthesizer over MiniMax's T2A WebSocket: keeps one warm task per settings (the latest settings stay
 * warm until idle; earlier ones finish once drained). An overlapping speak() goes to an idle task if there is
 * one, else to a task of its own (up to maxTasks, so the next text is synthesized while the current one still
 * streams, and cancelling one does not cost the other its audio), else it is pipelined on the least busy. It hides
 * connection trouble: a text that heard no audio is re-sent once on a new connection, texts queued behind a
 * cancelled or refused one are re-sent, and only what cannot be repaired reaches the caller as a T2AError.
 * warm() opens a task before its first text (while the caller waits on something else, e.g. a voice join).
 */
import { T2AError } from './errors.js';
import { abortError, attribute, cutError, decide, recurs, shutdownError } from './jobFate.js';
import { settingsKey } from './protocol.js';
import { Job, TaskLane, type LaneOwner } from './TaskLane.js';
import type { T2ASocketOptions, T2ATimeouts, WebSocketFactory } from './T2ASocket.js';
import { UtteranceStream } from './UtteranceStream.js';
import type { SpeakOptions, Synthesizer, T2AObserver, TaskSettings, Utterance } from './types.js';
import { checkText, validateTaskSettings } from './validate.js';

export interface SynthesizerOptions {
  /** ws:// or wss:// T2A URL (see resolveT2AUrl). */
  url: string;
  apiKey: string;
  timeouts?: Partial<T2ATimeouts> | undefined;
  /** Close a warm task after this long without work; below MiniMax's 120 s idle limit. Default 100_000. */
  idleCloseMs?: number | undefined;
  /** Texts sent ahead on one task before the earlier ones finish. Default 8. */
  maxPipelined?: number | undefined;
  /**
   * Tasks (connections) open at once for equal settings, so texts are synthesized side by side instead of one
   * after the other on one task. Default 1 (every overlapping text pipelined on one task).
   */
  maxTasks?: number | undefined;
  /** After an extra task was refused for a limit (e.g. 1041), only one task is used for this long. Default 60_000. */
  extraTaskPauseMs?: number | undefined;
  /**
   * A task that goes idle while another task for its settings is idle too is finished after this long (at most
   * idleCloseMs), so a busy channel reuses it instead of connecting again for nearly every message. Default 15_000.
   */
  spareIdleMs?: number | undefined;
  /**
   * An idle task whose settings are not the latest stays open this long (at most idleCloseMs), for the
   * `maxWarmSettings` most recent settings: members with different voices taking turns do not each wait for a new
   * connection. 0: finished as soon as it is idle. Default 30_000.
   */
  otherSettingsIdleMs?: number | undefined;
  /** Settings kept warm at once, the latest included. Default 3. */
  maxWarmSettings?: number | undefined;
  WebSocket?: WebSocketFactory | undefined;
  /** Clock in ms (tests); a task idle for longer than idleCloseMs by this clock is not reused. */
  now?: (() => number) | undefined;
  /** Told of task starts, first chunks and failures (metrics). */
  observer?: T2AObserver | undefined;
}

export const DEFAULT_IDLE_CLOSE_MS = 100_000;
const DEFAULT_MAX_PIPELINED = 8;
const DEFAULT_EXTRA_TASK_PAUSE_MS = 60_000;
const DEFAULT_SPARE_IDLE_MS = 15_000;
const DEFAULT_OTHER_SETTINGS_IDLE_MS = 30_000;
const DEFAULT_MAX_WARM_SETTINGS = 3;

/** Creates the MiniMax-backed Synthesizer (the session layer's only entry point into src/t2a). */
export function createSynthesizer(options: SynthesizerOptions): T2ASynthesizer {
  return new T2ASynthesizer(options);
}

export class T2ASynthesizer implements Synthesizer, LaneOwner {
  private readonly lanes = new Set<TaskLane>();
  /** The lanes taking new work, per settings key, oldest first. */
  private readonly routable = new Map<string, TaskLane[]>();
  /** Lanes opened while another lane for the same settings was open. */
  private readonly extra = new WeakSet<TaskLane>();
  /** Until then (by `now`), no extra lane is opened: one was refused for a limit. */
  private extraPausedUntil = -Infinity;
  private currentKey: string | undefined;
  /** Settings keys, the latest first: the first maxWarmSettings may keep an idle task. */
  private recentKeys: string[] = [];
  /** Lanes opened by warm() that no text has used yet. */
  private readonly warmOnly = new WeakSet<TaskLane>();
  /** A refusal a warmed task met before it started, kept for the next speak() with the same settings. */
  private warmFailure: { key: string; error: T2AError; at: number } | undefined;
  private seq = 0;
  private closed = false;
  private readonly idleCloseMs: number;
  private readonly maxPipelined: number;
  private readonly maxTasks: number;
  private readonly extraTaskPauseMs: number;
  private readonly spareIdleMs: number;
  private readonly otherSettingsIdleMs: number;
  private readonly maxWarmSettings: number;
  private readonly now: () => number;

  constructor(private readonly options: SynthesizerOptions) {
    this.idleCloseMs = options.idleCloseMs ?? DEFAULT_IDLE_CLOSE_MS;
    this.maxPipelined = Math.max(1, options.maxPipelined ?? DEFAULT_MAX_PIPELINED);
    this.maxTasks = Math.max(1, options.maxTasks ?? 1);
    this.extraTaskPauseMs = options.extraTaskPauseMs ?? DEFAULT_EXTRA_TASK_PAUSE_MS;
    this.spareIdleMs = Math.min(this.idleCloseMs, options.spareIdleMs ?? DEFAULT_SPARE_IDLE_MS);
    this.otherSettingsIdleMs = Math.min(this.idleCloseMs, options.otherSettingsIdleMs ?? DEFAULT_OTHER_SETTINGS_IDLE_MS);
    this.maxWarmSettings = Math.max(1, options.maxWarmSettings ?? DEFAULT_MAX_WARM_SETTINGS);
    this.now = options.now ?? Date.now;
  }

  get observer(): T2AObserver | undefined {
    return this.options.observer;
  }

  /** Open connections (warm, draining or connecting); for tests and diagnostics. */
  get connectionCount(): number {
    return this.lanes.size;
  }

  speak(text: string, settings: TaskSettings, options: SpeakOptions = {}): Utterance {
    const stream = new UtteranceStream();
    const early = this.refuse(text, settings, options.signal);
    if (early) {
      stream.fail(early);
      return stream;
    }
    const signal = options.signal;
    let onAbort: (() => void) | undefined;
    const job = new Job(this.seq++, text, settingsKey(settings), settings, stream, () => {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    });
    if (signal) {
      onAbort = () => this.cancel(job, signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    this.makeCurrent(job.key);
    this.route(job);
    return stream;
  }

  /**
   * Opens a task for `settings` without sending text, and makes them the current (warm) settings as speak()
   * would. A warmed task that gets no text goes through the idle rule like any other.
   */
  warm(settings: TaskSettings): void {
    if (this.closed || settingsError(settings)) return;
    this.warmFailure = undefined;
    const key = settingsKey(settings);
    this.makeCurrent(key);
    if (this.lanesFor(key).length === 0) this.warmOnly.add(this.openLane(key, settings));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closing = [...this.lanes].map((lane) => lane.finish(shutdownError()));
    await Promise.all(closing);
  }

  laneIdle(lane: TaskLane): void {
    if (this.closed) return;
    const ms = this.keepIdleMs(lane);
    if (ms <= 0) this.retire(lane);
    else lane.armIdle(ms, () => this.retire(lane));
  }

  /** How long an idle lane stays open (0: finished now). */
  private keepIdleMs(lane: TaskLane): number {
    const lanes = this.routable.get(lane.key) ?? [];
    if (!lanes.includes(lane)) return 0;
    const otherIdle = lanes.some((l) => l !== lane && l.idle);
    // The latest settings: one idle task warm for long; a second idle one is a spare, finished sooner.
    if (lane.key === this.currentKey) return otherIdle ? this.spareIdleMs : this.idleCloseMs;
    // Earlier settings: one idle task each, for the most recent ones only.
    if (otherIdle || !this.recentKeys.slice(0, this.maxWarmSettings).includes(lane.key)) return 0;
    return this.otherSettingsIdleMs;
  }

  laneClosed(lane: TaskLane, reason: T2AError | undefined, inflight: Job[], waiting: Job[]): void {
    this.lanes.delete(lane);
    this.unroute(lane);
    const refusedExtra = this.extra.has(lane) && !lane.started && reason?.category === 'rate_limit';
    if (refusedExtra) this.extraPausedUntil = this.now() + this.extraTaskPauseMs;
    if (this.warmOnly.has(lane) && !lane.started && reason && recurs(reason) && !this.closed) {
      // The text coming next would meet the same refusal on a new connection: it gets this one instead.
      this.warmFailure = { key: lane.key, error: reason, at: this.now() };
    }
    const live = [...inflight, ...waiting].filter((j) => !j.ghost && !j.settled);
    if (live.length === 0) return;
    if (this.closed) {
      for (const job of live) job.fail(shutdownError());
      return;
    }
    const failure = reason ?? new T2AError('MiniMax finished the task with texts still queued', { code: 'closed' });
    const retry: Job[] = [];
    for (const job of live) {
      // An extra task refused for a limit: its texts go on the tasks already open, as if it had not been tried.
      const outcome = refusedExtra && !job.stream.audioStarted ? 'resend' : decide(failure, job, lane.started, attribute(failure, inflight));
      if (outcome === 'resend') retry.push(job);
      else if (outcome === 'retry' && job.retriesLeft > 0) {
        job.retriesLeft -= 1;
        retry.push(job);
      } else if (job.stream.audioStarted) job.fail(cutError(failure, job));
      else job.fail(failure);
    }
    retry.sort((a, b) => a.seq - b.seq);
    for (const job of retry) this.route(job);
  }

  private refuse(text: string, settings: TaskSettings, signal: AbortSignal | undefined): T2AError | undefined {
    if (this.closed) return shutdownError();
    if (signal?.aborted) return abortError(signal.reason);
    return checkText(text) ?? settingsError(settings) ?? this.takeWarmFailure(settingsKey(settings));
  }

  /** The refusal a warmed task met, for the first text after it if its settings are equal (then forgotten). */
  private takeWarmFailure(key: string): T2AError | undefined {
    const failure = this.warmFailure;
    this.warmFailure = undefined;
    if (!failure || failure.key !== key || this.now() - failure.at >= this.idleCloseMs) return undefined;
    return failure.error;
  }

  /**
   * The latest settings become the warm ones. The previous ones' idle tasks go by the shorter otherSettingsIdleMs
   * (or finish at once), and settings beyond the maxWarmSettings most recent lose theirs.
   */
  private makeCurrent(key: string): void {
    if (key === this.currentKey) return;
    this.currentKey = key;
    this.recentKeys = [key, ...this.recentKeys.filter((k) => k !== key)];
    for (const other of this.recentKeys.slice(1)) {
      for (const lane of this.lanesFor(other)) if (lane.idle && lane.state === 'ready') this.laneIdle(lane);
    }
    this.recentKeys = this.recentKeys.filter((k, i) => i < this.maxWarmSettings || this.routable.has(k));
  }

  private route(job: Job): void {
    const lane = this.pickLane(job.key);
    if (!lane) {
      this.openLane(job.key, job.settings, job);
      return;
    }
    this.warmOnly.delete(lane);
    lane.add(job);
  }

  /**
   * Where a new text for `key` goes: an idle task (ready before opening); none idle, a new task while fewer than
   * maxTasks are open (undefined); else the task with the least work, the oldest on a tie.
   */
  private pickLane(key: string): TaskLane | undefined {
    const lanes = this.lanesFor(key);
    const idle = lanes.filter((l) => l.idle);
    const ready = idle.find((l) => l.state === 'ready') ?? idle[0];
    if (ready) return ready;
    if (lanes.length === 0 || (lanes.length < this.maxTasks && this.now() >= this.extraPausedUntil)) return undefined;
    return lanes.reduce((best, l) => (l.load < best.load ? l : best));
  }

  /** The lanes that take new work for `key`, still fit for it (an unfit one is retired). */
  private lanesFor(key: string): TaskLane[] {
    for (const lane of [...(this.routable.get(key) ?? [])]) {
      if (!lane.routable || (lane.idle && this.now() - lane.lastActiveAt >= this.idleCloseMs)) {
        // A task idle past the limit (timers held up, machine asleep) may already be closed by MiniMax.
        this.retire(lane);
      }
    }
    return this.routable.get(key) ?? [];
  }

  /** A new connection and task for `key`; `first` is queued before it starts (none: a warmed task). */
  private openLane(key: string, settings: TaskSettings, first?: Job): TaskLane {
    const lane = new TaskLane(key, settings, this.socketOptions(), this, this.maxPipelined, this.now);
    this.lanes.add(lane);
    const lanes = this.routable.get(key) ?? [];
    if (lanes.length > 0) this.extra.add(lane);
    this.routable.set(key, [...lanes, lane]);
    if (first) lane.add(first);
    lane.start();
    return lane;
  }

  private retire(lane: TaskLane): void {
    this.unroute(lane);
    void lane.finish();
  }

  private unroute(lane: TaskLane): void {
    const lanes = this.routable.get(lane.key)?.filter((l) => l !== lane) ?? [];
    if (lanes.length > 0) this.routable.set(lane.key, lanes);
    else this.routable.delete(lane.key);
  }

  private cancel(job: Job, why: unknown): void {
    if (job.settled) return;
    const error = abortError(why);
    if (job.lane) job.lane.cancel(job, error);
    else job.fail(error);
  }

  private socketOptions(): T2ASocketOptions {
    return { url: this.options.url, apiKey: this.options.apiKey, timeouts: this.options.timeouts, WebSocket: this.options.WebSocket };
  }
}

/** Why these settings would be refused (a T2AError), or undefined when they are valid. */
function settingsError(settings: TaskSettings): T2AError | undefined {
  try {
    validateTaskSettings(settings);
  } catch (error) {
    if (error instanceof T2AError) return error;
    throw error;
  }
  return undefined;
}
