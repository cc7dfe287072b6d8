import { ffmpegBytes, madeOnce, speechLike } from './mp3.js';

export interface OggOpusClipOptions {
  seconds: number;
  /** The rate the source is made at (OpusHead's input rate); default 24 000. */
  sampleRate?: number;
  /** libopus frame length in ms: 2.5, 5, 10, 20 (default), 40, 60. */
  frameMs?: number;
}

const cache = new Map<string, Promise<Buffer>>();

/**
 * Real Ogg Opus (libopus, mono, 64 kbps, one page per 20 ms) of the same speech-like signal as makeMp3, the way
 * MiniMax's `opus` format is assumed to look (UNCONFIRMED: shared/docs/minimax-t2a.md lists the format only).
 */
export function makeOggOpus(options: OggOpusClipOptions): Promise<Buffer> {
  const { seconds, sampleRate = 24000, frameMs = 20 } = options;
  return madeOnce(cache, `${seconds}:${sampleRate}:${frameMs}`, () => ffmpegBytes([
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', speechLike(sampleRate, seconds),
    '-ac', '1', '-c:a', 'libopus', '-b:a', '64000', '-application', 'audio', '-frame_duration', String(frameMs),
    '-page_duration', '20000', '-f', 'ogg', 'pipe:1',
  ]));
}

/** The audio packets of an Ogg Opus file (after OpusHead and OpusTags). */
export function opusPacketsOf(file: Buffer): Buffer[] {
  return readOggPages(file).slice(2).flatMap((p) => p.packets);
}

/**
 * The start of an Ogg Opus clip holding at least `durationMs` of audio: its header pages and whole audio
 * pages. Returns the bytes and the audio they hold.
 */
export function cutOggOpus(file: Buffer, durationMs: number): { ogg: Buffer; durationMs: number } {
  const pages = readOggPages(file);
  const head = pages[0]?.packets[0];
  if (!head || head.toString('latin1', 0, 8) !== 'OpusHead') throw new Error('not an Ogg Opus stream');
  const preSkip = head.readUInt16LE(10);
  let end = 0;
  let ms = 0;
  for (const [i, page] of pages.entries()) {
    end = page.offset + page.length;
    if (i < 2) continue; // OpusHead, OpusTags
    ms = Math.max(0, Number(page.granule) - preSkip) / 48;
    if (ms >= durationMs) break;
  }
  return { ogg: file.subarray(0, end), durationMs: ms };
}

export interface OggPage {
  /** Where the page starts in the file, and its length in bytes. */
  offset: number;
  length: number;
  flags: number;
  granule: bigint;
  serial: number;
  sequence: number;
  crc: number;
  crcComputed: number;
  /** Packets completed on this page (this reader rejects packets continued across pages). */
  packets: Buffer[];
}

/**
 * Ogg CRC written independently of src/cli (bit by bit, no table): polynomial 0x04c11db7, initial 0, no
 * reflection, no final XOR.
 */
export function referenceOggCrc(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? ((crc << 1) ^ 0x04c11db7) >>> 0 : (crc << 1) >>> 0;
  }
  return crc >>> 0;
}

/** Splits an Ogg file into pages; throws on anything that is not a well-formed page. */
export function readOggPages(file: Buffer): OggPage[] {
  const pages: OggPage[] = [];
  let at = 0;
  while (at < file.length) {
    if (file.toString('ascii', at, at + 4) !== 'OggS') throw new Error(`no capture pattern at byte ${at}`);
    if (file[at + 4] !== 0) throw new Error(`page ${pages.length}: version ${file[at + 4]}`);
    const count = file[at + 26]!;
    const lacing = [...file.subarray(at + 27, at + 27 + count)];
    const bodyLength = lacing.reduce((a, b) => a + b, 0);
    const end = at + 27 + count + bodyLength;
    if (end > file.length) throw new Error(`page ${pages.length} runs past the end of the file`);
    const page = Buffer.from(file.subarray(at, end));
    const crc = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    const packets: Buffer[] = [];
    let offset = at + 27 + count;
    let size = 0;
    for (const l of lacing) {
      size += l;
      if (l < 255) {
        packets.push(file.subarray(offset, offset + size));
        offset += size;
        size = 0;
      }
    }
    if (size !== 0) throw new Error(`page ${pages.length} ends inside a packet`);
    pages.push({
      offset: at,
      length: end - at,
      flags: file[at + 5]!,
      granule: file.readBigInt64LE(at + 6),
      serial: file.readUInt32LE(at + 14),
      sequence: file.readUInt32LE(at + 18),
      crc,
      crcComputed: referenceOggCrc(page),
      packets,
    });
    at = end;
  }
  return pages;
}
