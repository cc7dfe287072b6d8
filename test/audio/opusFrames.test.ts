import { describe, expect, it } from 'vitest';
import { OpusFrameEncoder } from '../../src/audio/opusFrames.js';
import { decodeAll, decodedSamples } from './helpers.js';

const FRAME_BYTES = 960 * 2 * 2;

/** Opus TOC byte: bit 2 is the stereo flag (RFC 6716, 3.1). */
const isStereoPacket = (packet: Buffer): boolean => (packet[0]! & 0x04) !== 0;

/** 440 Hz on the left; on the right the same, or 660 Hz when `stereo`. */
function twoTones(samples: number, stereo: boolean): Buffer {
  const pcm = Buffer.alloc(samples * 4);
  for (let i = 0; i < samples; i++) {
    pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 48000)), 4 * i);
    pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * (stereo ? 660 : 440) * i) / 48000)), 4 * i + 2);
  }
  return pcm;
}

function tone(samples: number): Buffer {
  const pcm = Buffer.alloc(samples * 4);
  for (let i = 0; i < samples; i++) {
    const v = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 48000));
    pcm.writeInt16LE(v, 4 * i);
    pcm.writeInt16LE(v, 4 * i + 2);
  }
  return pcm;
}

describe('OpusFrameEncoder', () => {
  it('makes one packet per whole 960-sample frame, however the PCM bytes are split', () => {
    const packets: Buffer[] = [];
    const enc = new OpusFrameEncoder((p) => packets.push(p));
    const pcm = tone(960 * 5);
    for (let off = 0, k = 0; off < pcm.length; k++) {
      const n = [3, 1001, 7, FRAME_BYTES + 1][k % 4]!; // splits samples and frames
      enc.writePcm(pcm.subarray(off, off + n));
      off += n;
    }
    expect(packets).toHaveLength(5);
    enc.delete();
    expect(decodedSamples(packets)).toBe(960 * 5);
  });

  it('pads the last partial frame on flush so no audio is lost', () => {
    const packets: Buffer[] = [];
    const enc = new OpusFrameEncoder((p) => packets.push(p));
    enc.writePcm(tone(960 + 100));
    expect(packets).toHaveLength(1);
    enc.flush();
    expect(packets).toHaveLength(2);
    enc.flush(); // nothing left: no extra packet
    expect(packets).toHaveLength(2);
    enc.delete();
  });

  it('drops inaudible frames before the first audible one (MP3 priming), and only those', () => {
    const packets: Buffer[] = [];
    const enc = new OpusFrameEncoder((p) => packets.push(p));
    const quiet = Buffer.alloc(FRAME_BYTES); // two frames: digital zeros, then decoder noise of a few LSBs
    enc.writePcm(quiet);
    const noise = Buffer.alloc(FRAME_BYTES);
    for (let i = 0; i < noise.length; i += 2) noise.writeInt16LE((i / 2) % 2 ? 5 : -5, i);
    enc.writePcm(noise);
    expect(packets).toHaveLength(0);
    enc.writePcm(tone(960 * 2));
    enc.writePcm(Buffer.alloc(FRAME_BYTES)); // silence after speech started is kept: it is part of the speech
    expect(packets).toHaveLength(3);
    expect(packets[0]!.equals(Buffer.from([0xf8, 0xff, 0xfe]))).toBe(false);
    enc.delete();
  });

  it('still yields one frame for input that is silent throughout', () => {
    const packets: Buffer[] = [];
    const enc = new OpusFrameEncoder((p) => packets.push(p));
    enc.writePcm(Buffer.alloc(FRAME_BYTES * 3));
    enc.flush();
    expect(packets).toHaveLength(1);
    enc.delete();
  });

  it('takes planar float samples and clips them to 16 bits', () => {
    const packets: Buffer[] = [];
    const enc = new OpusFrameEncoder((p) => packets.push(p));
    const loud = new Float32Array(1920).fill(3); // out of range: clipped, not wrapped
    enc.writeFloat(loud, loud, loud.length);
    expect(packets).toHaveLength(2);
    enc.delete();
  });

  it('codes one array given for both channels as it codes the same samples in two arrays, and the s16 PCM they round to', () => {
    const x = new Float32Array(960 * 6);
    for (let i = 0; i < x.length; i++) x[i] = 0.4 * Math.sin((2 * Math.PI * 440 * i) / 48000) + (i % 7) * 1e-5;
    const code = (write: (enc: OpusFrameEncoder) => void): Buffer[] => {
      const packets: Buffer[] = [];
      const enc = new OpusFrameEncoder((p) => packets.push(p));
      write(enc);
      enc.flush();
      enc.delete();
      return packets;
    };
    const pcm = Buffer.alloc(x.length * 4);
    for (let i = 0; i < x.length; i++) {
      const v = Math.max(-32768, Math.min(32767, Math.round(x[i]! * 32768)));
      pcm.writeInt16LE(v, 4 * i);
      pcm.writeInt16LE(v, 4 * i + 2);
    }
    const shared = code((enc) => enc.writeFloat(x, x, x.length)); // the resampler's mono output
    expect(shared).toHaveLength(6);
    expect(shared).toEqual(code((enc) => enc.writeFloat(x, x.slice(), x.length)));
    expect(shared).toEqual(code((enc) => enc.writePcm(pcm)));
  });

  it('stops at once when deleted from inside onPacket', () => {
    const packets: Buffer[] = [];
    const enc: OpusFrameEncoder = new OpusFrameEncoder((p) => {
      packets.push(p);
      enc.delete();
    });
    enc.writePcm(tone(960 * 4));
    enc.flush();
    expect(packets).toHaveLength(1);
    expect(enc.deleted).toBe(true);
  });

  it('codes a mono source (equal channels) as mono packets that decode to the same sound on both channels', () => {
    const packets: Buffer[] = [];
    const enc = new OpusFrameEncoder((p) => packets.push(p));
    enc.writePcm(twoTones(960 * 10, false));
    enc.flush();
    enc.delete();
    expect(packets).toHaveLength(10);
    expect(packets.some(isStereoPacket)).toBe(false);
    const pcm = decodeAll(packets);
    let energy = 0;
    for (let i = 0; i < pcm.length; i += 2) {
      expect(pcm[i]).toBe(pcm[i + 1]);
      energy += pcm[i]! ** 2;
    }
    expect(energy).toBeGreaterThan(0);
  });

  it('switches to stereo for good once the channels differ, and keeps every frame', () => {
    const packets: Buffer[] = [];
    const enc = new OpusFrameEncoder((p) => packets.push(p));
    enc.writePcm(twoTones(960 * 3, false));
    enc.writePcm(twoTones(960 * 3, true));
    enc.writePcm(twoTones(960 * 2, false));
    enc.flush();
    enc.delete();
    expect(packets.map(isStereoPacket)).toEqual([false, false, false, true, true, true, false, false]);
    // The last two frames are mono content coded by the stereo encoder (forced to mono), not a switch back.
    expect(decodedSamples(packets)).toBe(960 * 8);
    const pcm = decodeAll(packets.slice(3, 6));
    let differ = 0;
    for (let i = 960; i < pcm.length; i += 2) if (pcm[i] !== pcm[i + 1]) differ++;
    expect(differ).toBeGreaterThan(960);
  });

  it('applies the complexity setting (the same input codes differently at 0 and 10)', () => {
    const at = (complexity: number): Buffer => {
      const packets: Buffer[] = [];
      const enc = new OpusFrameEncoder((p) => packets.push(p), { complexity });
      enc.writePcm(twoTones(960 * 5, false));
      enc.flush();
      enc.delete();
      return Buffer.concat(packets);
    };
    expect(at(0).equals(at(10))).toBe(false);
    expect(at(10).equals(at(10))).toBe(true);
  });

  it('spends more bits on hard frames than on easy ones (unconstrained VBR), at the same average', () => {
    // 1 s of a soft tone, 10 frames of loud noise, 1 s of the tone again.
    const samples = 48_000 * 2 + 960 * 10;
    const pcm = Buffer.alloc(samples * 4);
    let seed = 1;
    for (let i = 0; i < samples; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const noise = i >= 48_000 && i < 48_000 + 960 * 10;
      const v = noise ? Math.round((seed / 0x7fffffff - 0.5) * 40_000) : Math.round(3000 * Math.sin((2 * Math.PI * 220 * i) / 48_000));
      pcm.writeInt16LE(v, 4 * i);
      pcm.writeInt16LE(v, 4 * i + 2);
    }
    const sizes: number[] = [];
    const enc = new OpusFrameEncoder((p) => sizes.push(p.length), { bitrate: 64_000 });
    enc.writePcm(pcm);
    enc.flush();
    enc.delete();
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const tone = mean(sizes.slice(10, 50)), noise = mean(sizes.slice(50, 60));
    // Constrained VBR (libopus's default) gives both about 160 bytes, the 64 kbps frame.
    expect(noise).toBeGreaterThan(1.2 * tone);
    expect(mean(sizes)).toBeLessThan(160 * 1.1);
  });

  it('changes complexity between frames: the frames after the change are coded at the new one', () => {
    const pcm = twoTones(960 * 6, false);
    const code = (complexity: number, change?: { afterFrames: number; to: number }): Buffer[] => {
      const packets: Buffer[] = [];
      const enc = new OpusFrameEncoder((p) => packets.push(p), { complexity });
      const split = (change?.afterFrames ?? 0) * FRAME_BYTES;
      enc.writePcm(pcm.subarray(0, split));
      if (change) enc.setComplexity(change.to);
      enc.writePcm(pcm.subarray(split));
      enc.flush();
      enc.delete();
      return packets;
    };
    // Changed before the first frame: the same bytes as an encoder made at 4.
    expect(Buffer.concat(code(5, { afterFrames: 0, to: 4 })).equals(Buffer.concat(code(4)))).toBe(true);
    // Changed after three frames: those three are complexity 5's, the rest are not.
    const changed = code(5, { afterFrames: 3, to: 4 });
    const stayed = code(5);
    expect(changed).toHaveLength(6);
    expect(Buffer.concat(changed.slice(0, 3)).equals(Buffer.concat(stayed.slice(0, 3)))).toBe(true);
    expect(Buffer.concat(changed.slice(3)).equals(Buffer.concat(stayed.slice(3)))).toBe(false);
    expect(decodedSamples(changed)).toBe(960 * 6);
  });

  it('sets the complexity of a stereo encoder too, and of one made after the change', () => {
    const stereo = twoTones(960 * 3, true);
    const code = (complexity: number, changeTo?: number): Buffer => {
      const packets: Buffer[] = [];
      const enc = new OpusFrameEncoder((p) => packets.push(p), { complexity });
      if (changeTo !== undefined) enc.setComplexity(changeTo);
      enc.writePcm(stereo); // the stereo encoder is made at the first stereo frame
      enc.flush();
      enc.delete();
      return Buffer.concat(packets);
    };
    expect(code(10, 0).equals(code(0))).toBe(true);
    expect(code(10, 0).equals(code(10))).toBe(false);
    // A stereo encoder that already exists: its frames after the change differ from staying at 10.
    const midway = (changeTo?: number): Buffer[] => {
      const packets: Buffer[] = [];
      const enc = new OpusFrameEncoder((p) => packets.push(p), { complexity: 10 });
      enc.writePcm(stereo.subarray(0, FRAME_BYTES));
      if (changeTo !== undefined) enc.setComplexity(changeTo);
      enc.writePcm(stereo.subarray(FRAME_BYTES));
      enc.flush();
      enc.delete();
      return packets;
    };
    const [changed, stayed] = [midway(0), midway()];
    expect(changed[0]!.equals(stayed[0]!)).toBe(true);
    expect(Buffer.concat(changed.slice(1)).equals(Buffer.concat(stayed.slice(1)))).toBe(false);
  });

  it('rejects an invalid complexity change with a typed error, and ignores one after delete()', () => {
    const enc = new OpusFrameEncoder(() => undefined);
    expect(() => enc.setComplexity(11)).toThrow(/invalid Opus complexity 11/);
    enc.delete();
    expect(() => enc.setComplexity(11)).not.toThrow();
  });

  it('rejects invalid encoder settings with a typed error', () => {
    expect(() => new OpusFrameEncoder(() => undefined, { complexity: 42 })).toThrow(/invalid Opus encoder settings/);
  });
});
