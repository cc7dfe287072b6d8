import OpusScript from 'opusscript';
import { describe, expect, it } from 'vitest';
import { OpusEncoder } from '../../src/audio/opusEncoder.js';

const AUDIO = 2049;
const SET_BITRATE = 4002;

/** 20 ms frames of a 220 Hz tone, s16le stereo at 48 kHz. */
function frames(count: number): Buffer[] {
  return Array.from({ length: count }, (_, f) => {
    const b = Buffer.alloc(960 * 4);
    for (let i = 0; i < 960; i++) {
      const v = Math.round(8000 * Math.sin(((f * 960 + i) * 2 * Math.PI * 220) / 48000));
      b.writeInt16LE(v, 4 * i);
      b.writeInt16LE(v, 4 * i + 2);
    }
    return b;
  });
}

describe('OpusEncoder (libopus on opusscript\'s WASM build)', () => {
  it('makes the same packets as opusscript for the same input', () => {
    const reference = new OpusScript(48000, 2, AUDIO);
    const encoder = new OpusEncoder(48000, 2, AUDIO);
    try {
      reference.encoderCTL(SET_BITRATE, 64_000);
      encoder.ctl(SET_BITRATE, 64_000);
      for (const f of frames(25)) expect(encoder.encode(f, 960).equals(reference.encode(f, 960))).toBe(true);
    } finally {
      reference.delete();
      encoder.delete();
    }
  });

  it('keeps working with a hundred encoders alive at once (opusscript fails beyond about 20)', () => {
    const input = frames(3);
    const many = Array.from({ length: 100 }, () => new OpusEncoder(48000, 2, AUDIO));
    try {
      for (const e of many) for (const f of input) expect(e.encode(f, 960).length).toBeGreaterThan(3);
      // The newest encoder sits where the heap grew: its packets are still the reference ones.
      const reference = new OpusScript(48000, 2, AUDIO);
      const fresh = new OpusEncoder(48000, 2, AUDIO);
      try {
        for (const f of frames(10)) expect(fresh.encode(f, 960).equals(reference.encode(f, 960))).toBe(true);
      } finally {
        reference.delete();
        fresh.delete();
      }
    } finally {
      for (const e of many) e.delete();
    }
  });

  it('refuses work after delete(), which may be called twice', () => {
    const encoder = new OpusEncoder(48000, 2, AUDIO);
    encoder.delete();
    encoder.delete();
    expect(() => encoder.encode(Buffer.alloc(3840), 960)).toThrow(/deleted/);
    expect(() => encoder.ctl(SET_BITRATE, 64_000)).toThrow(/deleted/);
  });

  it('reports libopus errors with their meaning', () => {
    const encoder = new OpusEncoder(48000, 2, AUDIO);
    try {
      expect(() => encoder.ctl(SET_BITRATE, -5)).toThrow(/bad argument/);
      expect(() => encoder.encode(Buffer.alloc(3840), 961)).toThrow(/bad argument/);
    } finally {
      encoder.delete();
    }
  });
});
