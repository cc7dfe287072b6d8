/**
 * A streaming Ogg reader (RFC 3533): bytes in, in any chunk sizes; whole packets out, in order, as soon as the
 * page that completes them has arrived. Packets may span pages. One logical stream is expected; pages of other
 * serial numbers are skipped. Checksums are not verified: the bytes arrive over TLS, which already does.
 */
import { AudioError } from './errors.js';

const CAPTURE = 0x5367674f; // 'OggS' read little-endian
const HEADER_BYTES = 27;
const FLAG_CONTINUED = 0x01;
const FLAG_BOS = 0x02;
/** A page holds at most 255 segments of 255 bytes; a packet this large in an Opus stream means a broken stream. */
const MAX_PACKET_BYTES = 1 << 20;

export class OggPacketReader {
  #buffer: Buffer = Buffer.alloc(0);
  #serial: number | undefined;
  /** Parts of a packet that continues on the next page. */
  #partial: Buffer[] = [];
  #partialBytes = 0;

  /**
   * Feeds bytes; calls `onPacket` for every packet they complete, with `first` true for the first packet of a
   * logical stream (its header). Throws AudioError DECODE_FAILED when the bytes are not an Ogg stream.
   */
  push(chunk: Buffer, onPacket: (packet: Buffer, first: boolean) => void): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let at = 0;
    for (;;) {
      const page = this.#pageAt(at);
      if (!page) break;
      this.#read(page, onPacket);
      at = page.end;
    }
    this.#buffer = this.#buffer.subarray(at);
  }

  /** Whether bytes of an unfinished page or packet are held (the stream was cut mid-page). */
  get pending(): boolean {
    return this.#buffer.length > 0 || this.#partialBytes > 0;
  }

  #pageAt(at: number): { at: number; end: number; flags: number; serial: number; lacing: Buffer } | undefined {
    const b = this.#buffer;
    this.#checkCapture(at);
    if (b.length - at < HEADER_BYTES) return undefined;
    if (b[at + 4] !== 0) throw new AudioError('DECODE_FAILED', `unsupported Ogg stream structure version ${b[at + 4]}`);
    const segments = b[at + 26]!;
    if (b.length - at < HEADER_BYTES + segments) return undefined;
    const lacing = b.subarray(at + HEADER_BYTES, at + HEADER_BYTES + segments);
    let body = 0;
    for (const l of lacing) body += l;
    const end = at + HEADER_BYTES + segments + body;
    if (b.length < end) return undefined;
    return { at, end, flags: b[at + 5]!, serial: b.readUInt32LE(at + 14), lacing };
  }

  /** The bytes at `at` must begin with 'OggS' (as far as they go). */
  #checkCapture(at: number): void {
    const b = this.#buffer;
    const n = Math.min(4, b.length - at);
    if (n === 4 ? b.readUInt32LE(at) === CAPTURE : b.subarray(at, at + n).equals(Buffer.from('OggS').subarray(0, n))) return;
    throw new AudioError('DECODE_FAILED', 'the audio is not an Ogg stream (no "OggS" page where one must begin)');
  }

  #read(page: { at: number; end: number; flags: number; serial: number; lacing: Buffer }, onPacket: (packet: Buffer, first: boolean) => void): void {
    if (this.#serial === undefined || (page.flags & FLAG_BOS && page.serial !== this.#serial)) {
      // A new logical stream (the first, or a chained one): a partial packet of the old one is dropped.
      this.#serial = page.serial;
      this.#partial = [];
      this.#partialBytes = 0;
    }
    if (page.serial !== this.#serial) return;
    // A continued page whose predecessor was lost (or never sent) starts with a tail nobody can use.
    let skipTail = (page.flags & FLAG_CONTINUED) !== 0 && this.#partialBytes === 0;
    if ((page.flags & FLAG_CONTINUED) === 0 && this.#partialBytes > 0) {
      this.#partial = [];
      this.#partialBytes = 0;
    }
    let offset = page.at + HEADER_BYTES + page.lacing.length;
    let first = (page.flags & FLAG_BOS) !== 0;
    for (const l of page.lacing) {
      const part = this.#buffer.subarray(offset, offset + l);
      offset += l;
      if (!skipTail) {
        this.#partial.push(part);
        this.#partialBytes += l;
        if (this.#partialBytes > MAX_PACKET_BYTES) throw new AudioError('DECODE_FAILED', 'an Ogg packet larger than 1 MB: not an Opus stream');
      }
      if (l === 255) continue; // the packet goes on
      if (skipTail) {
        skipTail = false;
        continue;
      }
      const packet = this.#partial.length === 1 ? Buffer.from(this.#partial[0]!) : Buffer.concat(this.#partial);
      this.#partial = [];
      this.#partialBytes = 0;
      onPacket(packet, first);
      first = false;
    }
    // Parts left in #partial continue on the next page; copy them out of the buffer that is about to shrink.
    if (this.#partial.length > 0) this.#partial = [Buffer.concat(this.#partial)];
  }
}
