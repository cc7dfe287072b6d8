import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Json } from './payloads.js';
import { guildShard, randomToken } from './snowflakes.js';
import { waitFor } from './waitFor.js';

const MAX_LOG = 10_000;

/** One bot session on the gateway (survives socket drops until it is resumed or invalidated). */
export interface GatewaySession {
  id: string;
  /** Intents from IDENTIFY. */
  intents: number;
  identify: Json;
  seq: number;
  /** Dispatches sent (or queued while disconnected), for RESUME replay. */
  log: { s: number; t: string; d: unknown }[];
  socket: WebSocket | undefined;
  /** Closed normally by the bot (1000/1001) or invalidated by a test: gets no more dispatches. */
  ended: boolean;
  invalid: boolean;
  resumes: number;
  /** Set by closeSockets({ replayFrom }): the next resume replays from here, even what the bot already had. */
  replayFrom?: number | undefined;
  /** IDENTIFY's `shard: [id, count]`; absent: one connection for every guild. */
  shard?: [number, number];
}

/** A payload the bot sent (heartbeats are only counted). */
export interface GatewayReceived {
  at: number;
  sessionId: string | undefined;
  op: number;
  d: unknown;
}

export interface GatewayDeps {
  token: string;
  now: () => number;
  heartbeatIntervalMs: number;
  /** READY `d` without session_id and resume_gateway_url. */
  readyPayload: (session: GatewaySession) => Json;
  /** Sent right after READY (GUILD_CREATEs). */
  afterReady: (session: GatewaySession) => void;
  /** Privileged intents the application has not enabled in the developer portal: asking for one is closed 4014. */
  disallowedIntents?: number;
  /**
   * The shard count /gateway/bot recommends; `required`: an IDENTIFY without it is closed with 4011. IDENTIFYs are
   * rate limited as Discord does: one per `maxConcurrency` bucket (shard id % maxConcurrency) per 5 s; one too soon
   * gets an invalid session (op 9).
   */
  sharding?: { count: number; required: boolean; maxConcurrency: number };
  /** The address to listen on. Default 127.0.0.1. */
  host?: string;
}

const IDENTIFY_WINDOW_MS = 5_000;

/** The guild a dispatch is about (its shard's connection alone gets it); undefined: not a guild's. */
function guildOf(t: string, d: unknown): string | undefined {
  if (typeof d !== 'object' || d === null) return undefined;
  const o = d as Record<string, unknown>;
  if (typeof o['guild_id'] === 'string') return o['guild_id'];
  if ((t === 'GUILD_CREATE' || t === 'GUILD_UPDATE' || t === 'GUILD_DELETE') && typeof o['id'] === 'string') return o['id'];
  return undefined;
}

/** Whether the session's shard carries the guild (Discord: (guild_id >> 22) % count == shard id). */
export function sessionOwns(session: GatewaySession, guildId: string): boolean {
  return !session.shard || guildShard(guildId, session.shard[1]) === session.shard[0];
}

/**
 * The fake gateway (ws://, v10 JSON, no compression): hello, identify -> READY, heartbeat ACKs, resume with
 * replay, invalid session. Emits 'identify' (session), 'resume' (session), 'voiceStateUpdate' (session, d) and
 * 'received' (GatewayReceived).
 */
export class GatewayServer extends EventEmitter {
  readonly sessions: GatewaySession[] = [];
  readonly received: GatewayReceived[] = [];
  heartbeats = 0;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  /** Rate-limit bucket -> when its last IDENTIFY was let in. */
  readonly #lastIdentify = new Map<number, number>();
  /** IDENTIFYs refused for coming too soon in their bucket (op 9). */
  identifyRateLimited = 0;

  private constructor(private readonly deps: GatewayDeps) {
    super();
    this.#http = createServer((_req, res) => res.writeHead(426).end());
    this.#wss = new WebSocketServer({ server: this.#http });
    this.#wss.on('connection', (ws) => this.#onConnection(ws));
  }

  static async start(deps: GatewayDeps): Promise<GatewayServer> {
    const gateway = new GatewayServer(deps);
    await new Promise<void>((resolve, reject) => {
      gateway.#http.once('error', reject);
      gateway.#http.listen(0, deps.host ?? '127.0.0.1', () => resolve());
    });
    return gateway;
  }

  get url(): string {
    const { address, port } = this.#http.address() as AddressInfo;
    return `ws://${address}:${port}`;
  }

  /** Sessions that still receive dispatches. */
  get live(): GatewaySession[] {
    return this.sessions.filter((s) => !s.ended);
  }

  /** Sends a dispatch to every live session that `filter` accepts (queued for replay when disconnected). */
  dispatch(t: string, d: unknown, filter: (s: GatewaySession) => boolean = () => true): GatewaySession[] {
    const guild = guildOf(t, d);
    // Discord sends what belongs to no guild (direct messages, their button presses) to shard 0 only.
    const targets = this.live.filter((s) => filter(s) && (guild === undefined ? !s.shard || s.shard[0] === 0 : sessionOwns(s, guild)));
    for (const session of targets) this.dispatchTo(session, t, d);
    return targets;
  }

  dispatchTo(session: GatewaySession, t: string, d: unknown): void {
    const guild = guildOf(t, d);
    if (guild !== undefined && !sessionOwns(session, guild)) return;
    session.seq += 1;
    session.log.push({ s: session.seq, t, d });
    if (session.log.length > MAX_LOG) session.log.shift();
    send(session.socket, { op: 0, s: session.seq, t, d });
  }

  /** Resolves with the first session that has identified (past or future). */
  waitForIdentify(timeoutMs = 5000): Promise<GatewaySession> {
    return waitFor(this, 'identify', () => this.live[0], { timeoutMs, what: 'the bot to IDENTIFY on the gateway' });
  }

  /**
   * Drops the gateway sockets. Default 4000 (unknown error): discord.js resumes and gets the missed dispatches.
   * With `invalidate`, the resume is refused (op 9 false) and the bot identifies again. With `replayFrom`, the
   * resume replays every dispatch after that sequence number, including ones the bot already received (as
   * Discord may when the bot's last sequence number was stale): duplicates the bot must tolerate.
   */
  closeSockets(code = 4000, options: { invalidate?: boolean; replayFrom?: number } = {}): void {
    for (const session of this.live) {
      if (options.invalidate) session.invalid = true;
      if (options.replayFrom !== undefined) session.replayFrom = options.replayFrom;
      session.socket?.close(code, 'fake Discord closed the gateway');
    }
  }

  /** Asks the bot to reconnect and resume (op 7). */
  requestReconnect(): void {
    for (const session of this.live) send(session.socket, { op: 7, d: null });
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
  }

  #onConnection(ws: WebSocket): void {
    let session: GatewaySession | undefined;
    send(ws, { op: 10, s: null, t: null, d: { heartbeat_interval: this.deps.heartbeatIntervalMs } });
    ws.on('message', (data, isBinary) => {
      let packet: { op?: unknown; d?: unknown };
      try {
        packet = JSON.parse(isBinary ? '' : (data as Buffer).toString('utf8')) as { op?: unknown; d?: unknown };
      } catch {
        ws.close(4002, 'Error while decoding payload.');
        return;
      }
      const op = typeof packet.op === 'number' ? packet.op : -1;
      if (op === 1) {
        this.heartbeats += 1;
        send(ws, { op: 11, s: null, t: null, d: null });
        return;
      }
      const record: GatewayReceived = { at: this.deps.now(), sessionId: session?.id, op, d: packet.d };
      this.received.push(record);
      this.emit('received', record);
      if (op === 2) session = this.#identify(ws, session, packet.d as Json);
      else if (op === 6) session = this.#resume(ws, packet.d as Json);
      else if (!session) ws.close(4003, 'Not authenticated.');
      else if (op === 4) this.emit('voiceStateUpdate', session, packet.d);
      else if (op !== 3 && op !== 8) ws.close(4001, 'Unknown opcode.');
    });
    ws.on('close', (code) => {
      if (session?.socket !== ws) return;
      session.socket = undefined;
      // A normal close ends the session on Discord's side; 4xxx (e.g. discord.js's 4200) keeps it resumable.
      if (code === 1000 || code === 1001) session.ended = true;
    });
    ws.on('error', (error) => this.emit('socketError', error));
  }

  #identify(ws: WebSocket, existing: GatewaySession | undefined, d: Json): GatewaySession | undefined {
    if (existing) {
      ws.close(4005, 'Already authenticated.');
      return existing;
    }
    if (d['token'] !== this.deps.token) {
      ws.close(4004, 'Authentication failed.');
      return undefined;
    }
    if (typeof d['intents'] === 'number' && (d['intents'] & (this.deps.disallowedIntents ?? 0)) !== 0) {
      ws.close(4014, 'Disallowed intent(s).');
      return undefined;
    }
    const shard = d['shard'];
    const sharding = this.deps.sharding;
    if (shard !== undefined && !(Array.isArray(shard) && shard.length === 2 && shard.every(Number.isInteger) && shard[0] >= 0 && shard[0] < shard[1])) {
      ws.close(4010, 'Invalid shard.');
      return undefined;
    }
    if (sharding?.required && (!Array.isArray(shard) || shard[1] !== sharding.count)) {
      ws.close(4011, 'Sharding required.');
      return undefined;
    }
    if (sharding) {
      const bucket = (Array.isArray(shard) ? (shard[0] as number) : 0) % sharding.maxConcurrency;
      const last = this.#lastIdentify.get(bucket);
      const at = this.deps.now();
      if (last !== undefined && at - last < IDENTIFY_WINDOW_MS) {
        this.identifyRateLimited += 1;
        send(ws, { op: 9, s: null, t: null, d: false });
        return undefined;
      }
      this.#lastIdentify.set(bucket, at);
    }
    const session: GatewaySession = {
      id: randomToken(), intents: typeof d['intents'] === 'number' ? d['intents'] : 0, identify: d,
      seq: 0, log: [], socket: ws, ended: false, invalid: false, resumes: 0,
      ...(Array.isArray(shard) ? { shard: [shard[0] as number, shard[1] as number] as [number, number] } : {}),
    };
    this.sessions.push(session);
    this.dispatchTo(session, 'READY', {
      ...this.deps.readyPayload(session), session_id: session.id, resume_gateway_url: this.url,
    });
    this.emit('identify', session);
    this.deps.afterReady(session);
    return session;
  }

  #resume(ws: WebSocket, d: Json): GatewaySession | undefined {
    const session = this.sessions.find((s) => s.id === d['session_id']);
    if (!session || session.ended || session.invalid || d['token'] !== this.deps.token) {
      if (session) session.ended = true;
      send(ws, { op: 9, s: null, t: null, d: false });
      return undefined;
    }
    if (session.socket && session.socket !== ws) session.socket.close(4000, 'Resumed elsewhere');
    session.socket = ws;
    session.resumes += 1;
    const acked = typeof d['seq'] === 'number' ? d['seq'] : 0;
    const after = Math.min(acked, session.replayFrom ?? acked);
    session.replayFrom = undefined;
    for (const entry of session.log) {
      if (entry.s > after) send(ws, { op: 0, s: entry.s, t: entry.t, d: entry.d });
    }
    this.dispatchTo(session, 'RESUMED', {});
    this.emit('resume', session);
    return session;
  }
}

function send(ws: WebSocket | undefined, payload: unknown): void {
  if (ws?.readyState === 1) ws.send(JSON.stringify(payload));
}
