/** Shared set-up for the CLI tests: a fake MiniMax, a temp directory, runCli with captured output, an Ogg reader. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { runCli, type CliOptions } from '../../src/cli/run.js';
import { FakeMiniMax, type FakeMiniMaxOptions } from '../fakes/minimax/FakeMiniMax.js';

export const KEY = 'sk-cli-test-0123456789abcdef';

/** Short deadlines: the fake answers in milliseconds. */
export const FAST = { connect: 3_000, taskStarted: 3_000, firstChunk: 3_000, betweenChunks: 3_000, taskFinished: 3_000 };

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

/** A fake MiniMax expecting KEY (closed after the test). */
export async function startFake(options: FakeMiniMaxOptions = {}): Promise<{ fake: FakeMiniMax; url: string }> {
  const fake = new FakeMiniMax({ apiKey: KEY, ...options });
  const { url } = await fake.start();
  cleanups.push(() => fake.close());
  return { fake, url };
}

/** A fresh directory (removed after the test). */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parrot-cli-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The names in `dir`, sorted (to see that no partial or temporary file was left). */
export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** runCli in-process with `env` as the whole environment and `cwd` as the working directory. */
export async function cli(argv: string[], env: Record<string, string>, cwd: string, extra: Partial<CliOptions> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env,
    cwd,
    timeouts: FAST,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    ...extra,
  });
  return { code, stdout, stderr };
}

export interface OggPage {
  flags: number;
  granule: bigint;
  serial: number;
  sequence: number;
  crc: number;
  crcComputed: number;
  /** Packets completed on this page (this reader rejects packets continued across pages). */
  packets: Buffer[];
}

/**
 * Ogg CRC written independently of src/cli (bit by bit, no table): polynomial 0x04c11db7, initial 0, no
 * reflection, no final XOR.
 */
export function referenceOggCrc(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? ((crc << 1) ^ 0x04c11db7) >>> 0 : (crc << 1) >>> 0;
  }
  return crc >>> 0;
}

/** Splits an Ogg file into pages; throws on anything that is not a well-formed page. */
export function readOggPages(file: Buffer): OggPage[] {
  const pages: OggPage[] = [];
  let at = 0;
  while (at < file.length) {
    if (file.toString('ascii', at, at + 4) !== 'OggS') throw new Error(`no capture pattern at byte ${at}`);
    if (file[at + 4] !== 0) throw new Error(`page ${pages.length}: version ${file[at + 4]}`);
    const count = file[at + 26]!;
    const lacing = [...file.subarray(at + 27, at + 27 + count)];
    const bodyLength = lacing.reduce((a, b) => a + b, 0);
    const end = at + 27 + count + bodyLength;
    if (end > file.length) throw new Error(`page ${pages.length} runs past the end of the file`);
    const page = Buffer.from(file.subarray(at, end));
    const crc = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    const packets: Buffer[] = [];
    let offset = at + 27 + count;
    let size = 0;
    for (const l of lacing) {
      size += l;
      if (l < 255) {
        packets.push(file.subarray(offset, offset + size));
        offset += size;
        size = 0;
      }
    }
    if (size !== 0) throw new Error(`page ${pages.length} ends inside a packet`);
    pages.push({
      flags: file[at + 5]!,
      granule: file.readBigInt64LE(at + 6),
      serial: file.readUInt32LE(at + 14),
      sequence: file.readUInt32LE(at + 18),
      crc,
      crcComputed: referenceOggCrc(page),
      packets,
    });
    at = end;
  }
  return pages;
}
