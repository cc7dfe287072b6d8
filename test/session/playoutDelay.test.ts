import { Readable } from 'node:stream';
import { StreamType, createAudioResource } from '@discordjs/voice';
import { describe, expect, it } from 'vitest';
import { PlayoutDelay, watchPlayout } from '../../src/session/PlayoutDelay.js';

const options = { floorMs: 15, ceilingMs: 100, stepDownMs: 10 };
const ran = (underruns: number, minBuffered = Infinity, reads = 50) => ({ reads, underruns, minBuffered });

describe('PlayoutDelay', () => {
  it('starts at the floor; a message that ran dry while MiniMax was sending sets it to the ceiling', () => {
    const d = new PlayoutDelay(options);
    expect(d.ms).toBe(15);
    d.observe(ran(1, 0));
    expect(d.ms).toBe(100);
    d.observe(ran(3, 0));
    expect(d.ms).toBe(100);
  });

  it('comes down by at most stepDownMs per message with more than two packets to spare, never below the floor', () => {
    const d = new PlayoutDelay(options);
    d.observe(ran(2, 0));
    d.observe(ran(0, 2)); // two packets left at the tightest point: the margin, nothing to give back
    expect(d.ms).toBe(100);
    d.observe(ran(0, 3));
    expect(d.ms).toBe(90);
    for (let i = 0; i < 10; i++) d.observe(ran(0, 30));
    expect(d.ms).toBe(15);
  });

  it('learns nothing from a message with few reads while MiniMax streamed (it arrived whole)', () => {
    const d = new PlayoutDelay(options);
    d.observe(ran(3, 0, 9));
    expect(d.ms).toBe(15);
  });

  it('tells onChange about each change and the message that caused it, and nothing else', () => {
    const heard: [number, number][] = [];
    const d = new PlayoutDelay(options, (ms, cause) => heard.push([ms, cause.underruns]));
    d.observe(ran(0, 30)); // already at the floor
    d.observe(ran(2, 0));
    d.observe(ran(1, 0)); // already at the ceiling
    d.observe(ran(0, 30));
    expect(heard).toEqual([[100, 2], [90, 0]]);
  });

  it('starts where an earlier run left it, kept within floor and ceiling', () => {
    expect(new PlayoutDelay(options, undefined, 60).ms).toBe(60);
    expect(new PlayoutDelay(options, undefined, 500).ms).toBe(100);
    expect(new PlayoutDelay(options, undefined, 0).ms).toBe(15);
  });

  it('a fixed delay never moves', () => {
    const d = PlayoutDelay.fixed(60);
    d.observe(ran(4, 0));
    d.observe(ran(0, 40));
    expect(d.ms).toBe(60);
  });
});

describe('watchPlayout', () => {
  it('counts reads, empty reads and the fewest packets left, only while MiniMax is still sending', () => {
    const stream = new Readable({ objectMode: true, read: () => undefined });
    const resource = createAudioResource(stream, { inputType: StreamType.Opus, silencePaddingFrames: 0 });
    let streaming = true;
    const observe = watchPlayout(resource, () => streaming);
    const packet = Buffer.from([0xfc, 1, 2]);
    for (let i = 0; i < 3; i++) stream.push(packet);
    expect(resource.read()).toEqual(packet); // 2 left
    expect(resource.read()).toEqual(packet); // 1 left
    expect(resource.read()).toEqual(packet); // 0 left
    expect(resource.read()).toBeNull(); // dry: the player would send silence
    streaming = false;
    expect(resource.read()).toBeNull(); // after MiniMax finished: not counted
    expect(observe()).toEqual({ reads: 4, underruns: 1, minBuffered: 0 });
    stream.destroy();
  });
});
