/**
 * One client connection to the fake MiniMax: the T2A task state machine, the queue of texts answered in
 * order, streamed MP3 in hex task_continued frames, idle close, and the fault injections of FakeFaults.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { FakeConfig, RecordedConnection, SentFrame, StatusFrameMode } from './types.js';

export interface ConnectionHost {
  readonly config: FakeConfig;
  /** Numbers texts over the server's life (1-based), for faults aimed at the Nth text. */
  nextUtterance(): number;
  /**
   * Audio of about `durationMs` in `format` ('mp3', or 'opus': Ogg Opus), cut at frame (page) boundaries; or,
   * when the fake speaks words (`speech: 'espeak'`), `spoken.text` said in MP3 whatever its length.
   */
  audio(format: string, sampleRate: number, bitrate: number, durationMs: number, spoken?: SpokenText): Promise<{ bytes: Buffer; durationMs: number }>;
  changed(): void;
  /** A task_start with this voice id: the status code when it is a studio voice that is gone (marks it used otherwise). */
  useVoice(voiceId: string): [number, string] | undefined;
  /** Tasks started and not yet closed, over every connection. */
  startedTasks(): number;
}

/** What a text is to be said with (for the fake's spoken words). */
export interface SpokenText {
  text: string;
  voiceId?: string;
  speed?: number;
}

interface Item {
  text: string;
  n: number;
}

const MODELS = new Set([
  'speech-2.8-hd', 'speech-2.8-turbo', 'speech-2.6-hd', 'speech-2.6-turbo',
  'speech-02-hd', 'speech-02-turbo', 'speech-01-hd', 'speech-01-turbo',
]);

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

export class FakeConnection {
  private state: 'open' | 'started' | 'finishing' | 'closed' = 'open';
  /** Whether this connection's task counts against maxTasks (started, not closed). */
  get taskLive(): boolean {
    return this.state === 'started' || this.state === 'finishing';
  }

  private readonly queue: Item[] = [];
  private busy = false;
  private readonly stop = new AbortController();
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly sessionId = hex(8);
  private traceId = hex(16);
  private sampleRate = 32000;
  private bitrate = 128000;
  private format = 'mp3';
  private voice: { voiceId?: string; speed?: number } = {};

  constructor(
    private readonly ws: WebSocket,
    readonly record: RecordedConnection,
    private readonly host: ConnectionHost,
    private readonly keyOk: boolean,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(isBinary ? '' : text(data)));
    ws.on('close', () => this.onClose());
    ws.on('error', () => this.onClose());
  }

  /** Greets the client (after the configured delay). */
  async greet(): Promise<void> {
    const delay = this.host.config.connectedDelayMs;
    if (delay > 0) {
      // The wait ends early (AbortError) when the client gives up first.
      const waited = await this.wait(delay).then(() => true, () => false);
      if (!waited) return;
    }
    if (this.state === 'closed') return;
    this.send({ event: 'connected_success' });
    this.resetIdle();
  }

  /** Ends the connection without any message: a close frame, or a drop. */
  disconnect(how: 'close' | 'drop'): void {
    if (how === 'drop') this.drop();
    else this.closeByServer();
  }

  /** Abrupt end (server shutdown). */
  terminate(): void {
    this.ws.terminate();
    this.onClose();
  }

  private get cfg(): FakeConfig {
    return this.host.config;
  }

  private onMessage(raw: string): void {
    if (this.state === 'closed') return;
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    const event = typeof body?.['event'] === 'string' ? body['event'] : '(invalid)';
    this.record.received.push({ at: Date.now(), event, body });
    this.host.changed();
    this.resetIdle();
    if (!body) return this.failClose(2013, 'invalid params: the message is not a JSON object');
    switch (event) {
      case 'task_start':
        return this.onTaskStart(body);
      case 'task_continue':
        return this.onTaskContinue(body['text']);
      case 'task_finish':
        if (this.state !== 'started') return this.failClose(2202, 'task_finish before task_started');
        this.state = 'finishing';
        if (!this.busy) this.finishNow();
        return;
      default:
        return this.failClose(2202, `illegal event ${event}`);
    }
  }

  private onTaskStart(body: Record<string, unknown>): void {
    if (this.state !== 'open') return this.failClose(2202, 'task already started');
    if (!this.keyOk) return this.failClose(this.cfg.badKeyCode, 'invalid api key');
    const fault = this.cfg.faults.taskStartStatus;
    if (fault && fault.times > 0) {
      fault.times -= 1;
      return this.failClose(fault.code, fault.msg ?? 'injected failure');
    }
    const problem = this.checkTaskStart(body);
    if (problem) return this.failClose(problem[0], problem[1]);
    if (this.host.startedTasks() >= this.cfg.maxTasks) return this.failClose(1041, 'connection limit reached');
    const audio = body['audio_setting'] as Record<string, unknown> | undefined;
    if (typeof audio?.['sample_rate'] === 'number') this.sampleRate = audio['sample_rate'];
    if (typeof audio?.['bitrate'] === 'number') this.bitrate = audio['bitrate'];
    if (typeof audio?.['format'] === 'string') this.format = audio['format'];
    const voice = body['voice_setting'] as Record<string, unknown> | undefined;
    if (typeof voice?.['voice_id'] === 'string') this.voice.voiceId = voice['voice_id'];
    if (typeof voice?.['speed'] === 'number') this.voice.speed = voice['speed'];
    this.state = 'started';
    this.traceId = hex(16);
    this.send({ event: 'task_started' });
  }

  /** What a real server checks at task_start (required fields and ranges). */
  private checkTaskStart(body: Record<string, unknown>): [number, string] | undefined {
    if (typeof body['model'] !== 'string' || !MODELS.has(body['model'])) return [2013, 'invalid params, model'];
    const voice = body['voice_setting'] as Record<string, unknown> | undefined;
    const weights = body['timbre_weights'] ?? body['timber_weights'];
    const mixing = Array.isArray(weights) && weights.length > 0;
    if (!mixing && (typeof voice?.['voice_id'] !== 'string' || voice['voice_id'] === '')) return [2013, 'invalid params, voice_id'];
    const speed = voice?.['speed'];
    if (speed !== undefined && (typeof speed !== 'number' || speed < 0.5 || speed > 2)) return [2013, 'invalid params, speed'];
    const vol = voice?.['vol'];
    if (vol !== undefined && (typeof vol !== 'number' || vol <= 0 || vol > 10)) return [2013, 'invalid params, vol'];
    const pitch = voice?.['pitch'];
    if (pitch !== undefined && (typeof pitch !== 'number' || !Number.isInteger(pitch) || pitch < -12 || pitch > 12)) return [2013, 'invalid params, pitch'];
    const known = this.cfg.knownVoices;
    if (known && typeof voice?.['voice_id'] === 'string' && !known.includes(voice['voice_id'])) return [2054, 'voice id not exist'];
    return typeof voice?.['voice_id'] === 'string' ? this.host.useVoice(voice['voice_id']) : undefined;
  }

  private onTaskContinue(text: unknown): void {
    if (this.state !== 'started') return this.failClose(2202, 'task_continue before task_started');
    if (typeof text !== 'string') return this.failClose(2013, 'invalid params, text');
    if (text.trim() === '') return this.status(2203, 'text is empty', this.cfg.skipErrors);
    if (text.length > 10_000) return this.status(2204, 'text too long', this.cfg.skipErrors);
    if (this.queue.length + (this.busy ? 1 : 0) >= this.cfg.maxQueued) return this.status(2205, 'too many requests queued', this.cfg.skipErrors);
    const fault = this.cfg.faults.taskContinueStatus;
    if (fault && fault.times > 0 && fault.atChunk === undefined) {
      fault.times -= 1;
      return this.status(fault.code, fault.msg ?? 'injected failure', fault.frame ?? 'task_failed');
    }
    this.queue.push({ text, n: this.host.nextUtterance() });
    if (!this.busy) void this.pump();
  }

  private async pump(): Promise<void> {
    this.busy = true;
    try {
      for (let item = this.queue.shift(); item && this.state !== 'closed'; item = this.queue.shift()) {
        await this.synthesize(item);
      }
    } catch (error) {
      // Sleeps end with an AbortError when the connection closes; anything else is a fake bug worth seeing.
      if (this.state !== 'closed') {
        this.failClose(1000, `fake server error: ${error instanceof Error ? error.message : String(error)}`);
      }
    } finally {
      this.busy = false;
    }
    if (this.state === 'finishing') this.finishNow();
    else this.resetIdle();
  }

  private async synthesize(item: Item): Promise<void> {
    const cfg = this.cfg;
    const target = Math.min(cfg.maxAudioMs, Math.max(cfg.minAudioMs, item.text.length * cfg.msPerChar));
    const { bytes: audio, durationMs } = await this.host.audio(this.format, this.sampleRate, this.bitrate, target, { text: item.text, ...this.voice });
    // Opus chunks hold as much audio time as MP3 ones at 128 kbps would.
    const chunkBytes = this.format === 'opus' ? Math.max(1, Math.round((audio.length * cfg.chunkBytes * 8) / 128 / durationMs)) : cfg.chunkBytes;
    const chunks: Buffer[] = [];
    for (let off = 0; off < audio.length; off += chunkBytes) chunks.push(audio.subarray(off, off + chunkBytes));
    let begin = Date.now() + cfg.firstChunkMs;
    if (cfg.firstChunkMs > 0) await this.wait(cfg.firstChunkMs);
    const extra = {
      audio_length: Math.round(durationMs), audio_sample_rate: this.sampleRate, audio_size: audio.length, bitrate: this.bitrate,
      word_count: item.text.split(/\s+/).filter(Boolean).length, invisible_character_ratio: 0,
      usage_characters: Math.round(item.text.length * cfg.usagePerChar), audio_format: this.format, audio_channel: 1,
    };
    const tail = cfg.finalFrame === 'tail';
    let sentBytes = 0;
    for (const [i, chunk] of chunks.entries()) {
      if (this.injectBefore(i, item)) return;
      if (this.state === 'closed') return;
      const stall = cfg.faults.stall;
      if (stall && (stall.atChunk ?? 0) === i && stall.times > 0) {
        stall.times -= 1;
        await this.wait(stall.ms);
        begin += stall.ms;
      }
      const due = begin + (sentBytes / audio.length) * durationMs * cfg.realtimeFactor;
      if (due > Date.now()) await this.wait(due - Date.now());
      const last = i === chunks.length - 1;
      const withInfo = cfg.extraInfoOn === 'every' || (cfg.extraInfoOn === 'first' && i === 0) || (cfg.extraInfoOn === 'final' && last && tail);
      this.sendAudio(chunk.toString('hex'), last && tail, withInfo ? extra : undefined);
      sentBytes += chunk.length;
      if (cfg.unknownFields && !last) this.send({ event: 'task_progress', progress: sentBytes / audio.length });
    }
    if (this.injectBefore(chunks.length, item) || this.state === 'closed') return;
    if (!tail) {
      const withInfo = cfg.extraInfoOn === 'every' || cfg.extraInfoOn === 'final';
      this.sendFrame({ event: 'task_continued', is_final: true, data: cfg.finalFrame === 'null' ? null : { audio: '' }, ...(withInfo ? { extra_info: extra } : {}) });
    }
  }

  /** Applies the faults aimed before audio chunk `i` of `item`; true when the text must stop here. */
  private injectBefore(i: number, item: Item): boolean {
    const f = this.cfg.faults;
    const drop = f.dropAfterChunks;
    if (drop && drop.chunks === i && (drop.utterance === undefined ? (drop.times ?? 1) > 0 : drop.utterance === item.n)) {
      if (drop.utterance === undefined) drop.times = (drop.times ?? 1) - 1;
      this.drop();
      return true;
    }
    const status = f.taskContinueStatus;
    if (status && status.atChunk === i && status.times > 0) {
      status.times -= 1;
      this.status(status.code, status.msg ?? 'injected failure', status.frame ?? 'task_failed');
      return true;
    }
    const bad = f.malformedJson;
    if (bad && (bad.atChunk ?? 0) === i && bad.times > 0) {
      bad.times -= 1;
      this.sendRaw('{"event":"task_continued","data":{"audio":"ff', 'task_continued');
    }
    const badHex = f.badHex;
    if (badHex && (badHex.atChunk ?? 0) === i && badHex.times > 0) {
      badHex.times -= 1;
      this.sendAudio(badHex.kind === 'nonhex' ? 'zz00' : 'fff', false, undefined);
    }
    return false;
  }

  /** Sends a status code the way `mode` says; a closing mode also drops the queued texts. */
  private status(code: number, msg: string, mode: StatusFrameMode): void {
    if (mode === 'task_failed') return this.failClose(code, msg);
    if (mode === 'task_failed_open') this.sendFrame({ event: 'task_failed' }, code, msg);
    else this.sendFrame({ event: 'task_continued', is_final: false, data: null }, code, msg);
  }

  private sendAudio(audioHex: string, isFinal: boolean, extra: Record<string, unknown> | undefined): void {
    const data: Record<string, unknown> = { audio: audioHex };
    if (this.cfg.unknownFields) Object.assign(data, { subtitle_file: null, status: 1, ced: '' });
    this.sendFrame({ event: 'task_continued', is_final: isFinal, data, ...(extra ? { extra_info: extra } : {}) });
  }

  private send(message: Record<string, unknown>): void {
    this.sendFrame(message);
  }

  private sendFrame(message: Record<string, unknown>, code = 0, msg = 'success'): void {
    const body: Record<string, unknown> = {
      session_id: this.sessionId, trace_id: this.traceId, ...message, base_resp: { status_code: code, status_msg: msg },
    };
    if (this.cfg.unknownFields) body['x_unknown'] = { nested: [1, 2, 3], note: 'ignore me' };
    const frame: SentFrame = { at: Date.now(), event: String(message['event']), statusCode: code };
    if (typeof message['is_final'] === 'boolean') frame.isFinal = message['is_final'];
    const data = message['data'] as { audio?: string } | null | undefined;
    if (message['event'] === 'task_continued') frame.audioBytes = Math.floor((data?.audio?.length ?? 0) / 2);
    this.transmit(JSON.stringify(body), frame);
  }

  private sendRaw(text: string, event: string): void {
    this.transmit(text, { at: Date.now(), event, statusCode: 0, raw: text });
  }

  private transmit(text: string, frame: SentFrame): void {
    if (this.state === 'closed' || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(text);
    this.record.sent.push(frame);
    this.host.changed();
  }

  private failClose(code: number, msg: string): void {
    this.sendFrame({ event: 'task_failed' }, code, msg);
    this.closeByServer();
  }

  private finishNow(): void {
    this.send({ event: 'task_finished' });
    this.closeByServer();
  }

  private closeByServer(): void {
    if (this.state === 'closed') return;
    this.record.closedBy ??= 'server';
    this.ws.close(1000);
    this.shutdown();
  }

  private drop(): void {
    this.record.closedBy ??= 'drop';
    this.ws.terminate();
    this.shutdown();
  }

  private onClose(): void {
    this.record.closedBy ??= 'client';
    this.shutdown();
  }

  private shutdown(): void {
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.stop.abort();
      clearTimeout(this.idleTimer);
    }
    if (this.ws.readyState === WebSocket.CLOSED && !this.record.closed) {
      this.record.closed = true;
      this.host.changed();
    }
  }

  private resetIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.state === 'closed') return;
    this.idleTimer = setTimeout(() => {
      if (this.busy || this.queue.length > 0) return this.resetIdle();
      this.failClose(2201, 'timeout disconnect');
    }, this.cfg.idleCloseMs);
  }

  private wait(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.stop.signal });
  }
}

/** A text frame's payload as a string; `ws` hands it over as a Buffer, a list of Buffers or an ArrayBuffer. */
function text(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}
