import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { decryptRtp, parseRtpHeader, type VoiceEncryptionMode } from './rtpCrypto.js';

/** Where a packet with a given SSRC belongs (a voice connection that has selected its protocol). */
export interface UdpTarget {
  mode: VoiceEncryptionMode | undefined;
  secretKey: Uint8Array;
  /** Receives each decrypted Opus packet. */
  onOpus(opus: Buffer, rtp: { sequence: number; timestamp: number; ssrc: number }, from: RemoteInfo): void;
}

/** Counters of what reached the UDP socket (beyond the audio itself). */
export interface UdpStats {
  discoveries: number;
  keepAlives: number;
  rtpPackets: number;
  dropped: number;
  unknownSsrc: number;
  decryptFailures: number;
  other: number;
}

/**
 * The voice UDP endpoint: answers IP discovery (74 bytes: type 2, length 70, ssrc, the sender's IPv4 as
 * NUL-padded ASCII from offset 8, port u16be at 72), counts keep-alives, decrypts RTP and hands the Opus to
 * the connection owning the SSRC. Emits 'decryptError' (Error, ssrc).
 */
export class VoiceUdpServer extends EventEmitter {
  readonly stats: UdpStats = { discoveries: 0, keepAlives: 0, rtpPackets: 0, dropped: 0, unknownSsrc: 0, decryptFailures: 0, other: 0 };
  #dropUntil = 0;

  private constructor(private readonly socket: Socket, private readonly lookup: (ssrc: number) => UdpTarget | undefined, private readonly now: () => number) {
    super();
    socket.on('message', (msg, rinfo) => this.#onMessage(msg, rinfo));
  }

  static async start(lookup: (ssrc: number) => UdpTarget | undefined, now: () => number, host = '127.0.0.1'): Promise<VoiceUdpServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => resolve());
    });
    return new VoiceUdpServer(socket, lookup, now);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Ignores every datagram (discovery included) for `ms` milliseconds, like a network outage. */
  drop(ms: number): void {
    this.#dropUntil = this.now() + ms;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  #onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.now() < this.#dropUntil) {
      this.stats.dropped += 1;
      return;
    }
    if (msg.length === 74 && msg.readUInt16BE(0) === 1) {
      this.stats.discoveries += 1;
      const reply = Buffer.alloc(74);
      reply.writeUInt16BE(2, 0);
      reply.writeUInt16BE(70, 2);
      reply.writeUInt32BE(msg.readUInt32BE(4), 4);
      reply.write(rinfo.address, 8, 'ascii');
      reply.writeUInt16BE(rinfo.port, 72);
      this.socket.send(reply, rinfo.port, rinfo.address);
      return;
    }
    if (msg.length === 8) {
      this.stats.keepAlives += 1;
      return;
    }
    const header = parseRtpHeader(msg);
    if (!header) {
      this.stats.other += 1;
      return;
    }
    this.stats.rtpPackets += 1;
    const target = this.lookup(header.ssrc);
    if (!target?.mode) {
      this.stats.unknownSsrc += 1;
      return;
    }
    let opus: Buffer;
    try {
      opus = decryptRtp(msg, target.mode, target.secretKey).opus;
    } catch (error) {
      this.stats.decryptFailures += 1;
      this.emit('decryptError', error, header.ssrc);
      return;
    }
    target.onOpus(opus, { sequence: header.sequence, timestamp: header.timestamp, ssrc: header.ssrc }, rinfo);
  }
}
