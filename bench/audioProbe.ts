/**
 * Instrumentation by dependency injection: a WebSocketFactory for createSynthesizer that opens the usual `ws`
 * socket and, before the T2A client attaches its own listeners, timestamps every message carrying MP3 audio.
 * That is "the first MP3 byte reaching the bot" for the bot-added latency.
 */
import WebSocket from 'ws';
import type { WebSocketFactory } from '../src/t2a/index.js';
import { benchNow } from './clock.js';

const AUDIO_FIELD = Buffer.from('"audio":"');
const QUOTE = 0x22;

/** Whether a T2A frame carries non-empty audio (task_continued with data.audio of at least one hex digit). */
export function carriesAudio(data: WebSocket.RawData): boolean {
  const buffers = Array.isArray(data) ? data : Buffer.isBuffer(data) ? [data] : [Buffer.from(data)];
  for (const b of buffers) {
    const at = b.indexOf(AUDIO_FIELD);
    if (at >= 0 && at + AUDIO_FIELD.length < b.length && b[at + AUDIO_FIELD.length] !== QUOTE) return true;
  }
  return false;
}

const TASK_STARTED = Buffer.from('"event":"task_started"');

/** One T2A connection: when it was opened and when its task was ready for text (bench clock). */
export interface SocketTiming {
  createdAt: number;
  /** The WebSocket upgrade completed. */
  openAt: number | undefined;
  taskStartedAt: number | undefined;
}

export class AudioArrivalProbe {
  /** Arrival times (bench clock) of every audio-carrying message, in order. */
  readonly arrivals: number[] = [];
  readonly sockets: SocketTiming[] = [];

  /** A probe may also record into a parent (one probe per synthesizer, plus one for the whole bot). */
  constructor(private readonly parent?: AudioArrivalProbe) {}

  readonly factory: WebSocketFactory = (url, options) => {
    const timing: SocketTiming = { createdAt: benchNow(), openAt: undefined, taskStartedAt: undefined };
    this.sockets.push(timing);
    this.parent?.sockets.push(timing);
    const ws = new WebSocket(url, { headers: options.headers });
    ws.once('open', () => (timing.openAt = benchNow()));
    // Registered first, so it runs before the T2A client's own 'message' listener sees the frame.
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      if (carriesAudio(data)) {
        const at = benchNow();
        this.arrivals.push(at);
        this.parent?.arrivals.push(at);
      }
      else if (timing.taskStartedAt === undefined && Buffer.isBuffer(data) && data.includes(TASK_STARTED)) timing.taskStartedAt = benchNow();
    });
    return ws;
  };

  /** T2A connect handshake (socket opened -> task_started) of the first socket opened at or after `from`. */
  connectMsAfter(from: number): number | undefined {
    const s = this.sockets.find((x) => x.createdAt >= from && x.taskStartedAt !== undefined);
    return s && s.taskStartedAt !== undefined ? s.taskStartedAt - s.createdAt : undefined;
  }

  /** The first audio arrival at or after `from` (bench clock of this process). */
  firstAfter(from: number): number | undefined {
    return this.arrivals.find((t) => t >= from);
  }
}
