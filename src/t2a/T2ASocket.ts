/**
 * The protocol client for ONE MiniMax T2A connection: one method per client message, a typed event for
 * audio frames, and a deadline on every wait. It counts texts sent against is_final frames received and
 * watches the audio flow (first chunk, then between chunks). Any failure (task_failed, malformed frame,
 * deadline, drop) closes the connection and is reported once, through the 'closed' event.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { T2AError, redact, scrubError } from './errors.js';
import { parseServerFrame, toTaskStart, type ClientMessage, type ExtraInfo } from './protocol.js';
import type { TaskSettings } from './types.js';

/** Deadlines, in milliseconds. */
export interface T2ATimeouts {
  /** From opening the socket to connected_success. */
  connect: number;
  /** From task_start to task_started. */
  taskStarted: number;
  /** From a text becoming the one being synthesized to its first audio frame. */
  firstChunk: number;
  /** Between two audio frames of the same text. */
  betweenChunks: number;
  /** From task_finish to task_finished. */
  taskFinished: number;
}

export const DEFAULT_TIMEOUTS: Readonly<T2ATimeouts> = Object.freeze({
  connect: 10_000,
  taskStarted: 10_000,
  firstChunk: 15_000,
  betweenChunks: 10_000,
  taskFinished: 10_000,
});

/** Opens a WebSocket; swap it to add a proxy agent or instrument the socket. */
export type WebSocketFactory = (url: string, options: { headers: Record<string, string> }) => WebSocket;

export const defaultWebSocketFactory: WebSocketFactory = (url, options) => new WebSocket(url, { headers: options.headers });

export interface T2ASocketOptions {
  url: string;
  apiKey: string;
  timeouts?: Partial<T2ATimeouts> | undefined;
  WebSocket?: WebSocketFactory | undefined;
}

/** One task_continued frame, decoded. */
export interface AudioFrame {
  audio: Buffer;
  isFinal: boolean;
  extraInfo?: ExtraInfo;
  traceId?: string;
}

export type T2ASocketState = 'idle' | 'connecting' | 'connected' | 'starting' | 'started' | 'finishing' | 'finished' | 'closed';

export interface T2ASocketEvents {
  /** A task_continued frame (audio may be empty). */
  audio: [frame: AudioFrame];
  /** The connection is over: `reason` is undefined after a clean task_finished, else what ended it. */
  closed: [reason: T2AError | undefined];
}

interface Wait {
  resolve: () => void;
  reject: (error: T2AError) => void;
  timer: NodeJS.Timeout;
}

/** Grace period for the closing handshake before the TCP socket is destroyed. */
const CLOSE_GRACE_MS = 1_000;

export class T2ASocket extends EventEmitter<T2ASocketEvents> {
  private readonly timeouts: T2ATimeouts;
  private readonly factory: WebSocketFactory;
  private ws: WebSocket | undefined;
  private stateValue: T2ASocketState = 'idle';
  private wait: Wait | undefined;
  private waitingFor: string | undefined;
  private flowTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private socketClosed = false;
  private readonly socketClosedWaiters: (() => void)[] = [];
  private upgradeStatus: number | undefined;
  private sent = 0;
  private finals = 0;
  private reasonValue: T2AError | undefined;
  /** Trace id of the connection (from connected_success / task_started). */
  traceId: string | undefined;
  sessionId: string | undefined;

  constructor(private readonly options: T2ASocketOptions) {
    super();
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.factory = options.WebSocket ?? defaultWebSocketFactory;
  }

  get state(): T2ASocketState {
    return this.stateValue;
  }

  /** Texts sent whose is_final frame has not arrived yet. */
  get pending(): number {
    return this.sent - this.finals;
  }

  /** What closed the connection (undefined while open or after a clean finish). */
  get reason(): T2AError | undefined {
    return this.reasonValue;
  }

  /** Resolves once the underlying socket is fully closed (immediately if it never opened). */
  whenSocketClosed(): Promise<void> {
    if (this.socketClosed || !this.ws) return Promise.resolve();
    return new Promise((resolve) => this.socketClosedWaiters.push(resolve));
  }

  /** Opens the socket with Bearer auth and waits for connected_success. */
  connect(): Promise<void> {
    if (this.stateValue !== 'idle') return Promise.reject(this.misuse('connect'));
    this.stateValue = 'connecting';
    const done = this.waitFor('connected_success', this.timeouts.connect);
    let ws: WebSocket;
    try {
      ws = this.factory(this.options.url, { headers: { Authorization: `Bearer ${this.options.apiKey}` } });
    } catch (error) {
      const failure = new T2AError(`could not open the MiniMax connection: ${this.describe(error)}`, { code: 'closed', cause: error });
      // Reported asynchronously, like every other connection failure.
      queueMicrotask(() => this.fail(failure));
      return done;
    }
    this.ws = ws;
    ws.on('unexpected-response', (_req, res: IncomingMessage) => this.onUnexpectedResponse(res));
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('error', (error) => this.onSocketError(error));
    ws.on('close', (code, reason) => this.onSocketClose(code, reason.toString()));
    return done;
  }

  /** Sends task_start and waits for task_started. */
  taskStart(settings: TaskSettings): Promise<void> {
    if (this.stateValue !== 'connected') return Promise.reject(this.misuse('task_start'));
    this.stateValue = 'starting';
    const done = this.waitFor('task_started', this.timeouts.taskStarted);
    this.send(toTaskStart(settings));
    return done;
  }

  /** Sends one text; its audio arrives as 'audio' events, the last with isFinal. */
  taskContinue(text: string): void {
    if (this.stateValue !== 'started') throw this.misuse('task_continue');
    this.send({ event: 'task_continue', text });
    this.sent += 1;
    if (this.pending === 1) this.armFlow(true);
  }

  /** Sends task_finish, waits for task_finished, then closes. */
  async taskFinish(): Promise<void> {
    if (this.stateValue !== 'started') throw this.misuse('task_finish');
    this.stateValue = 'finishing';
    const done = this.waitFor('task_finished', this.timeouts.taskFinished);
    this.send({ event: 'task_finish' });
    await done;
    this.stateValue = 'finished';
    this.shutdown(undefined);
  }

  /** Closes the connection now; `reason` (default: closed by the client) is reported through 'closed'. */
  close(reason?: T2AError): void {
    this.fail(reason ?? new T2AError('the connection was closed by the client', { code: 'closed' }));
  }

  private send(message: ClientMessage): void {
    // Only called in states where the socket is open; ws reports late sends to the callback, not by throwing.
    this.ws?.send(JSON.stringify(message), (error) => {
      if (error) this.fail(new T2AError(`could not send ${message.event}: ${this.describe(error)}`, { code: 'closed', cause: error }));
    });
  }

  private waitFor(what: string, ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new T2AError(`MiniMax did not answer in time: no ${what} within ${ms} ms`, { code: 'timeout' }));
      }, ms);
      this.wait = { resolve, reject, timer };
      this.waitingFor = what;
    });
  }

  private settleWait(what: string): void {
    if (this.waitingFor !== what || !this.wait) {
      this.fail(new T2AError(`unexpected ${what} while ${this.stateValue}`, { code: 'protocol', traceId: this.traceId }));
      return;
    }
    const { resolve, timer } = this.wait;
    clearTimeout(timer);
    this.wait = undefined;
    this.waitingFor = undefined;
    resolve();
  }

  private armFlow(first: boolean): void {
    clearTimeout(this.flowTimer);
    this.flowTimer = undefined;
    if (this.pending <= 0) return;
    const ms = first ? this.timeouts.firstChunk : this.timeouts.betweenChunks;
    this.flowTimer = setTimeout(() => {
      const what = first ? 'first audio' : 'next audio chunk';
      this.fail(new T2AError(`MiniMax stalled: no ${what} within ${ms} ms`, { code: 'timeout', traceId: this.traceId }));
    }, ms);
  }

  private onUnexpectedResponse(res: IncomingMessage): void {
    this.upgradeStatus = res.statusCode;
    res.resume();
    const status = res.statusCode ?? 0;
    const error =
      status === 401 || status === 403
        ? new T2AError(`MiniMax rejected the API key (HTTP ${status} on connect): check the key and its region`, { code: 'auth' })
        : new T2AError(`MiniMax refused the connection (HTTP ${status})`, { code: 'closed', retryable: status >= 500 || status === 429 });
    this.fail(error);
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.stateValue === 'closed') return;
    if (isBinary) {
      this.fail(new T2AError('MiniMax sent a binary frame where JSON was expected', { code: 'protocol', traceId: this.traceId }));
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
    const parsed = parseServerFrame(text);
    if (!parsed.ok) {
      this.fail(this.scrub(parsed.error));
      return;
    }
    const frame = parsed.frame;
    if (frame.sessionId !== undefined) this.sessionId = frame.sessionId;
    switch (frame.event) {
      case 'connected_success':
        if (frame.traceId !== undefined) this.traceId = frame.traceId;
        if (this.stateValue === 'connecting') this.stateValue = 'connected';
        this.settleWait('connected_success');
        return;
      case 'task_started':
        if (frame.traceId !== undefined) this.traceId = frame.traceId;
        if (this.stateValue === 'starting') this.stateValue = 'started';
        this.settleWait('task_started');
        return;
      case 'task_finished':
        this.settleWait('task_finished');
        return;
      case 'task_continued':
        this.onAudio({ audio: frame.audio, isFinal: frame.isFinal, ...pick(frame) });
        return;
      case 'unknown':
        return;
    }
  }

  private onAudio(frame: AudioFrame): void {
    if (this.pending <= 0) {
      this.fail(new T2AError('MiniMax sent audio for no pending text', { code: 'protocol', traceId: this.traceId }));
      return;
    }
    if (frame.isFinal) this.finals += 1;
    this.armFlow(frame.isFinal);
    try {
      this.emit('audio', frame);
    } catch (error) {
      // A listener bug must not escape into the socket's callback: it ends this connection instead.
      this.fail(new T2AError(`an audio listener failed: ${this.describe(error)}`, { code: 'protocol', cause: error }));
    }
  }

  private onSocketError(error: Error): void {
    if (this.upgradeStatus !== undefined) return; // already reported by onUnexpectedResponse
    this.fail(new T2AError(`the MiniMax connection failed: ${this.describe(error)}`, { code: 'closed', cause: error }));
  }

  private onSocketClose(code: number, reason: string): void {
    clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
    this.socketClosed = true;
    for (const resolve of this.socketClosedWaiters.splice(0)) resolve();
    if (this.stateValue === 'closed' || this.stateValue === 'finished') return;
    const why = reason ? ` (${code} ${redact(reason, this.options.apiKey).slice(0, 120)})` : ` (${code})`;
    this.fail(new T2AError(`MiniMax closed the connection${why}`, { code: 'closed', traceId: this.traceId }));
  }

  /** The single transition to 'closed': rejects the wait, stops timers, closes the socket, reports once. */
  private fail(error: T2AError): void {
    if (this.stateValue === 'closed' || this.stateValue === 'finished') return;
    this.shutdown(error);
  }

  private shutdown(reason: T2AError | undefined): void {
    if (reason !== undefined) {
      this.stateValue = 'closed';
      this.reasonValue = reason;
    }
    clearTimeout(this.flowTimer);
    this.flowTimer = undefined;
    const wait = this.wait;
    this.wait = undefined;
    this.waitingFor = undefined;
    if (wait) {
      clearTimeout(wait.timer);
      wait.reject(reason ?? new T2AError('the connection was closed', { code: 'closed' }));
    }
    this.closeSocket();
    this.emit('closed', reason);
  }

  private closeSocket(): void {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    if (ws.readyState === WebSocket.CONNECTING) {
      ws.terminate();
      return;
    }
    ws.close(1000);
    // The peer may never answer the close frame: destroy the TCP socket after a short grace period.
    this.closeTimer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
  }

  private misuse(what: string): T2AError {
    return new T2AError(`cannot send ${what} while the connection is ${this.stateValue}`, { code: 'protocol', retryable: false, category: 'client_bug' });
  }

  private scrub(error: T2AError): T2AError {
    return scrubError(error, this.options.apiKey);
  }

  private describe(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    return redact(text, this.options.apiKey);
  }
}

function pick(frame: { extraInfo?: ExtraInfo; traceId?: string }): { extraInfo?: ExtraInfo; traceId?: string } {
  const out: { extraInfo?: ExtraInfo; traceId?: string } = {};
  if (frame.extraInfo !== undefined) out.extraInfo = frame.extraInfo;
  if (frame.traceId !== undefined) out.traceId = frame.traceId;
  return out;
}
