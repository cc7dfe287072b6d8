import { describe, expect, it } from 'vitest';
import { CHUNK_AUDIO_MS, heldAtUnderruns, UNDERRUN_SOURCE_SLACK_MS } from '../../bench/underruns.js';

describe('heldAtUnderruns (whose underrun: MiniMax late, or the bot)', () => {
  // Chunks 256 ms apart in audio, arriving every 200 ms from t = 1000 (bot clock).
  const arrivals = [1000, 1200, 1400, 1600];

  it('measures from the arrival of the chunk holding the missing audio, taken the slack further on', () => {
    expect(CHUNK_AUDIO_MS).toBe(256);
    // Heard 100 ms: the frame after it, with the slack, still lies in chunk 0.
    expect(heldAtUnderruns(arrivals, [{ dueAt: 1150, heardMs: 100 }], 0)).toEqual([150]);
    // Heard 200 ms: 200 + 20 + 80 = 300 ms of audio lies in chunk 1, which arrived at 1200.
    expect(200 + 20 + UNDERRUN_SOURCE_SLACK_MS).toBeGreaterThan(CHUNK_AUDIO_MS);
    expect(heldAtUnderruns(arrivals, [{ dueAt: 1300, heardMs: 200 }], 0)).toEqual([100]);
  });

  it('is negative when the chunk came after the frame was due (MiniMax was late), and applies the clock offset', () => {
    expect(heldAtUnderruns(arrivals, [{ dueAt: 1180, heardMs: 200 }], 0)).toEqual([-20]);
    // The voice server's clock runs 5 ms ahead of the bot's: the chunk reached the bot at 1205 on it.
    expect(heldAtUnderruns(arrivals, [{ dueAt: 1300, heardMs: 200 }], 5)).toEqual([95]);
  });

  it('leaves out an underrun beyond the last chunk, keeping the others in order', () => {
    const underruns = [{ dueAt: 1300, heardMs: 200 }, { dueAt: 2500, heardMs: 1000 }, { dueAt: 1900, heardMs: 700 }]; // the last: 700 + 100 ms lies in chunk 3
    expect(heldAtUnderruns(arrivals, underruns, 0)).toEqual([100, 300]);
  });
});
