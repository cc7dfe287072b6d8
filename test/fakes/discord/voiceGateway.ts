import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DaveCall, DaveTransition } from './dave/call.js';
import { DaveCalls } from './dave/calls.js';
import type { VoiceEncryptionMode } from './rtpCrypto.js';
import type { UdpTarget } from './udp.js';
import { waitFor } from './waitFor.js';

/** What a VOICE_SERVER_UPDATE granted: the voice gateway accepts an IDENTIFY only with these values. */
export interface VoiceTicket {
  token: string;
  guildId: string;
  channelId: string;
  userId: string;
  sessionId: string;
}

/** One voice gateway session (IDENTIFY to close; survives a resume). */
export interface FakeVoiceConnection {
  id: number;
  guildId: string;
  channelId: string;
  userId: string;
  sessionId: string;
  token: string;
  ssrc: number;
  secretKey: Uint8Array;
  /** Chosen by the client in SELECT_PROTOCOL. */
  mode: VoiceEncryptionMode | undefined;
  maxDaveProtocolVersion: number;
  /** identified -> ready (session description sent). */
  state: 'identified' | 'ready';
  /** The open socket; undefined while disconnected. */
  socket: WebSocket | undefined;
  /** A newer connection replaced it, or the client closed it for good. */
  ended: boolean;
  createdAt: number;
  readyAt: number | undefined;
  clientAddress: { address: string; port: number } | undefined;
  closes: { at: number; code: number; by: 'fake' | 'client' }[];
  resumes: number;
  heartbeats: { at: number; seqAck: number | undefined }[];
  speaking: { at: number; speaking: number }[];
  seq: number;
  /** DAVE protocol version of the session description (0: transport encryption only). */
  daveProtocolVersion: number;
  /** The DAVE call (protocol 1) of the connection's channel, with its simulated members; shared by the connections there. */
  dave: DaveCall | undefined;
  /** Errors the DAVE exchange raised (a malformed commit...), for test failure messages. */
  daveErrors: string[];
}

/** A socket the server turned away (bad token, no DAVE, unknown mode...). */
export interface VoiceRejection {
  at: number;
  code: number;
  reason: string;
}

export interface VoiceGatewayDeps {
  now: () => number;
  heartbeatIntervalMs: number;
  modes: () => readonly VoiceEncryptionMode[];
  /** Close with 4017 a client whose IDENTIFY has max_dave_protocol_version 0 (Discord since 2026-03). */
  requireDave: boolean;
  /** Speak DAVE protocol 1 with clients that offer it (as Discord does); false: transport encryption only. */
  dave: boolean;
  /** The users (not the bot) in a voice channel now: the members of its DAVE group. */
  channelMembers: (guildId: string, channelId: string) => string[];
  udpPort: () => number;
  onOpus: (conn: FakeVoiceConnection, opus: Buffer, rtp: { sequence: number; timestamp: number; ssrc: number }) => void;
  tls?: { cert: Buffer | string; key: Buffer | string };
  /** The address to listen on (and to give as the voice server's endpoint and UDP ip). Default 127.0.0.1. */
  host?: string;
}

/**
 * The voice gateway (wss://, v8): hello, identify -> ready {ssrc, ip, port, modes}, select protocol ->
 * session description {mode, secret_key, dave_protocol_version: 1, or 0 without DAVE}, speaking, heartbeats
 * (op 3 -> op 6), resume (op 7 -> op 9); with DAVE, Discord's MLS side (dave/call.ts) and its simulated members. Emits 'identified', 'ready', 'resumed', 'closed' (conn, code) and 'rejected'.
 */
export class VoiceGatewayServer extends EventEmitter {
  readonly connections: FakeVoiceConnection[] = [];
  readonly rejections: VoiceRejection[] = [];
  /** Errors of the DAVE exchange (a malformed commit...), whichever connection they came with. */
  readonly daveErrors: string[] = [];
  /** Discord's DAVE calls, one per voice channel the bot was in. */
  readonly dave: DaveCalls;
  readonly #tickets = new Map<string, VoiceTicket>();
  readonly #https: Server;
  readonly #wss: WebSocketServer;
  #nextSsrc = 10_000 + Math.floor(Math.random() * 1000);

  private constructor(private readonly deps: VoiceGatewayDeps) {
    super();
    this.dave = new DaveCalls(deps.now);
    this.dave.on('transition', (t: DaveTransition) => this.emit('daveTransition', t));
    const tls = deps.tls ?? {
      cert: readFileSync(new URL('./cert/cert.pem', import.meta.url)),
      key: readFileSync(new URL('./cert/key.pem', import.meta.url)),
    };
    this.#https = createServer(tls, (_req, res) => res.writeHead(426).end());
    this.#wss = new WebSocketServer({ server: this.#https });
    this.#wss.on('connection', (ws) => this.#onConnection(ws));
  }

  static async start(deps: VoiceGatewayDeps): Promise<VoiceGatewayServer> {
    const server = new VoiceGatewayServer(deps);
    await new Promise<void>((resolve, reject) => {
      server.#https.once('error', reject);
      server.#https.listen(0, deps.host ?? '127.0.0.1', () => resolve());
    });
    return server;
  }

  /** The `endpoint` of VOICE_SERVER_UPDATE (the client connects to wss://{endpoint}?v=8). */
  get endpoint(): string {
    const { address, port } = this.#https.address() as AddressInfo;
    return `${address}:${port}`;
  }

  /** Grants a voice session; the previous ticket of that user in that guild stops being valid. */
  issue(ticket: VoiceTicket): void {
    this.#tickets.set(`${ticket.guildId}:${ticket.userId}`, ticket);
  }

  /** The connection that owns an SSRC, as the UDP server needs it. */
  udpTarget(ssrc: number): UdpTarget | undefined {
    const conn = this.connections.find((c) => c.ssrc === ssrc);
    if (!conn) return undefined;
    return { mode: conn.mode, secretKey: conn.secretKey, onOpus: (opus, rtp) => this.deps.onOpus(conn, opus, rtp) };
  }

  /** Open connections (optionally of one guild). */
  open(guildId?: string): FakeVoiceConnection[] {
    return this.connections.filter((c) => c.socket && (guildId === undefined || c.guildId === guildId));
  }

  /** Closes the open voice sockets with `code` (4006 rejoin, 4014 disconnected, 4015 resume...). */
  closeConnections(code: number, guildId?: string): FakeVoiceConnection[] {
    const closed = this.open(guildId);
    for (const conn of closed) {
      conn.closes.push({ at: this.deps.now(), code, by: 'fake' });
      if (!(code === 4015 || code < 4000)) this.#end(conn);
      conn.socket?.close(code, `fake Discord closed with ${code}`);
    }
    return closed;
  }

  /** The first connection (past or future) that reaches ready and matches. */
  waitForReady(match: (c: FakeVoiceConnection) => boolean = () => true, timeoutMs = 5000): Promise<FakeVoiceConnection> {
    return waitFor(this, 'ready', () => this.connections.find((c) => c.state === 'ready' && match(c)), {
      timeoutMs, what: 'a voice connection to become ready',
      detail: () => `connections: ${this.connections.length}, rejections: ${JSON.stringify(this.rejections)}`,
    });
  }

  /**
   * The first executed DAVE transition (past or future) that matches: once it is executed the bot has the group's
   * keys (it sent ready_for_transition after processing the commit), so what it sends is end-to-end encrypted.
   */
  waitForDaveTransition(match: (t: DaveTransition, c: FakeVoiceConnection) => boolean = () => true, timeoutMs = 5000): Promise<DaveTransition> {
    const find = (): DaveTransition | undefined => {
      for (const call of this.dave.all()) {
        for (const t of call.transitions) {
          const c = this.connections.find((x) => x.id === t.connectionId);
          if (t.executedAt !== undefined && c && match(t, c)) return t;
        }
      }
      return undefined;
    };
    return waitFor(this, 'daveTransition', find, {
      timeoutMs, what: 'a DAVE transition to execute',
      detail: () => JSON.stringify({ errors: [...this.daveErrors, ...this.dave.all().flatMap((call) => call.errors)], transitions: this.dave.all().map((call) => call.transitions.length) }),
    });
  }

  async close(): Promise<void> {
    this.dave.close();
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.#https.close(() => resolve());
      this.#https.closeAllConnections();
    });
  }

  #onConnection(ws: WebSocket): void {
    let conn: FakeVoiceConnection | undefined;
    const reject = (code: number, reason: string): void => {
      const rejection = { at: this.deps.now(), code, reason };
      this.rejections.push(rejection);
      this.emit('rejected', rejection);
      ws.close(code, reason);
    };
    send(ws, { op: 8, d: { heartbeat_interval: this.deps.heartbeatIntervalMs, v: 8 } });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const buf = data as Buffer;
        if (conn?.dave && buf.length > 0) this.#dave(conn, () => conn?.dave?.onBinary(conn.id, buf.readUInt8(0), buf.subarray(1)));
        return;
      }
      let packet: { op?: unknown; d?: unknown };
      try {
        packet = JSON.parse((data as Buffer).toString('utf8')) as { op?: unknown; d?: unknown };
      } catch {
        reject(4002, 'Failed to decode payload');
        return;
      }
      const d = (typeof packet.d === 'object' && packet.d !== null ? packet.d : {}) as Record<string, unknown>;
      switch (packet.op) {
        case 0: conn = this.#identify(ws, d, reject); break;
        case 7: conn = this.#resume(ws, d, reject); break;
        case 3:
          conn?.heartbeats.push({ at: this.deps.now(), seqAck: typeof d['seq_ack'] === 'number' ? d['seq_ack'] : undefined });
          send(ws, { op: 6, d: typeof packet.d === 'number' ? packet.d : { t: d['t'] } });
          break;
        case 1: if (conn) this.#selectProtocol(conn, d, reject); else reject(4003, 'Not authenticated'); break;
        case 5: conn?.speaking.push({ at: this.deps.now(), speaking: typeof d['speaking'] === 'number' ? d['speaking'] : 0 }); break;
        case 23: case 31: if (conn?.dave) this.#dave(conn, () => conn?.dave?.onJson(conn.id, packet.op as number, d)); break;
        default: break; // other client opcodes are ignored
      }
    });
    ws.on('close', (code) => {
      if (!conn || conn.socket !== ws) return;
      conn.socket = undefined;
      const byFake = conn.closes.at(-1);
      if (!byFake || byFake.by !== 'fake' || byFake.code !== code) conn.closes.push({ at: this.deps.now(), code, by: 'client' });
      if (code === 1000) this.#end(conn);
      this.emit('closed', conn, code);
    });
    ws.on('error', (error) => this.emit('socketError', error));
  }

  #identify(ws: WebSocket, d: Record<string, unknown>, reject: (code: number, reason: string) => void): FakeVoiceConnection | undefined {
    const ticket = this.#tickets.get(`${String(d['server_id'])}:${String(d['user_id'])}`);
    if (!ticket || ticket.token !== d['token'] || ticket.sessionId !== d['session_id']) {
      reject(4004, 'Authentication failed');
      return undefined;
    }
    const dave = typeof d['max_dave_protocol_version'] === 'number' ? d['max_dave_protocol_version'] : 0;
    if (this.deps.requireDave && dave < 1) {
      reject(4017, 'E2EE/DAVE protocol required');
      return undefined;
    }
    for (const old of this.connections) if (old.guildId === ticket.guildId && old.userId === ticket.userId) this.#end(old);
    const conn: FakeVoiceConnection = {
      id: this.connections.length + 1, guildId: ticket.guildId, channelId: ticket.channelId, userId: ticket.userId,
      sessionId: ticket.sessionId, token: ticket.token, ssrc: this.#nextSsrc++, secretKey: new Uint8Array(randomBytes(32)),
      mode: undefined, maxDaveProtocolVersion: dave, state: 'identified', socket: ws, ended: false,
      createdAt: this.deps.now(), readyAt: undefined, clientAddress: undefined, closes: [], resumes: 0,
      heartbeats: [], speaking: [], seq: 0, daveProtocolVersion: 0, dave: undefined, daveErrors: [],
    };
    this.connections.push(conn);
    this.emit('identified', conn);
    this.#send(conn, { op: 2, d: { ssrc: conn.ssrc, ip: this.deps.host ?? '127.0.0.1', port: this.deps.udpPort(), modes: [...this.deps.modes()], experiments: [] } });
    return conn;
  }

  #selectProtocol(conn: FakeVoiceConnection, d: Record<string, unknown>, reject: (code: number, reason: string) => void): void {
    const data = (typeof d['data'] === 'object' && d['data'] !== null ? d['data'] : {}) as Record<string, unknown>;
    const mode = data['mode'] as VoiceEncryptionMode;
    if (!this.deps.modes().includes(mode)) {
      reject(4016, 'Unknown encryption mode');
      return;
    }
    conn.mode = mode;
    conn.clientAddress = { address: String(data['address']), port: Number(data['port']) };
    conn.state = 'ready';
    conn.readyAt = this.deps.now();
    conn.daveProtocolVersion = this.deps.dave && conn.maxDaveProtocolVersion >= 1 ? 1 : 0;
    this.#send(conn, {
      op: 4,
      d: {
        mode, secret_key: [...conn.secretKey], dave_protocol_version: conn.daveProtocolVersion, audio_codec: 'opus',
        video_codec: null, media_session_id: `fake-${conn.id}`,
      },
    });
    if (conn.daveProtocolVersion === 1) this.#startDave(conn);
    this.emit('ready', conn);
  }

  #resume(ws: WebSocket, d: Record<string, unknown>, reject: (code: number, reason: string) => void): FakeVoiceConnection | undefined {
    const conn = this.connections.find((c) => c.sessionId === d['session_id'] && c.token === d['token'] && c.guildId === d['server_id']);
    if (!conn || conn.ended || conn.state !== 'ready') {
      reject(4006, 'Session no longer valid');
      return undefined;
    }
    if (conn.socket && conn.socket !== ws) conn.socket.close(4006, 'Resumed elsewhere');
    conn.socket = ws;
    conn.resumes += 1;
    this.#send(conn, { op: 9, d: null });
    this.emit('resumed', conn);
    return conn;
  }

  /** A user joined (channelId) or left (null) voice: the DAVE calls of that guild gain or lose a member. */
  userVoiceState(guildId: string, userId: string, channelId: string | null): void {
    for (const call of this.dave.inGuild(guildId)) {
      const conn = this.connections.find((c) => c.dave === call && !c.ended);
      this.#dave(conn, () => {
        if (channelId === call.channelId) call.memberJoined(userId);
        else call.memberLeft(userId);
      });
    }
  }

  #startDave(conn: FakeVoiceConnection): void {
    const link = {
      connectionId: conn.id,
      sendBinary: (op: number, payload: Buffer) => this.#sendBinary(conn, op, payload),
      sendJson: (op: number, d: unknown) => this.#send(conn, { op, d }),
    };
    this.#dave(conn, () => {
      conn.dave = this.dave.attach(conn.guildId, conn.channelId, conn.userId, link, this.deps.channelMembers(conn.guildId, conn.channelId));
    });
  }

  /** Runs a step of the DAVE exchange; an error is recorded on the connection (and emitted), never thrown. */
  #dave(conn: FakeVoiceConnection | undefined, step: () => void): void {
    try {
      step();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.daveErrors.push(message);
      conn?.daveErrors.push(message);
      this.emit('daveError', conn, message);
    }
  }

  #end(conn: FakeVoiceConnection): void {
    conn.ended = true;
    const call = conn.dave;
    if (call) this.#dave(conn, () => call.detachBot(conn.id));
  }

  /** A binary frame: [seq u16 BE][op u8][payload]. */
  #sendBinary(conn: FakeVoiceConnection, op: number, payload: Buffer): void {
    conn.seq += 1;
    const header = Buffer.alloc(3);
    header.writeUInt16BE(conn.seq & 0xffff);
    header.writeUInt8(op, 2);
    if (conn.socket?.readyState === 1) conn.socket.send(Buffer.concat([header, payload]));
  }

  #send(conn: FakeVoiceConnection, payload: { op: number; d: unknown }): void {
    conn.seq += 1;
    send(conn.socket, { ...payload, seq: conn.seq });
  }
}

function send(ws: WebSocket | undefined, payload: unknown): void {
  if (ws?.readyState === 1) ws.send(JSON.stringify(payload));
}
