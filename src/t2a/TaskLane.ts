/**
 * One MiniMax task on one connection, for one set of TaskSettings: texts are sent as task_continue as soon
 * as the task has started (up to a pipelining cap) and the audio frames are handed to them in send order,
 * counting is_final frames. A lane reports when it runs empty and when it closes (with the jobs it still
 * held); what happens to those jobs is the synthesizer's decision.
 */
import { T2AError } from './errors.js';
import { T2ASocket, type AudioFrame, type T2ASocketOptions } from './T2ASocket.js';
import type { UtteranceStream } from './UtteranceStream.js';
import type { T2AObserver, TaskSettings } from './types.js';

/** One speak() call travelling through lanes. */
export class Job {
  /** Transparent retries left after a failure that was not the text's fault, before any audio. */
  retriesLeft = 1;
  /** Cancelled while its text was already queued at MiniMax: its audio is discarded when it comes. */
  ghost = false;
  lane: TaskLane | undefined;
  /** When MiniMax could start on this text (it was sent and the text before it was done); undefined once audio came. */
  headSince: number | undefined;

  constructor(
    readonly seq: number,
    readonly text: string,
    readonly key: string,
    readonly settings: TaskSettings,
    readonly stream: UtteranceStream,
    private readonly detach: () => void,
  ) {}

  get settled(): boolean {
    return this.stream.settled;
  }

  finish(): void {
    this.stream.finish();
    this.detach();
  }

  fail(error: T2AError): void {
    this.stream.fail(error);
    this.detach();
  }
}

export interface LaneOwner {
  /** The lane has no job left (sent or waiting). */
  laneIdle(lane: TaskLane): void;
  /** The connection is over; `inflight` were sent (in order), `waiting` were not. */
  laneClosed(lane: TaskLane, reason: T2AError | undefined, inflight: Job[], waiting: Job[]): void;
  /** Told of task starts, first chunks and failures (metrics). */
  readonly observer?: T2AObserver | undefined;
}

export type LaneState = 'opening' | 'ready' | 'finishing' | 'closed';

export class TaskLane {
  readonly socket: T2ASocket;
  private readonly waiting: Job[] = [];
  private readonly inflight: Job[] = [];
  private stateValue: LaneState = 'opening';
  private idleTimer: NodeJS.Timeout | undefined;
  /** Whether task_started was ever received (a failure before it concerns the settings, not a text). */
  started = false;
  lastActiveAt: number;

  constructor(
    readonly key: string,
    private readonly settings: TaskSettings,
    socketOptions: T2ASocketOptions,
    private readonly owner: LaneOwner,
    private readonly maxPipelined: number,
    private readonly now: () => number,
  ) {
    this.lastActiveAt = now();
    this.socket = new T2ASocket(socketOptions);
    this.socket.on('audio', (frame) => this.onAudio(frame));
    this.socket.on('closed', (reason) => this.onClosed(reason));
  }

  /**
   * Connects and starts the task (call once, after registering the lane). A lane may start with no job (a
   * warmed task): once started it reports itself idle, and the owner's idle rule applies as after any last job.
   */
  start(): void {
    void this.open();
  }

  get state(): LaneState {
    return this.stateValue;
  }

  /** Accepts new jobs (not finishing or closed). */
  get routable(): boolean {
    return this.stateValue === 'opening' || this.stateValue === 'ready';
  }

  get idle(): boolean {
    return this.waiting.length === 0 && this.inflight.length === 0;
  }

  /** Texts sent or waiting. */
  get load(): number {
    return this.waiting.length + this.inflight.length;
  }

  add(job: Job): void {
    this.clearIdle();
    job.lane = this;
    this.waiting.push(job);
    this.lastActiveAt = this.now();
    if (this.inflight[0]?.ghost) {
      // Do not queue a live text behind a cancelled one still being synthesized: restart on a new connection.
      this.kill();
      return;
    }
    this.flush();
  }

  /** Cancels one job: dropped if not yet sent; if MiniMax is synthesizing it, the connection is closed. */
  cancel(job: Job, error: T2AError): void {
    const w = this.waiting.indexOf(job);
    if (w >= 0) {
      this.waiting.splice(w, 1);
      job.fail(error);
      if (this.idle) this.owner.laneIdle(this);
      return;
    }
    const i = this.inflight.indexOf(job);
    job.fail(error);
    if (i < 0) return;
    job.ghost = true;
    if (i === 0) this.kill();
  }

  /** Arms the idle close: after `ms` with nothing to do, `onIdle` runs (the owner finishes the task). */
  armIdle(ms: number, onIdle: () => void): void {
    this.clearIdle();
    this.idleTimer = setTimeout(onIdle, ms);
  }

  /** Ends the task politely (task_finish) when it is idle and started; otherwise closes the socket. */
  async finish(reason?: T2AError): Promise<void> {
    this.clearIdle();
    if (this.stateValue === 'ready' && this.idle) {
      this.stateValue = 'finishing';
      await this.socket.taskFinish().catch((error: unknown) => this.socket.close(asT2AError(error)));
    } else if (this.stateValue === 'opening' || this.stateValue === 'ready') {
      this.socket.close(reason);
    }
    await this.socket.whenSocketClosed();
  }

  /** Closes the connection to cancel what MiniMax is synthesizing; jobs still held are handed back. */
  kill(): void {
    this.socket.close(new T2AError('the connection was closed to cancel an utterance', { code: 'aborted' }));
  }

  private async open(): Promise<void> {
    try {
      await this.socket.connect();
      await this.socket.taskStart(this.settings);
    } catch (error) {
      // Already reported through 'closed' (the socket closes itself before rejecting); make sure it is closed.
      this.socket.close(asT2AError(error));
      return;
    }
    if (this.stateValue !== 'opening') return;
    this.started = true;
    this.stateValue = 'ready';
    this.owner.observer?.taskStarted?.();
    this.flush();
    if (this.idle) this.owner.laneIdle(this);
  }

  private flush(): void {
    while (this.stateValue === 'ready' && this.inflight.length < this.maxPipelined) {
      const job = this.waiting.shift();
      if (!job) return;
      this.inflight.push(job);
      if (this.inflight.length === 1) job.headSince = this.now();
      this.socket.taskContinue(job.text);
      job.stream.sent = true;
    }
  }

  private onAudio(frame: AudioFrame): void {
    const job = this.inflight[0];
    if (!job) return; // the socket rejects audio for no pending text before emitting it
    this.lastActiveAt = this.now();
    if (job.headSince !== undefined && frame.audio.length > 0) {
      this.owner.observer?.firstChunk?.(this.now() - job.headSince);
      job.headSince = undefined;
    }
    if (!job.ghost) {
      job.stream.push(frame.audio);
      job.stream.note(frame.extraInfo, frame.traceId ?? this.socket.traceId);
    }
    if (!frame.isFinal) return;
    this.inflight.shift();
    if (!job.ghost) job.finish();
    const next = this.inflight[0];
    if (next) next.headSince = this.now();
    if (next?.ghost && (this.inflight.some((j) => !j.ghost) || this.waiting.length > 0)) {
      this.kill();
      return;
    }
    this.flush();
    if (this.idle) this.owner.laneIdle(this);
  }

  private onClosed(reason: T2AError | undefined): void {
    this.clearIdle();
    this.stateValue = 'closed';
    const inflight = this.inflight.splice(0);
    const waiting = this.waiting.splice(0);
    if (reason && reason.category !== 'aborted') this.owner.observer?.error?.({ code: reason.code, category: reason.category });
    this.owner.laneClosed(this, reason, inflight, waiting);
  }

  private clearIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

function asT2AError(error: unknown): T2AError {
  return error instanceof T2AError ? error : new T2AError(String(error), { code: 'protocol', cause: error });
}
