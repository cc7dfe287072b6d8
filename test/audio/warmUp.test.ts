import { describe, expect, it } from 'vitest';
import { AudioError } from '../../src/audio/errors.js';
import { warmUpCodec } from '../../src/audio/warmUp.js';

describe('warmUpCodec (run by each transcoding worker before it reports ready)', () => {
  it('codes the given seconds of audio: one 20 ms packet for each 20 ms', () => {
    expect(warmUpCodec(5, 0.5)).toBe(25);
    expect(warmUpCodec(0, 1)).toBe(50);
    expect(warmUpCodec(4)).toBe(250);
  });

  it('throws the encoder\'s typed error for bad settings (the worker then reports ready anyway: each stream fails with it)', () => {
    expect(() => warmUpCodec(99, 0.1)).toThrow(AudioError);
  });
});
