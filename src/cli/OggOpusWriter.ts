/**
 * A small Ogg Opus muxer (RFC 3533 pages, RFC 7845 Opus mapping): OpusHead and OpusTags header pages, then
 * audio pages whose granule positions count 48 kHz samples (pre-skip included), each page with its CRC.
 * Packets are never split across pages (an Opus packet is at most 1275 bytes per frame, far below a page).
 */
import { opusPacketSamples } from '../audio/opusPacket.js';

/** Encoder delay of libopus at 48 kHz (OPUS_GET_LOOKAHEAD: 2.5 ms + 4 ms delay compensation). */
export const OPUS_PRE_SKIP = 312;

const OGG_CRC_POLYNOMIAL = 0x04c11db7;
const CRC_TABLE = buildCrcTable();

function buildCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ OGG_CRC_POLYNOMIAL : r << 1;
    table[i] = r >>> 0;
  }
  return table;
}

/** Ogg's page checksum: CRC-32, polynomial 0x04c11db7, initial value 0, no reflection, no final XOR. */
export function oggCrc32(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  return crc;
}

export interface OggOpusOptions {
  /** Logical stream serial number; default random. */
  serial?: number;
  /** Samples to drop at the start when decoding; default OPUS_PRE_SKIP. */
  preSkip?: number;
  /** Default 2 (Parrot's packets are stereo). */
  channels?: 1 | 2;
  /** The sample rate of the original audio, for information only; default 48 000. */
  inputSampleRate?: number;
  /** Vendor string of the OpusTags header; default "Parrot". */
  vendor?: string;
  /** A page is closed once it holds this much audio; default 1000 ms. */
  maxPageMs?: number;
}

const FLAG_BOS = 0x02;
const FLAG_EOS = 0x04;
const MAX_SEGMENTS = 255;

/**
 * Call `header()` first, `write()` for every Opus packet in order, then `end()`; each returns the bytes to
 * append to the file (write() returns a page only when one is complete).
 */
export class OggOpusWriter {
  readonly serial: number;
  readonly preSkip: number;
  readonly channels: 1 | 2;
  private readonly inputSampleRate: number;
  private readonly vendor: string;
  private readonly maxPageSamples: number;
  private sequence = 0;
  private granule = 0;
  private packets: Buffer[] = [];
  private segments = 0;
  private pageSamples = 0;
  private state: 'new' | 'audio' | 'ended' = 'new';

  constructor(options: OggOpusOptions = {}) {
    this.serial = (options.serial ?? Math.floor(Math.random() * 0x1_0000_0000)) >>> 0;
    this.preSkip = options.preSkip ?? OPUS_PRE_SKIP;
    this.channels = options.channels ?? 2;
    this.inputSampleRate = options.inputSampleRate ?? 48_000;
    this.vendor = options.vendor ?? 'Parrot';
    this.maxPageSamples = Math.max(1, Math.round((options.maxPageMs ?? 1000) * 48));
  }

  /** Granule position so far: 48 kHz samples of every packet written (pre-skip included). */
  get granulePosition(): number {
    return this.granule;
  }

  /** Playable length of the packets written so far, in milliseconds (granule position minus pre-skip). */
  get durationMs(): number {
    return Math.max(0, this.granule - this.preSkip) / 48;
  }

  /** The two header pages: OpusHead (beginning of stream) and OpusTags. */
  header(): Buffer {
    if (this.state !== 'new') throw new Error('OggOpusWriter.header() must be called once, first');
    this.state = 'audio';
    const head = Buffer.alloc(19);
    head.write('OpusHead', 0, 'ascii');
    head.writeUInt8(1, 8); // version
    head.writeUInt8(this.channels, 9);
    head.writeUInt16LE(this.preSkip, 10);
    head.writeUInt32LE(this.inputSampleRate, 12);
    head.writeInt16LE(0, 16); // output gain
    head.writeUInt8(0, 18); // channel mapping family 0: mono or stereo
    const vendor = Buffer.from(this.vendor, 'utf8');
    const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
    tags.write('OpusTags', 0, 'ascii');
    tags.writeUInt32LE(vendor.length, 8);
    vendor.copy(tags, 12);
    tags.writeUInt32LE(0, 12 + vendor.length); // no user comments
    return Buffer.concat([this.page([head], FLAG_BOS, 0), this.page([tags], 0, 0)]);
  }

  /** Adds one Opus packet; returns the page it completed, if any. */
  write(packet: Buffer): Buffer | undefined {
    if (this.state !== 'audio') throw new Error(`OggOpusWriter.write() called ${this.state === 'new' ? 'before header()' : 'after end()'}`);
    if (packet.length === 0) return undefined;
    const needed = Math.floor(packet.length / 255) + 1;
    let full: Buffer | undefined;
    if (this.packets.length > 0 && (this.segments + needed > MAX_SEGMENTS || this.pageSamples >= this.maxPageSamples)) {
      full = this.flush(0);
    }
    this.packets.push(packet);
    this.segments += needed;
    const samples = opusPacketSamples(packet);
    this.pageSamples += samples;
    this.granule += samples;
    return full;
  }

  /** The last page, marked end of stream (empty of packets if none were pending). */
  end(): Buffer {
    if (this.state !== 'audio') throw new Error(`OggOpusWriter.end() called ${this.state === 'new' ? 'before header()' : 'twice'}`);
    this.state = 'ended';
    return this.flush(FLAG_EOS);
  }

  private flush(flags: number): Buffer {
    const page = this.page(this.packets, flags, this.granule);
    this.packets = [];
    this.segments = 0;
    this.pageSamples = 0;
    return page;
  }

  private page(packets: readonly Buffer[], flags: number, granule: number): Buffer {
    const lacing: number[] = [];
    for (const p of packets) {
      for (let left = p.length; ; left -= 255) {
        lacing.push(Math.min(left, 255));
        if (left < 255) break;
      }
    }
    const header = Buffer.alloc(27 + lacing.length);
    header.write('OggS', 0, 'ascii');
    header.writeUInt8(0, 4); // stream structure version
    header.writeUInt8(flags, 5); // never 'continued': packets are not split across pages
    header.writeBigInt64LE(BigInt(granule), 6);
    header.writeUInt32LE(this.serial, 14);
    header.writeUInt32LE(this.sequence++, 18);
    header.writeUInt32LE(0, 22); // CRC, computed over the page with this field zeroed
    header.writeUInt8(lacing.length, 26);
    Buffer.from(lacing).copy(header, 27);
    const page = Buffer.concat([header, ...packets]);
    page.writeUInt32LE(oggCrc32(page), 22);
    return page;
  }
}
