/** The benchmark's reading of where one message ends and the next begins (pure functions over frame lists). */
import { describe, expect, it } from 'vitest';
import { junction } from '../../bench/e2e.js';
import { nextMessageStart } from '../../bench/e2eSkip.js';
import type { KeyedFrame } from '../../bench/fakeProtocol.js';

/** Frames every 20 ms from `at`; 's' is a silence frame, anything else a voice packet with that key. */
function frames(keys: string[], at = 0): KeyedFrame[] {
  return keys.map((key, i) => ({ at: at + 20 * i, silence: key === 's', key }));
}

const A = ['p1', 'p2', 'p3', 'p4', 'p5', 'a6', 'a7', 'a8'];
const B = ['p1', 'p2', 'p3', 'p4', 'p5', 'b6'];

describe('bench seams between two messages', () => {
  it('finds the next message by its first packets and measures the seam: none when it follows in the next cycle', () => {
    const heard = frames([...A, ...B]);
    expect(nextMessageStart(heard.filter((f) => !f.silence))).toBe(A.length);
    expect(junction(heard)).toEqual({ junctionSilenceFrames: 0, junctionGapMs: 0 });
  });

  it('counts the silence frames and the pause between them', () => {
    const a = frames(A);
    const b = frames(['s', 's', ...B], 20 * A.length + 100);
    // A's last packet at 140 ms; B's first voice packet at 260 + 40 = 300 ms.
    expect(junction([...a, ...b])).toEqual({ junctionSilenceFrames: 2, junctionGapMs: 300 - 140 - 20 });
  });

  it('reports nothing when the next message cannot be recognised (so a verdict cannot pass on it)', () => {
    expect(junction(frames([...A, 'x1', 'x2', 'x3', 'x4', 'x5']))).toEqual({ junctionSilenceFrames: undefined, junctionGapMs: undefined });
  });
});
