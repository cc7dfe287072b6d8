import { createServer } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEY, cli, listDir, startFake, tempDir, type CliRun } from './helpers.js';

const WRONG_KEY = 'sk-wrong-key-5555666677778888';
const TEXT = 'A sentence long enough to stream in several chunks before anything can go wrong with it.';

/** Exactly one line on stderr, no stack trace, nothing on stdout. */
function expectOneLine(run: CliRun): string {
  expect(run.stdout).toBe('');
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr.startsWith('parrot: ')).toBe(true);
  return run.stderr.trimEnd();
}

/** A loopback port nothing listens on (it was just released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  return address.port;
}

describe('parrot say: a rejected API key', () => {
  it.each([
    { badKey: 'http401' as const, badKeyCode: 1004, expected: 'MiniMax rejected the API key when connecting: check MINIMAX_API_KEY and MINIMAX_WS_URL' },
    { badKey: 'task_failed' as const, badKeyCode: 1004, expected: 'MiniMax rejected the API key (1004): check MINIMAX_API_KEY and MINIMAX_WS_URL' },
    { badKey: 'task_failed' as const, badKeyCode: 2049, expected: 'MiniMax rejected the API key (2049): check MINIMAX_API_KEY and MINIMAX_WS_URL' },
  ])('$badKey ($badKeyCode): exits 1 with one line naming MINIMAX_API_KEY, never the key itself', async ({ badKey, badKeyCode, expected }) => {
    const { fake, url } = await startFake({ badKey, badKeyCode });
    const dir = await tempDir();
    const run = await cli(['say', TEXT, '--out', 'x.mp3'], { MINIMAX_API_KEY: WRONG_KEY, MINIMAX_WS_URL: url }, dir);
    expect(run.code).toBe(1);
    expect(expectOneLine(run)).toBe(`parrot: ${expected}`);
    expect(run.stderr).not.toContain(WRONG_KEY);
    expect(await listDir(dir)).toEqual([]);
    expect(fake.connections.length).toBeGreaterThan(0); // the key really was tried
  });
});

describe('parrot say: bad input is refused before connecting (exit 2)', () => {
  it.each([
    { args: ['--speed', '3'], message: 'speed must be between 0.5 and 2 (got 3)' },
    { args: ['--speed', 'fast'], message: 'speed must be a number (got "fast")' },
    { args: ['--volume', '0'], message: 'volume must be greater than 0 and at most 10 (got 0)' },
    { args: ['--volume', '11'], message: 'volume must be greater than 0 and at most 10 (got 11)' },
    { args: ['--pitch', '1.5'], message: 'pitch must be an integer between -12 and 12 (got 1.5)' },
    { args: ['--pitch=-13'], message: 'pitch must be an integer between -12 and 12 (got -13)' },
    { args: ['--emotion', 'grumpy'], message: 'emotion must be one of happy, sad' },
    { args: ['--emotion', 'whisper'], message: 'emotion whisper is only available on speech-2.6 models (got model speech-2.8-turbo)' },
    { args: ['--model', 'speech-9'], message: 'model must be one of speech-2.8-hd' },
    { args: ['--language', 'Klingon'], message: 'language must be one of Chinese' },
    { args: ['--voice', ' '], message: '--voice needs a value' },
    { args: ['--speed'], message: '--speed needs a value' },
    { args: ['--speed', '1', '--speed', '2'], message: '--speed is given twice' },
    { args: ['--loud'], message: 'unknown option --loud' },
  ])('$args -> "$message"', async ({ args, message }) => {
    const { fake, url } = await startFake();
    const dir = await tempDir();
    const run = await cli(['say', 'Hello.', '--out', 'x.mp3', ...args], { MINIMAX_API_KEY: KEY, MINIMAX_WS_URL: url }, dir);
    expect(run.code).toBe(2);
    expect(expectOneLine(run)).toContain(`parrot: ${message}`);
    expect(fake.connections).toHaveLength(0);
    expect(await listDir(dir)).toEqual([]);
  });

  it.each([
    { argv: ['say', '--out', 'x.mp3'], message: 'missing the text to read' },
    { argv: ['say', '   ', '--out', 'x.mp3'], message: 'the text is empty' },
    { argv: ['say', 'x'.repeat(10_001), '--out', 'x.mp3'], message: 'the text is too long' },
    { argv: ['say', 'Hello.'], message: 'missing --out FILE' },
    { argv: ['say', 'Hello.', '--out', 'x.wav'], message: '--out must end in .mp3 or .ogg (got "x.wav")' },
    { argv: ['say', 'Hello.', '--out'], message: '--out needs a value' },
    { argv: [], message: 'missing command' },
    { argv: ['speak', 'Hello.'], message: 'unknown command "speak"' },
  ])('$argv.0 $argv.1 … -> "$message"', async ({ argv, message }) => {
    const { fake, url } = await startFake();
    const dir = await tempDir();
    const run = await cli(argv, { MINIMAX_API_KEY: KEY, MINIMAX_WS_URL: url }, dir);
    expect(run.code).toBe(2);
    expect(expectOneLine(run)).toContain(message);
    expect(fake.connections).toHaveLength(0);
  });

  it('checks the command line before the environment: a bad option wins over a missing key', async () => {
    const run = await cli(['say', 'Hello.', '--out', 'x.mp3', '--speed', '9'], {}, await tempDir());
    expect(run.code).toBe(2);
    expect(expectOneLine(run)).toContain('speed must be between 0.5 and 2 (got 9)');
  });

  it.each([['--help'], ['say', '--help'], ['say', 'Hello.', '-h']])('%s prints the usage on stdout and exits 0', async (...argv) => {
    const run = await cli(argv, {}, await tempDir());
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('Usage: parrot say "text" --out FILE [options]');
    expect(run.stdout).toContain('--speed S');
    expect(run.stdout).toContain('MINIMAX_API_KEY');
  });
});

describe('parrot say: environment and connection failures (exit 1)', () => {
  it('a missing MINIMAX_API_KEY is one line saying how to set it', async () => {
    const run = await cli(['say', 'Hello.', '--out', 'x.mp3'], {}, await tempDir());
    expect(run.code).toBe(1);
    expect(expectOneLine(run)).toMatch(/^parrot: MINIMAX_API_KEY is not set: .+/);
  });

  it('a bad MINIMAX_REGION names the variable and its values', async () => {
    const run = await cli(['say', 'Hello.', '--out', 'x.mp3'], { MINIMAX_API_KEY: KEY, MINIMAX_REGION: 'mars' }, await tempDir());
    expect(run.code).toBe(1);
    expect(expectOneLine(run)).toBe('parrot: MINIMAX_REGION must be one of global, us-west, cn (got "mars")');
  });

  it('an unreachable server is one line naming its URL', async () => {
    const url = `ws://127.0.0.1:${await closedPort()}/ws/v1/t2a_v2`;
    const dir = await tempDir();
    const run = await cli(['say', 'Hello.', '--out', 'x.ogg'], { MINIMAX_API_KEY: KEY, MINIMAX_WS_URL: url }, dir);
    expect(run.code).toBe(1);
    const line = expectOneLine(run);
    expect(line).toContain(`could not reach MiniMax at ${url}`);
    expect(line).toContain('ECONNREFUSED');
    expect(line).toContain('MINIMAX_WS_URL');
    expect(line).not.toContain(KEY);
    expect(await listDir(dir)).toEqual([]);
  });

  it('an output directory that does not exist fails before anything is requested', async () => {
    const { fake, url } = await startFake();
    const dir = await tempDir();
    const run = await cli(['say', 'Hello.', '--out', 'missing/x.mp3'], { MINIMAX_API_KEY: KEY, MINIMAX_WS_URL: url }, dir);
    expect(run.code).toBe(1);
    expect(expectOneLine(run)).toBe(`parrot: cannot write ${join(dir, 'missing', 'x.mp3')}: the directory does not exist`);
    expect(fake.connections).toHaveLength(0);
  });
});

describe('parrot say: a failure mid-stream leaves no partial file', () => {
  it.each([
    { ext: 'mp3', older: false },
    { ext: 'ogg', older: false },
    { ext: 'mp3', older: true },
    { ext: 'ogg', older: true },
  ])('.$ext (an older file: $older): the connection drops after some audio -> exit 1, nothing partial left', async ({ ext, older }) => {
    const { fake, url } = await startFake({ chunkBytes: 1024, faults: { dropAfterChunks: { chunks: 3 } } });
    const dir = await tempDir();
    const out = `speech.${ext}`;
    if (older) await writeFile(join(dir, out), 'an older file');
    const run = await cli(['say', TEXT, '--out', out], { MINIMAX_API_KEY: KEY, MINIMAX_WS_URL: url }, dir);
    expect(run.code).toBe(1);
    const line = expectOneLine(run);
    expect(line).toContain('cut off');
    expect(line).toContain(url);
    expect(fake.connections[0]?.closedBy).toBe('drop');
    // Neither the partial audio nor its temporary file remains; an older file of that name is untouched.
    expect(await listDir(dir)).toEqual(older ? [out] : []);
    if (older) expect(await readFile(join(dir, out), 'utf8')).toBe('an older file');
  });

  it.each(['mp3', 'ogg'])('.%s: interrupted (Ctrl+C) mid-stream -> exit 130, one line, no file', async (ext) => {
    // Real-time pacing: the audio is still streaming when the run is interrupted.
    const { fake, url } = await startFake({ realtimeFactor: 1, chunkBytes: 1024 });
    const dir = await tempDir();
    const interrupt = new AbortController();
    const running = cli(['say', TEXT, '--out', `speech.${ext}`], { MINIMAX_API_KEY: KEY, MINIMAX_WS_URL: url }, dir, { signal: interrupt.signal });
    await fake.waitFor(() => (fake.connections[0]?.sent.filter((f) => f.event === 'task_continued').length ?? 0) >= 2, 5_000, 'audio');
    interrupt.abort();
    const run = await running;
    expect(run.code).toBe(130);
    expect(expectOneLine(run)).toBe('parrot: interrupted: no file was written');
    expect(await listDir(dir)).toEqual([]);
  });
});
