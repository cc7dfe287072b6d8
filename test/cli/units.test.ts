import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AudioError } from '../../src/audio/index.js';
import { opusPacketSamples } from '../../src/audio/opusPacket.js';
import { UsageError } from '../../src/cli/args.js';
import { describeFailure } from '../../src/cli/failure.js';
import { Mp3Length } from '../../src/cli/Mp3Length.js';
import { OggOpusWriter, oggCrc32 } from '../../src/cli/OggOpusWriter.js';
import { OutputError } from '../../src/cli/OutputFile.js';
import { LeftoverFileError } from '../../src/cli/say.js';
import { T2AError } from '../../src/t2a/index.js';
import { makeMp3, mp3DurationMs } from '../fakes/mp3.js';
import { readOggPages, referenceOggCrc } from './helpers.js';

/** A 20 ms CELT fullband stereo packet of `size` bytes (TOC config 31, code 0). */
function packet(size: number, fill = 0): Buffer {
  const p = Buffer.alloc(size, fill);
  p[0] = (31 << 3) | 0b100;
  return p;
}

describe('oggCrc32', () => {
  it('matches the CRC-32 check value of Ogg (0x04c11db7, init 0, no reflection, no final XOR) for "123456789"', () => {
    expect(oggCrc32(Buffer.from('123456789'))).toBe(0x89a1897f);
  });

  it('agrees with a bitwise reference implementation on random data', () => {
    for (const size of [0, 1, 27, 4096]) {
      const data = randomBytes(size);
      expect(oggCrc32(data)).toBe(referenceOggCrc(data));
    }
  });
});

describe('opusPacketSamples', () => {
  it.each([
    { name: 'CELT 20 ms, one frame', bytes: [(31 << 3) | 0], samples: 960 },
    { name: 'CELT 2.5 ms', bytes: [(16 << 3) | 0], samples: 120 },
    { name: 'CELT 10 ms, two frames (code 1)', bytes: [(18 << 3) | 1], samples: 960 },
    { name: 'SILK 60 ms', bytes: [(3 << 3) | 0], samples: 2880 },
    { name: 'hybrid 20 ms, two frames (code 2)', bytes: [(13 << 3) | 2], samples: 1920 },
    { name: 'CELT 20 ms, three frames (code 3)', bytes: [(31 << 3) | 3, 3], samples: 2880 },
    { name: 'empty packet', bytes: [], samples: 0 },
  ])('$name -> $samples samples', ({ bytes, samples }) => {
    expect(opusPacketSamples(Buffer.from(bytes))).toBe(samples);
  });
});

describe('OggOpusWriter', () => {
  it('writes pages a reader splits back into the same packets, with granules counting samples', () => {
    const writer = new OggOpusWriter({ serial: 0x1234abcd, preSkip: 312, maxPageMs: 60_000 });
    // A 255-byte packet needs a 0 lacing value after its 255; 1275 bytes (the largest frame) six segments.
    // 100 packets need 300 segments: more than one page holds.
    const packets = Array.from({ length: 100 }, (_, i) => packet([255, 600, 10, 1275][i % 4]!, i));
    const parts = [writer.header()];
    for (const p of packets) {
      const page = writer.write(p);
      if (page) parts.push(page);
    }
    parts.push(writer.end());
    const pages = readOggPages(Buffer.concat(parts));
    for (const page of pages) expect(page.crc).toBe(page.crcComputed);
    expect(pages.every((p) => p.serial === 0x1234abcd)).toBe(true);
    expect(pages.map((p) => p.sequence)).toEqual(pages.map((_, i) => i));
    expect(pages[0]!.flags).toBe(0x02);
    expect(pages.at(-1)!.flags).toBe(0x04);
    const audio = pages.slice(2);
    expect(audio.length).toBe(2);
    expect(audio.flatMap((p) => p.packets)).toEqual(packets);
    let samples = 0;
    for (const page of audio) {
      samples += page.packets.length * 960;
      expect(page.granule).toBe(BigInt(samples));
    }
    expect(writer.granulePosition).toBe(100 * 960);
    expect(writer.durationMs).toBe((100 * 960 - 312) / 48);
  });

  it('closes a page once it holds maxPageMs of audio', () => {
    const writer = new OggOpusWriter({ maxPageMs: 200 });
    writer.header();
    const completed = Array.from({ length: 25 }, () => writer.write(packet(20))).filter((p) => p !== undefined);
    expect(completed).toHaveLength(2); // pages of 10 packets (200 ms); the last 5 wait for end()
    const last = readOggPages(writer.end());
    expect(last[0]!.packets).toHaveLength(5);
  });

  it('writes OpusHead and OpusTags as RFC 7845 lays them out', () => {
    const [head, tags] = readOggPages(new OggOpusWriter({ preSkip: 312, inputSampleRate: 32000 }).header());
    const h = head!.packets[0]!;
    expect(h.toString('ascii', 0, 8)).toBe('OpusHead');
    expect([h[8], h[9], h.readUInt16LE(10), h.readUInt32LE(12), h.readInt16LE(16), h[18]]).toEqual([1, 2, 312, 32000, 0, 0]);
    const t = tags!.packets[0]!;
    expect(t.toString('ascii', 0, 8)).toBe('OpusTags');
    const vendorLength = t.readUInt32LE(8);
    expect(t.toString('utf8', 12, 12 + vendorLength)).toBe('Parrot');
    expect(t.readUInt32LE(12 + vendorLength)).toBe(0);
  });

  it('refuses calls out of order', () => {
    const writer = new OggOpusWriter();
    expect(() => writer.write(packet(10))).toThrow(/before header/);
    writer.header();
    writer.end();
    expect(() => writer.write(packet(10))).toThrow(/after end/);
  });
});

describe('Mp3Length', () => {
  it.each([1, 7, 333, 4096])('measures an MP3 fed in %i-byte chunks as its frame headers say', async (size) => {
    const mp3 = await makeMp3({ seconds: 1 });
    const length = new Mp3Length();
    for (let at = 0; at < mp3.length; at += size) length.push(mp3.subarray(at, at + size));
    expect(length.durationMs).toBeCloseTo(mp3DurationMs(mp3), 6);
  });

  it('skips an ID3v2 tag split across chunks', async () => {
    const mp3 = await makeMp3({ seconds: 1 });
    const body = 3000;
    const tag = Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, body >> 7, body & 0x7f]), Buffer.alloc(body, 0xff)]);
    const all = Buffer.concat([tag, mp3]);
    const length = new Mp3Length();
    for (let at = 0; at < all.length; at += 1000) length.push(all.subarray(at, at + 1000));
    expect(length.durationMs).toBeCloseTo(mp3DurationMs(mp3), 6);
  });
});

describe('describeFailure', () => {
  it('names MINIMAX_REGION when the region chose the URL, MINIMAX_WS_URL when that did', () => {
    const error = new T2AError('MiniMax refused the request: not authorized (status 1004)', { code: 1004 });
    expect(describeFailure(error, { wsUrlSet: false }).message).toBe('MiniMax rejected the API key (1004): check MINIMAX_API_KEY and MINIMAX_REGION');
    expect(describeFailure(error, { wsUrlSet: true }).message).toBe('MiniMax rejected the API key (1004): check MINIMAX_API_KEY and MINIMAX_WS_URL');
  });

  it('adds the trace id and URL to other MiniMax failures, and maps each kind to its exit code', () => {
    const billing = new T2AError('MiniMax refused the request: insufficient account balance (status 1008)', { code: 1008, traceId: 't-1' });
    expect(describeFailure(billing, { url: 'wss://x' })).toEqual({ message: `${billing.message} [trace id t-1]`, exitCode: 1 });
    const timeout = new T2AError('MiniMax stalled: no first audio within 15000 ms', { code: 'timeout' });
    expect(describeFailure(timeout, { url: 'wss://x/ws' }).message).toBe('MiniMax stalled: no first audio within 15000 ms (wss://x/ws)');
    expect(describeFailure(new UsageError('bad')).exitCode).toBe(2);
    expect(describeFailure(new AudioError('DECODE_FAILED', 'not MP3')).message).toBe('could not make the Ogg Opus audio: not MP3');
    expect(describeFailure(new TypeError('boom'))).toEqual({ message: 'unexpected error: boom', exitCode: 1 });
    const leftover = new LeftoverFileError(timeout, new OutputError('could not remove the partial file /d/.x.part: permission denied'));
    expect(describeFailure(leftover, { url: 'u' })).toEqual({
      message: `${timeout.message} (u); could not remove the partial file /d/.x.part: permission denied`,
      exitCode: 1,
    });
  });
});
