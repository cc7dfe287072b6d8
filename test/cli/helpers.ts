/** Shared set-up for the CLI tests: a fake MiniMax, a temp directory, runCli with captured output, an Ogg reader. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { runCli, type CliOptions } from '../../src/cli/run.js';
import { FakeMiniMax, type FakeMiniMaxOptions } from '../fakes/minimax/FakeMiniMax.js';

export { readOggPages, referenceOggCrc, type OggPage } from '../fakes/oggOpus.js';

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

