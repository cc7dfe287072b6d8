import { afterEach, describe, expect, it } from 'vitest';
import { AudioError } from '../../src/audio/errors.js';
import { createTranscoderFactory } from '../../src/audio/index.js';
import { OggOpusTranscoder } from '../../src/audio/OggOpusTranscoder.js';
import { OggPacketReader } from '../../src/audio/oggPackets.js';
import { opusFrames, opusFrameSamples, opusPacketSamples, splitOpusPacket } from '../../src/audio/opusPacket.js';
import { OggOpusWriter } from '../../src/cli/OggOpusWriter.js';
import { cutOggOpus, makeOggOpus, opusPacketsOf, readOggPages } from '../fakes/oggOpus.js';
import { bandShare, chunk, decodeAll, transcodeAll } from './helpers.js';

const bytes = (...b: number[]): Buffer => Buffer.from(b);
/** TOC bytes: config 27 is CELT full-band 20 ms, 26 CELT 10 ms, 3 SILK narrow-band 60 ms. */
const toc = (config: number, code: number): number => (config << 3) | code;

describe('Opus packet structure (RFC 6716 section 3)', () => {
  it('reads the frame size of every configuration from the TOC byte', () => {
    expect([0, 1, 2, 3].map((c) => opusFrameSamples(toc(c, 0)))).toEqual([480, 960, 1920, 2880]); // SILK
    expect([12, 13, 14, 15].map((c) => opusFrameSamples(toc(c, 0)))).toEqual([480, 960, 480, 960]); // hybrid
    expect([16, 17, 18, 19, 31].map((c) => opusFrameSamples(toc(c, 0)))).toEqual([120, 240, 480, 960, 960]); // CELT
    expect(opusPacketSamples(bytes(toc(27, 3), 3, 1, 2, 3))).toBe(2880);
  });

  it('cuts packets of 1, 2 and n frames into one single-frame packet per frame, with the same configuration', () => {
    const code0 = bytes(toc(27, 0), 9, 9, 9);
    expect(splitOpusPacket(code0)).toEqual([code0]);
    // Code 1: two frames of equal size.
    expect(splitOpusPacket(bytes(toc(27, 1), 1, 2, 3, 4))).toEqual([bytes(toc(27, 0), 1, 2), bytes(toc(27, 0), 3, 4)]);
    // Code 2: the first frame's length, then both frames.
    expect(splitOpusPacket(bytes(toc(27, 2), 1, 7, 8, 9))).toEqual([bytes(toc(27, 0), 7), bytes(toc(27, 0), 8, 9)]);
    // Code 3, constant bit rate: 3 frames of 2 bytes.
    expect(splitOpusPacket(bytes(toc(27, 3), 3, 1, 1, 2, 2, 3, 3))).toEqual([1, 2, 3].map((v) => bytes(toc(27, 0), v, v)));
    // Code 3, variable bit rate with 2 bytes of padding (the padding byte 2, then 2 bytes at the end): lengths 1 and 2, then the rest.
    const vbr = bytes(toc(27, 3), 0x80 | 0x40 | 3, 2, 1, 2, 5, 6, 6, 7, 7, 7, 0, 0);
    expect(splitOpusPacket(vbr)).toEqual([bytes(toc(27, 0), 5), bytes(toc(27, 0), 6, 6), bytes(toc(27, 0), 7, 7, 7)]);
    // Two-byte frame lengths: 252 + 4 * 1 = 256.
    const long = Buffer.concat([bytes(toc(27, 2), 252, 1), Buffer.alloc(256, 1), Buffer.alloc(10, 2)]);
    expect(opusFrames(long)!.map((f) => f.length)).toEqual([256, 10]);
  });

  it('says a malformed packet is malformed instead of cutting garbage', () => {
    expect(splitOpusPacket(Buffer.alloc(0))).toBeUndefined();
    expect(splitOpusPacket(bytes(toc(27, 1), 1, 2, 3))).toBeUndefined(); // code 1 with an odd body
    expect(splitOpusPacket(bytes(toc(27, 2), 9, 1))).toBeUndefined(); // first frame longer than the packet
    expect(splitOpusPacket(bytes(toc(27, 3), 0))).toBeUndefined(); // zero frames
    expect(splitOpusPacket(bytes(toc(27, 3), 3, 1, 2, 3, 4))).toBeUndefined(); // 4 bytes do not make 3 equal frames
  });
});

describe('OggPacketReader', () => {
  it('gives the packets of a real Ogg Opus stream, whatever the chunk sizes, the header first', async () => {
    const ogg = await makeOggOpus({ seconds: 1 });
    const expected = readOggPages(ogg).flatMap((p) => p.packets);
    for (const sizes of [[1], [7, 300, 4096], [ogg.length]]) {
      const reader = new OggPacketReader();
      const got: { packet: Buffer; first: boolean }[] = [];
      for (const c of chunk(ogg, sizes)) reader.push(c, (packet, first) => got.push({ packet, first }));
      expect(got.map((g) => g.packet)).toEqual(expected);
      expect(got.map((g) => g.first)).toEqual(expected.map((_, i) => i === 0));
      expect(reader.pending).toBe(false);
    }
  });

  it('joins a packet that spans two pages', () => {
    const packet = Buffer.alloc(600, 0x5a);
    // Page 1: BOS, lacing 255 255 (packet goes on); page 2: continued, lacing 90.
    const page = (flags: number, lacing: number[], body: Buffer): Buffer => {
      const h = Buffer.alloc(27 + lacing.length);
      h.write('OggS', 0, 'latin1');
      h[5] = flags;
      h.writeUInt32LE(7, 14);
      h[26] = lacing.length;
      Buffer.from(lacing).copy(h, 27);
      return Buffer.concat([h, body]);
    };
    const stream = Buffer.concat([page(0x02, [255, 255], packet.subarray(0, 510)), page(0x01, [90], packet.subarray(510))]);
    const got: Buffer[] = [];
    new OggPacketReader().push(stream, (p) => got.push(p));
    expect(got).toEqual([packet]);
  });

  it('rejects bytes that are not Ogg, as soon as the first four arrive', () => {
    const reader = new OggPacketReader();
    expect(() => reader.push(bytes(0x4f, 0x67), () => undefined)).not.toThrow(); // "Og": could still be OggS
    expect(() => reader.push(bytes(0x67, 0x53), () => undefined)).not.toThrow();
    const notOgg = new OggPacketReader();
    expect(() => notOgg.push(Buffer.from('ID3\x04 an MP3 file'), () => undefined)).toThrow(AudioError);
  });
});

describe('OggOpusTranscoder', () => {
  const open: OggOpusTranscoder[] = [];
  const make = (): OggOpusTranscoder => {
    const t = new OggOpusTranscoder();
    open.push(t);
    return t;
  };
  afterEach(() => {
    for (const t of open.splice(0)) t.destroy();
  });

  it('passes 20 ms packets through unchanged, decoding nothing', async () => {
    const { ogg, durationMs } = cutOggOpus(await makeOggOpus({ seconds: 3 }), 2000);
    const source = opusPacketsOf(ogg);
    const t = make();
    const out = await transcodeAll(t, ogg);
    expect(out.error).toBeUndefined();
    expect(out.packets).toEqual(source);
    expect(t.reencoding).toBe(false);
    const pcm = decodeAll(out.packets);
    expect(Math.abs(pcm.length / 2 / 48 - durationMs)).toBeLessThanOrEqual(20);
    expect(bandShare(pcm, 0, 170, 190)).toBeGreaterThan(0.9);
  });

  it('cuts 40 and 60 ms packets of 20 ms frames into 20 ms packets, still without decoding', async () => {
    for (const frameMs of [40, 60]) {
      const ogg = await makeOggOpus({ seconds: 2, frameMs });
      const source = opusPacketsOf(ogg);
      expect(source.every((p) => opusPacketSamples(p) === frameMs * 48)).toBe(true);
      const t = make();
      const out = await transcodeAll(t, ogg);
      expect(out.error).toBeUndefined();
      expect(t.reencoding).toBe(false);
      expect(out.packets).toHaveLength((source.length * frameMs) / 20);
      expect(out.packets.every((p) => opusPacketSamples(p) === 960)).toBe(true);
      const pcm = decodeAll(out.packets);
      expect(pcm.length / 2).toBe(source.length * frameMs * 48);
      expect(bandShare(pcm, 0, 170, 190)).toBeGreaterThan(0.9);
    }
  });

  it('re-encodes a stream of 10 ms frames into 20 ms packets that last as long and sound the same', async () => {
    const ogg = await makeOggOpus({ seconds: 2, frameMs: 10 });
    const sourceMs = opusPacketsOf(ogg).reduce((n, p) => n + opusPacketSamples(p), 0) / 48;
    const t = make();
    const out = await transcodeAll(t, ogg);
    expect(out.error).toBeUndefined();
    expect(t.reencoding).toBe(true);
    expect(out.packets.every((p) => opusPacketSamples(p) === 960)).toBe(true);
    const pcm = decodeAll(out.packets);
    expect(Math.abs(pcm.length / 2 / 48 - sourceMs)).toBeLessThanOrEqual(20);
    expect(bandShare(pcm, 0, 170, 190)).toBeGreaterThan(0.9);
  });

  it('fails with a typed error that names the problem: not Ogg, not Opus, or no audio', async () => {
    const notOgg = await transcodeAll(make(), Buffer.from('ID3\x04 certainly not an Ogg stream'));
    expect(notOgg.error).toBeInstanceOf(AudioError);
    expect(notOgg.error?.message).toMatch(/not an Ogg stream.*the bot owner should set AUDIO_FORMAT=mp3/);

    const vorbis = new OggOpusWriter({ channels: 1 });
    const header = vorbis.header();
    header.write('Vorbis\0\0', 28, 'latin1'); // overwrite the OpusHead magic of the first packet
    const notOpus = await transcodeAll(make(), header);
    expect(notOpus.error?.message).toMatch(/not Opus/);

    const headersOnly = await transcodeAll(make(), new OggOpusWriter({ channels: 1 }).header());
    expect(headersOnly.error).toBeInstanceOf(AudioError);
    expect(headersOnly.error?.message).toMatch(/no audio could be decoded .*not Ogg Opus/);
  });

  it('is what the factory makes for MiniMax opus, in the calling thread, whatever the decoder settings', () => {
    const factory = createTranscoderFactory({ input: 'ogg-opus', workers: 2 });
    expect(factory.input).toBe('ogg-opus');
    expect('ready' in factory).toBe(false); // no worker threads to wait for
    const t = factory.create();
    open.push(t as OggOpusTranscoder);
    expect(t).toBeInstanceOf(OggOpusTranscoder);
    expect(createTranscoderFactory({ workers: 0 }).input ?? 'mp3').toBe('mp3');
  });
});
