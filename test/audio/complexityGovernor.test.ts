import { describe, expect, it } from 'vitest';
import { ComplexityGovernor } from '../../src/audio/complexityGovernor.js';

/**
 * A governor for 32 ms slices (a round of 16 ms is long, calm under 8 ms, 2 s hold) on a clock the test moves;
 * it sheds at the first long round unless `sustainMs` is given.
 */
function governor(normal = 5, reduced = 4, sustainMs = 0): { g: ComplexityGovernor; clock: { t: number } } {
  const clock = { t: 1000 };
  return { g: new ComplexityGovernor({ normal, reduced, sliceAudioMs: 32, sustainMs, now: () => clock.t }), clock };
}

describe('ComplexityGovernor', () => {
  it('keeps the normal complexity while each stream is made at over twice real time', () => {
    const { g } = governor();
    for (const round of [0, 3, 8, 15.9]) expect(g.round(round)).toBeUndefined();
    expect(g.idle()).toBeUndefined();
    expect(g.complexity).toBe(5);
  });

  it('sheds at the first round of half a slice or more, and says which round', () => {
    const { g } = governor();
    expect(g.round(16)).toEqual({ complexity: 4, roundMs: 16 });
    expect(g.complexity).toBe(4);
    expect(g.round(40)).toBeUndefined(); // already shed: no second change
  });

  it('sheds only once rounds have been long for the sustain time, not for one stall', () => {
    const { g, clock } = governor(5, 4, 50);
    // One stall: every waiting stream's next round is long at once, then the worker has caught up.
    for (let i = 0; i < 10; i++) expect(g.round(30 - i)).toBeUndefined();
    clock.t += 5;
    expect(g.round(3)).toBeUndefined(); // short: the run of long rounds is over
    clock.t += 60;
    expect(g.round(20)).toBeUndefined(); // a new run starts here
    clock.t += 49;
    expect(g.round(20)).toBeUndefined();
    clock.t += 1;
    expect(g.round(18)).toEqual({ complexity: 4, roundMs: 18 });
  });

  it('ends a run of long rounds when the worker drains', () => {
    const { g, clock } = governor(5, 4, 50);
    g.round(20);
    clock.t += 40;
    expect(g.idle()).toBeUndefined();
    clock.t += 20;
    expect(g.round(20)).toBeUndefined(); // 60 ms after the first long round, but the worker caught up between
    expect(g.complexity).toBe(5);
  });

  it('comes back only after the hold time of calm: short rounds or no input waiting', () => {
    const { g, clock } = governor();
    g.round(20);
    expect(g.round(2)).toBeUndefined(); // calm: the hold counts from the shed
    clock.t += 1000;
    expect(g.idle()).toBeUndefined();
    clock.t += 999;
    expect(g.round(7.9)).toBeUndefined();
    clock.t += 1;
    expect(g.idle()).toEqual({ complexity: 5, roundMs: undefined });
    expect(g.complexity).toBe(5);
  });

  it('restarts the hold at a round too long to be calm, even one too short to shed', () => {
    const { g, clock } = governor();
    g.round(16);
    g.idle();
    clock.t += 1500;
    expect(g.round(8)).toBeUndefined(); // 8 ms: the worker is not keeping up with room to spare
    clock.t += 1500;
    expect(g.idle()).toBeUndefined(); // 1.5 s of calm since, not 3 s
    expect(g.complexity).toBe(4);
    clock.t += 500;
    expect(g.idle()).toEqual({ complexity: 5, roundMs: undefined });
  });

  it('sheds again after coming back', () => {
    const { g, clock } = governor(10, 2);
    g.round(30);
    g.idle();
    clock.t += 2000;
    expect(g.idle()?.complexity).toBe(10);
    expect(g.round(17)).toEqual({ complexity: 2, roundMs: 17 });
  });

  it('sheds at once when the streams waiting would make a long round, without waiting for the sustain time', () => {
    const { g, clock } = governor(5, 4, 50);
    expect(g.backlog(15.9)).toBeUndefined();
    expect(g.backlog(16)).toEqual({ complexity: 4, roundMs: 16 });
    // While shed, a backlog too long to be calm holds it there as a long round would.
    clock.t += 1900;
    expect(g.backlog(8)).toBeUndefined();
    clock.t += 1900;
    expect(g.idle()).toBeUndefined();
    clock.t += 100;
    expect(g.backlog(7.9)).toBeUndefined(); // a short backlog is no proof of calm by itself
    expect(g.idle()).toEqual({ complexity: 5, roundMs: undefined });
  });

  it('never changes when the reduced complexity is the normal one (shedding off)', () => {
    const { g } = governor(5, 5);
    expect(g.round(1000)).toBeUndefined();
    expect(g.backlog(1000)).toBeUndefined();
    expect(g.idle()).toBeUndefined();
    expect(g.complexity).toBe(5);
  });

  it('refuses a reduced complexity above the normal one', () => {
    expect(() => governor(4, 5)).toThrow(RangeError);
  });

  it('takes other shares and hold times', () => {
    const clock = { t: 0 };
    const g = new ComplexityGovernor({ normal: 5, reduced: 3, sliceAudioMs: 40, shedAtShare: 0.25, sustainMs: 0, calmUnderShare: 0.1, holdMs: 100, now: () => clock.t });
    expect(g.round(9.9)).toBeUndefined();
    expect(g.round(10)?.complexity).toBe(3);
    expect(g.round(4)).toBeUndefined(); // not under 4 ms: not calm
    expect(g.round(3.9)).toBeUndefined(); // calm: the hold counts from the 4 ms round
    clock.t = 100;
    expect(g.round(0)?.complexity).toBe(5);
  });
});
