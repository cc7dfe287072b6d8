/**
 * A fake MiniMax on 127.0.0.1: the T2A WebSocket (`/ws/v1/t2a_v2`) speaking the protocol of
 * shared/docs/minimax-t2a.md with real MP3, and the get_voice HTTP API. It records every connection and
 * message, and plays each UNCONFIRMED variant and fault on demand (see types.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { makeMp3, mp3DurationMs, mp3Frames } from '../mp3.js';
import { cutOggOpus, makeOggOpus } from '../oggOpus.js';
import { FakeConnection, type ConnectionHost, type SpokenText } from './FakeConnection.js';
import { espeakMp3 } from './speech.js';
import { FakeStudio } from './studio.js';
import { isStudioPath, studioAnswer } from './studioHttp.js';
import type { FakeConfig, FakeFaults, FakeMiniMaxOptions, FakeVoice, RecordedConnection, RecordedEvent, VoiceRequest } from './types.js';

export * from './types.js';
export { FakeStudio, measure as measureSample } from './studio.js';
export type { StudioOptions, StudioVoice, StudioFile, StudioRequest } from './studio.js';

export const T2A_PATH = '/ws/v1/t2a_v2';

const DEFAULT_VOICES: FakeVoice[] = [
  { voice_id: 'English_expressive_narrator', voice_name: 'Expressive Narrator', description: ['A clear narrator'] },
  { voice_id: 'English_Graceful_Lady', voice_name: 'Graceful Lady' },
  { voice_id: 'Fake_Only_Voice', voice_name: 'Voice only the fake knows' },
  { voice_id: 'Chinese (Mandarin)_News_Anchor', voice_name: 'News Anchor' },
];

function defaults(options: FakeMiniMaxOptions): FakeConfig {
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    apiKey: options.apiKey,
    badKey: options.badKey ?? 'http401',
    badKeyCode: options.badKeyCode ?? 1004,
    msPerChar: options.msPerChar ?? 60,
    minAudioMs: options.minAudioMs ?? 300,
    maxAudioMs: options.maxAudioMs ?? 12_000,
    chunkBytes: options.chunkBytes ?? 4096,
    opusFrameMs: options.opusFrameMs ?? 20,
    firstChunkMs: options.firstChunkMs ?? 0,
    realtimeFactor: options.realtimeFactor ?? 0,
    finalFrame: options.finalFrame ?? 'tail',
    extraInfoOn: options.extraInfoOn ?? 'final',
    usagePerChar: options.usagePerChar ?? 1,
    unknownFields: options.unknownFields ?? false,
    skipErrors: options.skipErrors ?? 'task_failed',
    maxQueued: options.maxQueued ?? Number.POSITIVE_INFINITY,
    maxTasks: options.maxTasks ?? Number.POSITIVE_INFINITY,
    knownVoices: options.knownVoices,
    idleCloseMs: options.idleCloseMs ?? 120_000,
    connectedDelayMs: options.connectedDelayMs ?? 0,
    voices: options.voices ?? DEFAULT_VOICES,
    speech: options.speech ?? 'tone',
    faults: structuredClone(options.faults ?? {}),
  };
}

export class FakeMiniMax implements ConnectionHost {
  /** Live configuration: connections read it at every step, so tests may change it while running. */
  readonly config: FakeConfig;
  readonly connections: RecordedConnection[] = [];
  readonly voiceRequests: VoiceRequest[] = [];
  /** Upload, cloning, design and deletion of voices (HTTP), and their use and expiry in T2A. */
  readonly studio = new FakeStudio();
  /** Every text the fake made audio for, with the duration it sent and how it made it (espeak-ng or the tone). */
  readonly spoken: { text: string; durationMs: number; speech: 'espeak' | 'tone' }[] = [];
  private readonly live = new Set<FakeConnection>();
  private readonly clips = new Map<string, Promise<{ mp3: Buffer; frames: ReturnType<typeof mp3Frames> }>>();
  private readonly waiters = new Set<() => void>();
  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true });
  private utterances = 0;

  constructor(options: FakeMiniMaxOptions = {}) {
    this.config = defaults(options);
  }

  /** Listens (port 0 = random) and pre-makes the default clip; returns the URLs to point a client at. */
  async start(): Promise<{ url: string; httpUrl: string; port: number }> {
    await this.clip(32000, 128000);
    const server = createServer((req, res) => this.onHttp(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, this.config.host, () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { url: `ws://${this.config.host}:${port}${T2A_PATH}`, httpUrl: `http://${this.config.host}:${port}`, port };
  }

  /** Closes every socket and the server; leaves no handle open. */
  async close(): Promise<void> {
    for (const c of this.live) c.terminate();
    this.live.clear();
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    for (const wake of this.waiters) wake();
  }

  /** Ends every open connection from the server side: a plain close frame, or a drop (TCP reset). */
  disconnectAll(how: 'close' | 'drop' = 'close'): void {
    for (const c of this.live) c.disconnect(how);
  }

  /** Merges options (and faults) into the live configuration. */
  configure(patch: Omit<FakeMiniMaxOptions, 'host' | 'port'>): void {
    const { faults, ...rest } = patch;
    Object.assign(this.config, rest);
    if (faults) Object.assign(this.config.faults, structuredClone(faults));
  }

  /** The live fault settings (counters go down as faults fire). */
  get faults(): FakeFaults {
    return this.config.faults;
  }

  /** Every client message of every connection, in the order they arrived (over all connections). */
  events(name?: string): (RecordedEvent & { connection: number })[] {
    return this.connections
      .flatMap((c) => c.received.map((e) => ({ ...e, connection: c.id })))
      .filter((e) => !name || e.event === name)
      .sort((a, b) => a.at - b.at);
  }

  /** task_start bodies as received. */
  get taskStarts(): Record<string, unknown>[] {
    return this.events('task_start').map((e) => e.body ?? {});
  }

  /** task_continue texts as received. */
  get texts(): string[] {
    return this.events('task_continue').map((e) => String(e.body?.['text']));
  }

  /** Resolves when `predicate` holds (checked after every recorded change); rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`FakeMiniMax.waitFor: ${what} not met within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 250));
        this.waiters.add(wake);
      });
    }
  }

  startedTasks(): number {
    return [...this.live].filter((c) => c.taskLive).length;
  }

  nextUtterance(): number {
    this.utterances += 1;
    return this.utterances;
  }

  /** A task_start with this voice: the status when the studio's voice is gone, else undefined (marks it used). */
  useVoice(voiceId: string): [number, string] | undefined {
    const problem = this.studio.useInT2A(voiceId);
    this.changed();
    return problem;
  }

  changed(): void {
    for (const wake of [...this.waiters]) wake();
  }

  async audio(format: string, sampleRate: number, bitrate: number, durationMs: number, spoken?: SpokenText): Promise<{ bytes: Buffer; durationMs: number }> {
    const made = await this.make(format, sampleRate, bitrate, durationMs, spoken);
    if (spoken) this.spoken.push({ text: spoken.text, durationMs: made.durationMs, speech: made.speech });
    return made;
  }

  private async make(format: string, sampleRate: number, bitrate: number, durationMs: number, spoken?: SpokenText): Promise<{ bytes: Buffer; durationMs: number; speech: 'espeak' | 'tone' }> {
    if (this.config.speech === 'espeak' && format === 'mp3' && spoken) {
      const rate = bitrate > 64000 && sampleRate <= 12000 ? 64000 : bitrate > 128000 && sampleRate < 32000 ? 128000 : bitrate;
      const mp3 = await espeakMp3(spoken.text, {
        sampleRate, bitrate: rate,
        ...(spoken.voiceId === undefined ? {} : { voiceId: spoken.voiceId }),
        ...(spoken.speed === undefined ? {} : { speed: spoken.speed }),
      });
      if (mp3) return { bytes: mp3, durationMs: mp3DurationMs(mp3), speech: 'espeak' };
    }
    return { ...(await this.tone(format, sampleRate, bitrate, durationMs)), speech: 'tone' };
  }

  private async tone(format: string, sampleRate: number, bitrate: number, durationMs: number): Promise<{ bytes: Buffer; durationMs: number }> {
    if (format === 'opus') {
      const seconds = Math.ceil(this.config.maxAudioMs / 1000) + 1;
      const opusRate = [8000, 12000, 16000, 24000, 48000].includes(sampleRate) ? sampleRate : 24000;
      const { ogg, durationMs: ms } = cutOggOpus(await makeOggOpus({ seconds, sampleRate: opusRate, frameMs: this.config.opusFrameMs }), durationMs);
      return { bytes: ogg, durationMs: ms };
    }
    const { mp3, frames } = await this.clip(sampleRate, bitrate);
    let end = 0;
    let ms = 0;
    for (const f of frames) {
      if (ms >= durationMs) break;
      end = f.offset + f.length;
      ms += f.durationMs;
    }
    return { bytes: mp3.subarray(0, end), durationMs: ms };
  }

  private clip(sampleRate: number, bitrate: number): Promise<{ mp3: Buffer; frames: ReturnType<typeof mp3Frames> }> {
    // MPEG-2/2.5 rates cannot carry the highest bitrates.
    const rate = bitrate > 64000 && sampleRate <= 12000 ? 64000 : bitrate > 128000 && sampleRate < 32000 ? 128000 : bitrate;
    const key = `${sampleRate}:${rate}`;
    let made = this.clips.get(key);
    if (!made) {
      const seconds = Math.ceil(this.config.maxAudioMs / 1000) + 1;
      made = makeMp3({ seconds, sampleRate, bitrate: rate })
        .catch(() => makeMp3({ seconds, sampleRate: 32000, bitrate: 128000 }))
        .then((mp3) => ({ mp3, frames: mp3Frames(mp3) }));
      this.clips.set(key, made);
    }
    return made;
  }

  private keyOk(authorization: string | undefined): boolean {
    const key = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!key) return false;
    return this.config.apiKey === undefined || key === this.config.apiKey;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const record: RecordedConnection = {
      id: this.connections.length + 1, authorization: req.headers.authorization, path, accepted: false,
      received: [], sent: [], closed: false,
    };
    this.connections.push(record);
    const ok = this.keyOk(req.headers.authorization);
    if (path !== T2A_PATH || (!ok && this.config.badKey === 'http401')) {
      const status = path !== T2A_PATH ? '404 Not Found' : '401 Unauthorized';
      const body = path !== T2A_PATH ? 'not found' : '{"base_resp":{"status_code":1004,"status_msg":"invalid api key"}}';
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      record.closed = true;
      this.changed();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      record.accepted = true;
      const connection = new FakeConnection(ws, record, this, ok);
      this.live.add(connection);
      ws.on('close', () => this.live.delete(connection));
      this.changed();
      void connection.greet();
    });
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (isStudioPath(path)) return this.onStudio(req, res, path, Buffer.concat(chunks));
      if (req.method !== 'POST' || path !== '/v1/get_voice') return reply(res, 404, { error: 'not found' });
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      this.voiceRequests.push({ authorization: req.headers.authorization, body });
      this.changed();
      const base = (code: number, msg: string): { status_code: number; status_msg: string } => ({ status_code: code, status_msg: msg });
      if (!this.keyOk(req.headers.authorization)) {
        if (this.config.badKey === 'http401') return reply(res, 401, { base_resp: base(1004, 'invalid api key') });
        return reply(res, 200, { base_resp: base(this.config.badKeyCode, 'invalid api key') });
      }
      const type = (body as { voice_type?: unknown } | undefined)?.voice_type;
      if (type !== 'system' && type !== 'voice_cloning' && type !== 'voice_generation' && type !== 'all') {
        return reply(res, 200, { base_resp: base(2013, 'invalid params, voice_type') });
      }
      const system = type === 'system' || type === 'all'
        ? this.config.voices.map((v) => ({ description: [], created_time: '1970-01-01', ...v }))
        : [];
      const cloned = type === 'voice_cloning' || type === 'all' ? this.studio.listed('voice_cloning') : [];
      const designed = type === 'voice_generation' || type === 'all' ? this.studio.listed('voice_generation') : [];
      return reply(res, 200, { system_voice: system, voice_cloning: cloned, voice_generation: designed, base_resp: base(0, 'success') });
    });
  }

  private onStudio(req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer): void {
    const getDemo = path.startsWith('/v1/fake_demo/');
    if ((req.method !== 'POST' && !getDemo) || (getDemo && req.method !== 'GET')) return reply(res, 404, { error: 'not found' });
    if (!getDemo && !this.keyOk(req.headers.authorization)) {
      const base = { status_code: this.config.badKeyCode, status_msg: 'invalid api key' };
      if (this.config.badKey === 'http401') return reply(res, 401, { base_resp: { ...base, status_code: 1004 } });
      return reply(res, 200, { base_resp: base });
    }
    const preview = async (text: string, voiceId: string): Promise<Buffer> =>
      (await this.audio('mp3', 32000, 128000, Math.min(this.config.maxAudioMs, Math.max(this.config.minAudioMs, text.length * this.config.msPerChar)), { text, voiceId })).bytes;
    studioAnswer(this.studio, path, String(req.headers['content-type'] ?? ''), raw, req.headers.authorization, preview).then(
      (answer) => {
        this.changed();
        if (answer.mp3) {
          res.writeHead(200, { 'Content-Type': 'audio/mpeg', 'Content-Length': answer.mp3.length });
          res.end(answer.mp3);
        } else reply(res, answer.status, answer.json);
      },
      (error: unknown) => reply(res, 500, { error: String(error) }),
    );
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
