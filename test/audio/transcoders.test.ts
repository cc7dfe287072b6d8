import { afterEach, describe, expect, it } from 'vitest';
import { AudioError } from '../../src/audio/errors.js';
import { FfmpegTranscoder } from '../../src/audio/FfmpegTranscoder.js';
import type { Transcoder } from '../../src/audio/types.js';
import { WasmTranscoder } from '../../src/audio/WasmTranscoder.js';
import { makeMp3, mp3DurationMs, mp3Frames, testFfmpegPath } from '../fakes/mp3.js';
import { bandShare, chunk, collect, decodeAll, decodedSamples, nextPacket, transcodeAll } from './helpers.js';

const implementations: { name: string; create: () => Transcoder }[] = [
  { name: 'WasmTranscoder', create: () => new WasmTranscoder() },
  { name: 'FfmpegTranscoder (s16le + opusscript)', create: () => new FfmpegTranscoder({ ffmpegPath: testFfmpegPath() }) },
  { name: 'FfmpegTranscoder (libopus Ogg)', create: () => new FfmpegTranscoder({ ffmpegPath: testFfmpegPath(), output: 'ogg' }) },
];

describe.each(implementations)('$name', ({ create }) => {
  const open: Transcoder[] = [];
  const make = (): Transcoder => {
    const t = create();
    open.push(t);
    return t;
  };
  afterEach(() => {
    for (const t of open.splice(0)) t.destroy();
  });

  it.each([
    { seconds: 3, sampleRate: 32000, bitrate: 128000 },
    { seconds: 2, sampleRate: 24000, bitrate: 64000 },
    { seconds: 2, sampleRate: 44100, bitrate: 128000 },
    { seconds: 1.5, sampleRate: 48000, bitrate: 96000 },
  ])('turns a $seconds s $sampleRate Hz MP3 fed in uneven chunks into Opus packets that all decode and last as long', async (opts) => {
    const mp3 = await makeMp3(opts);
    const out = await transcodeAll(make(), mp3);
    expect(out.error).toBeUndefined();
    expect(out.ended).toBe(true);
    const pcm = decodeAll(out.packets);
    expect(Math.abs((pcm.length / 2 / 48) - mp3DurationMs(mp3))).toBeLessThanOrEqual(40);
    // The sound itself survived: both channels still carry the 180 Hz tone.
    expect(bandShare(pcm, 0, 170, 190)).toBeGreaterThan(0.9);
    expect(bandShare(pcm, 1, 170, 190)).toBeGreaterThan(0.9);
  });

  it('skips an ID3v2 tag in front of the MP3', async () => {
    const mp3 = await makeMp3({ seconds: 1 });
    const body = 1000; // ID3v2.4 header + 1000 bytes of padding; the size is "syncsafe" (7 bits per byte)
    const tag = Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, body >> 7, body & 0x7f]), Buffer.alloc(body)]);
    const out = await transcodeAll(make(), Buffer.concat([tag, mp3]));
    expect(out.error).toBeUndefined();
    expect(Math.abs(decodedSamples(out.packets) / 48 - mp3DurationMs(mp3))).toBeLessThanOrEqual(40);
  });

  it('emits the first packet before end() is called, while input is still arriving', async () => {
    const mp3 = await makeMp3({ seconds: 3 });
    const frames = mp3Frames(mp3);
    const oneSecond = frames.findIndex((_, i) => frames.slice(0, i).reduce((s, f) => s + f.durationMs, 0) >= 1000);
    const cut = frames[oneSecond]!.offset;
    const t = make();
    const first = nextPacket(t.opus);
    const all = collect(t.opus);
    for (const c of chunk(mp3.subarray(0, cut))) t.write(c);
    await first; // end() has not been called yet
    for (const c of chunk(mp3.subarray(cut))) t.write(c);
    t.end();
    const out = await all;
    expect(out.error).toBeUndefined();
    expect(Math.abs((decodedSamples(out.packets) / 48000) * 1000 - mp3DurationMs(mp3))).toBeLessThanOrEqual(40);
  });

  it('stops without an error when destroyed mid-stream, and ignores writes and end() afterwards', async () => {
    const mp3 = await makeMp3({ seconds: 3 });
    const t = make();
    const errors: Error[] = [];
    t.opus.on('error', (e: Error) => errors.push(e));
    const first = nextPacket(t.opus);
    t.write(mp3.subarray(0, 8192));
    await first;
    t.destroy();
    t.destroy();
    t.write(mp3.subarray(8192, 16384));
    t.end();
    await new Promise((r) => setTimeout(r, 50)); // let any late callback (EPIPE, exit) run
    expect(t.opus.destroyed).toBe(true);
    expect(errors).toEqual([]);
  });

  it('can be destroyed right after create(), before its decoder or process is ready', async () => {
    const t = make();
    const errors: Error[] = [];
    t.opus.on('error', (e: Error) => errors.push(e));
    t.destroy();
    t.write(Buffer.alloc(10));
    await new Promise((r) => setTimeout(r, 100)); // the decoder's instantiation / the process's exit happen meanwhile
    expect(errors).toEqual([]);
    expect(t.opus.destroyed).toBe(true);
  });

  it('reports non-MP3 input as an AudioError instead of crashing or hanging', async () => {
    const garbage = Buffer.alloc(20_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + (i >> 3)) & 0xff;
    const out = await transcodeAll(make(), garbage);
    expect(out.error).toBeInstanceOf(AudioError);
    expect(['DECODE_FAILED', 'PROCESS_FAILED']).toContain((out.error as AudioError).code);
  });

  it('ends cleanly with no packets when no input was given', async () => {
    const t = make();
    const done = collect(t.opus);
    t.end();
    const out = await done;
    expect(out).toMatchObject({ ended: true, error: undefined, packets: [] });
  });

  it('reports write() after end() as WRITE_AFTER_END', async () => {
    const mp3 = await makeMp3({ seconds: 1 });
    const t = make();
    const done = collect(t.opus);
    t.write(mp3);
    t.end();
    t.write(mp3);
    const out = await done;
    expect((out.error as AudioError | undefined)?.code).toBe('WRITE_AFTER_END');
  });

  it('stops working when the consumer destroys the opus stream', async () => {
    const mp3 = await makeMp3({ seconds: 2 });
    const t = make();
    const first = nextPacket(t.opus);
    t.write(mp3.subarray(0, 8192));
    await first;
    t.opus.destroy();
    t.write(mp3.subarray(8192)); // harmless now
    t.end();
    expect(t.opus.destroyed).toBe(true);
  });
});
