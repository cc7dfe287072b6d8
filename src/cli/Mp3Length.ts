/**
 * Measures the length of an MP3 as its chunks stream by, from the MPEG audio layer III frame headers (a
 * chunk may end mid-frame). Used when MiniMax does not report `audio_length`.
 */

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
/** Sample rates by version bits (3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5; 1 is reserved). */
const RATES: Readonly<Record<number, readonly number[]>> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

interface FrameHeader {
  length: number;
  samples: number;
  sampleRate: number;
}

/** Parses a layer III frame header at `at`, or undefined if the bytes there are not one. */
function frameAt(buf: Buffer, at: number): FrameHeader | undefined {
  const b1 = buf[at + 1]!;
  const b2 = buf[at + 2]!;
  if (buf[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = (b1 >> 3) & 3;
  const rates = RATES[version];
  if (rates === undefined || ((b1 >> 1) & 3) !== 1) return undefined;
  const kbps = (version === 3 ? BITRATES_V1 : BITRATES_V2)[(b2 >> 4) & 15];
  const sampleRate = rates[(b2 >> 2) & 3];
  if (!kbps || sampleRate === undefined) return undefined; // free format, bad bitrate or reserved rate
  const padding = (b2 >> 1) & 1;
  const samples = version === 3 ? 1152 : 576;
  return { length: Math.floor(((samples / 8) * kbps * 1000) / sampleRate) + padding, samples, sampleRate };
}

export class Mp3Length {
  private carry: Buffer = Buffer.alloc(0);
  /** Bytes still to skip (the rest of an ID3v2 tag or of a frame). */
  private skip = 0;
  private atStart = true;
  private seconds = 0;
  private frameCount = 0;

  /** Audio length of the frames whose header has been seen so far, in milliseconds. */
  get durationMs(): number {
    return this.seconds * 1000;
  }

  get frames(): number {
    return this.frameCount;
  }

  push(chunk: Buffer): void {
    let buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    if (this.skip > 0) {
      const n = Math.min(this.skip, buf.length);
      this.skip -= n;
      buf = buf.subarray(n);
    }
    let at = 0;
    if (this.atStart) {
      if (buf.length < 10) {
        this.carry = Buffer.from(buf);
        return;
      }
      this.atStart = false;
      if (buf.toString('latin1', 0, 3) === 'ID3') {
        // Syncsafe size (7 bits per byte), plus a 10-byte footer when flagged.
        const size = ((buf[6]! & 0x7f) << 21) | ((buf[7]! & 0x7f) << 14) | ((buf[8]! & 0x7f) << 7) | (buf[9]! & 0x7f);
        at = 10 + size + (buf[5]! & 0x10 ? 10 : 0);
      }
    }
    while (at + 4 <= buf.length) {
      const frame = frameAt(buf, at);
      if (!frame) {
        at += 1; // not a frame here: look for the next sync word
        continue;
      }
      this.seconds += frame.samples / frame.sampleRate;
      this.frameCount += 1;
      at += frame.length;
    }
    if (at > buf.length) {
      this.skip = at - buf.length;
      this.carry = Buffer.alloc(0);
    } else {
      this.carry = Buffer.from(buf.subarray(at));
    }
  }
}
