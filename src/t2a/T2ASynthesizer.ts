/**
 * The Synthesizer over MiniMax's T2A WebSocket: keeps one warm task per settings (the latest settings stay
 * warm until idle; earlier ones finish once drained), pipelines overlapping speak() calls on it, and hides
 * connection trouble: a text that heard no audio is re-sent once on a new connection, texts queued behind a
 * cancelled or refused one are re-sent, and only what cannot be repaired reaches the caller as a T2AError.
 * warm() opens a task before its first text (while the caller waits on something else, e.g. a voice join).
 */
import { T2AError } from './errors.js';
import { settingsKey } from './protocol.js';
import { Job, TaskLane, type LaneOwner } from './TaskLane.js';
import type { T2ASocketOptions, T2ATimeouts, WebSocketFactory } from './T2ASocket.js';
import { UtteranceStream } from './UtteranceStream.js';
import type { SpeakOptions, Synthesizer, TaskSettings, Utterance } from './types.js';
import { MAX_TEXT_LENGTH, checkText, validateTaskSettings } from './validate.js';

export interface SynthesizerOptions {
  /** ws:// or wss:// T2A URL (see resolveT2AUrl). */
  url: string;
  apiKey: string;
  timeouts?: Partial<T2ATimeouts> | undefined;
  /** Close a warm task after this long without work; below MiniMax's 120 s idle limit. Default 100_000. */
  idleCloseMs?: number | undefined;
  /** Texts sent ahead on one task before the earlier ones finish. Default 8. */
  maxPipelined?: number | undefined;
  WebSocket?: WebSocketFactory | undefined;
  /** Clock in ms (tests); a task idle for longer than idleCloseMs by this clock is not reused. */
  now?: (() => number) | undefined;
}

export const DEFAULT_IDLE_CLOSE_MS = 100_000;
const DEFAULT_MAX_PIPELINED = 8;

/** Creates the MiniMax-backed Synthesizer (the session layer's only entry point into src/t2a). */
export function createSynthesizer(options: SynthesizerOptions): T2ASynthesizer {
  return new T2ASynthesizer(options);
}

export class T2ASynthesizer implements Synthesizer, LaneOwner {
  private readonly lanes = new Set<TaskLane>();
  private readonly routable = new Map<string, TaskLane>();
  private currentKey: string | undefined;
  /** Lanes opened by warm() that no text has used yet. */
  private readonly warmOnly = new WeakSet<TaskLane>();
  /** A refusal a warmed task met before it started, kept for the next speak() with the same settings. */
  private warmFailure: { key: string; error: T2AError; at: number } | undefined;
  private seq = 0;
  private closed = false;
  private readonly idleCloseMs: number;
  private readonly maxPipelined: number;
  private readonly now: () => number;

  constructor(private readonly options: SynthesizerOptions) {
    this.idleCloseMs = options.idleCloseMs ?? DEFAULT_IDLE_CLOSE_MS;
    this.maxPipelined = Math.max(1, options.maxPipelined ?? DEFAULT_MAX_PIPELINED);
    this.now = options.now ?? Date.now;
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
    if (!this.usableLane(key)) this.warmOnly.add(this.openLane(key, settings));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closing = [...this.lanes].map((lane) => lane.finish(shutdownError()));
    await Promise.all(closing);
  }

  laneIdle(lane: TaskLane): void {
    if (this.closed) return;
    if (lane.key !== this.currentKey || this.routable.get(lane.key) !== lane) {
      this.retire(lane);
      return;
    }
    lane.armIdle(this.idleCloseMs, () => this.retire(lane));
  }

  laneClosed(lane: TaskLane, reason: T2AError | undefined, inflight: Job[], waiting: Job[]): void {
    this.lanes.delete(lane);
    if (this.routable.get(lane.key) === lane) this.routable.delete(lane.key);
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
      const outcome = decide(failure, job, lane.started, attribute(failure, inflight));
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

  /** The latest settings become the warm ones; the previous task finishes once it has drained. */
  private makeCurrent(key: string): void {
    if (key === this.currentKey) return;
    const previous = this.currentKey === undefined ? undefined : this.routable.get(this.currentKey);
    this.currentKey = key;
    if (previous?.idle && previous.state === 'ready') this.retire(previous);
  }

  private route(job: Job): void {
    const lane = this.usableLane(job.key);
    if (!lane) {
      this.openLane(job.key, job.settings, job);
      return;
    }
    this.warmOnly.delete(lane);
    lane.add(job);
  }

  /** The lane that takes new work for `key`, if there is one still fit for it (an unfit one is retired). */
  private usableLane(key: string): TaskLane | undefined {
    const lane = this.routable.get(key);
    if (lane && (!lane.routable || (lane.idle && this.now() - lane.lastActiveAt >= this.idleCloseMs))) {
      // A task idle past the limit (timers held up, machine asleep) may already be closed by MiniMax.
      this.retire(lane);
      return undefined;
    }
    return lane;
  }

  /** A new connection and task for `key`; `first` is queued before it starts (none: a warmed task). */
  private openLane(key: string, settings: TaskSettings, first?: Job): TaskLane {
    const lane = new TaskLane(key, settings, this.socketOptions(), this, this.maxPipelined, this.now);
    this.lanes.add(lane);
    this.routable.set(key, lane);
    if (first) lane.add(first);
    lane.start();
    return lane;
  }

  private retire(lane: TaskLane): void {
    if (this.routable.get(lane.key) === lane) this.routable.delete(lane.key);
    void lane.finish();
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

type Outcome = 'fail' | 'retry' | 'resend';

/** Account-wide refusals: every queued text would meet the same answer. */
function sharedByAll(error: T2AError): boolean {
  return error.category === 'auth' || error.category === 'billing' || (error.category === 'rate_limit' && error.code !== 2205);
}

/** Refusals of the account or the settings: a new connection with the same settings would meet them again. */
function recurs(error: T2AError): boolean {
  return error.category === 'auth' || error.category === 'billing' || error.category === 'voice';
}

function transient(error: T2AError): boolean {
  return error.retryable && (error.category === 'transient' || error.category === 'idle');
}

/** The sent text a status error is about, when one can be named. */
function attribute(error: T2AError, inflight: Job[]): Job | undefined {
  if (typeof error.code !== 'number' || error.code === 2201) return undefined;
  switch (error.code) {
    case 2203:
      return inflight.find((j) => j.text.trim() === '') ?? inflight[0];
    case 2204:
      return inflight.find((j) => j.text.length > MAX_TEXT_LENGTH) ?? inflight[0];
    case 2205:
      // The queue overflowed when the latest text arrived.
      return inflight[inflight.length - 1];
    default:
      return inflight[0];
  }
}

/**
 * What happens to a job still held by a closed connection:
 * - 'resend': not its fault and nothing heard (a neighbour was cancelled or refused): re-sent, no retry used;
 * - 'retry': a transient failure before audio: re-sent once;
 * - 'fail': everything else (a cut, the text's own refusal, an account-wide refusal).
 */
function decide(error: T2AError, job: Job, started: boolean, culprit: Job | undefined): Outcome {
  if (job.stream.audioStarted) return 'fail';
  if (error.code === 'aborted') return 'resend';
  if (!started || sharedByAll(error) || error.kind !== 'status' || error.code === 2201) {
    return transient(error) ? 'retry' : 'fail';
  }
  if (job !== culprit) return 'resend';
  return transient(error) ? 'retry' : 'fail';
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

function cutError(reason: T2AError, job: Job): T2AError {
  return new T2AError(`the speech was cut off after ${job.stream.bytes} bytes of audio; the rest was not read (${reason.message})`, {
    code: reason.code,
    category: reason.category === 'idle' ? 'transient' : reason.category,
    retryable: false,
    traceId: reason.traceId,
    cause: reason,
  });
}

function abortError(why: unknown): T2AError {
  return new T2AError('the utterance was cancelled', { code: 'aborted', cause: why });
}

function shutdownError(): T2AError {
  return new T2AError('the synthesizer was closed', { code: 'closed', category: 'aborted', retryable: false });
}
