import { describe, expect, it } from 'vitest';
import { OpusFrameEncoder } from '../../src/audio/opusFrames.js';
import { decodedSamples } from './helpers.js';

const FRAME_BYTES = 960 * 2 * 2;

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

  it('rejects invalid encoder settings with a typed error', () => {
    expect(() => new OpusFrameEncoder(() => undefined, { complexity: 42 })).toThrow(/invalid Opus encoder settings/);
  });
});
