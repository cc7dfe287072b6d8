import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AudioError } from '../../src/audio/errors.js';
import { FfmpegTranscoder } from '../../src/audio/FfmpegTranscoder.js';
import { makeMp3, testFfmpegPath } from '../fakes/mp3.js';
import { collect, isAlive, nextPacket, transcodeAll, waitFor } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'parrot-ffmpeg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in "ffmpeg" shell script. `exec` so that killing the process kills the command itself. */
function fakeFfmpeg(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('FfmpegTranscoder process lifecycle', () => {
  const open: FfmpegTranscoder[] = [];
  const make = (options: Partial<ConstructorParameters<typeof FfmpegTranscoder>[0]> = {}): FfmpegTranscoder => {
    const t = new FfmpegTranscoder({ ffmpegPath: testFfmpegPath(), ...options });
    open.push(t);
    return t;
  };
  afterEach(() => {
    for (const t of open.splice(0)) t.destroy();
  });

  it('starts ffmpeg at construction, before any audio is written', async () => {
    const t = make();
    expect(t.pid).toBeTypeOf('number');
    expect(isAlive(t.pid!)).toBe(true);
    t.destroy();
    await waitFor(() => t.exited, 'ffmpeg to exit');
  });

  it('kills ffmpeg when destroyed mid-stream: the process is gone afterwards', async () => {
    const mp3 = await makeMp3({ seconds: 3 });
    const t = make();
    const first = nextPacket(t.opus);
    t.write(mp3.subarray(0, 8192));
    await first;
    const pid = t.pid!;
    t.destroy();
    await waitFor(() => t.exited, 'ffmpeg to exit');
    expect(isAlive(pid)).toBe(false);
  });

  it('kills ffmpeg when the consumer destroys the opus stream', async () => {
    const mp3 = await makeMp3({ seconds: 2 });
    const t = make();
    const first = nextPacket(t.opus);
    t.write(mp3.subarray(0, 8192));
    await first;
    t.opus.destroy();
    await waitFor(() => t.exited, 'ffmpeg to exit');
    expect(isAlive(t.pid!)).toBe(false);
  });

  it('leaves no process behind after a normal end', async () => {
    const mp3 = await makeMp3({ seconds: 1 });
    const t = make();
    const out = await transcodeAll(t, mp3);
    expect(out.ended).toBe(true);
    await waitFor(() => t.exited, 'ffmpeg to exit');
    expect(isAlive(t.pid!)).toBe(false);
  });

  it('reports a binary that cannot be run as PROCESS_FAILED on opus, not a throw', async () => {
    const t = make({ ffmpegPath: join(dir, 'no-such-ffmpeg') });
    const out = await collect(t.opus);
    expect(out.error).toBeInstanceOf(AudioError);
    expect((out.error as AudioError).code).toBe('PROCESS_FAILED');
    t.write(Buffer.from('after the failure')); // harmless
  });

  it('throws a typed error from the constructor when the path cannot even be passed to spawn', () => {
    expect(() => new FfmpegTranscoder({ ffmpegPath: 'ff\0mpeg' })).toThrow(AudioError);
  });

  it('reports a non-zero exit with what ffmpeg printed', async () => {
    const t = make({ ffmpegPath: fakeFfmpeg('failing', 'echo "Invalid data found" >&2; exit 3') });
    const out = await collect(t.opus);
    expect((out.error as AudioError).code).toBe('PROCESS_FAILED');
    expect(out.error?.message).toContain('exited with code 3: Invalid data found');
    expect((out.error as AudioError).retryable).toBe(false); // ffmpeg rejected the input: the same input fails again
  });

  it('kills a process that does not exit within the deadline after end() and reports TIMEOUT', async () => {
    const t = make({ ffmpegPath: fakeFfmpeg('stuck', 'exec sleep 30'), exitDeadlineMs: 200 });
    const done = collect(t.opus);
    t.write(Buffer.alloc(100));
    t.end();
    const out = await done;
    expect((out.error as AudioError).code).toBe('TIMEOUT');
    expect((out.error as AudioError).retryable).toBe(true);
    expect(out.error?.message).not.toMatch(/undefined/);
    await waitFor(() => t.exited, 'the stuck process to be killed');
    expect(isAlive(t.pid!)).toBe(false);
  });

  it('survives ffmpeg dying while input is being written (EPIPE) and reports the exit', async () => {
    const t = make({ ffmpegPath: fakeFfmpeg('quits', 'exec false') });
    const done = collect(t.opus);
    await waitFor(() => t.exited, 'the process to exit');
    for (let i = 0; i < 20; i++) t.write(Buffer.alloc(65536));
    const out = await done;
    expect((out.error as AudioError).code).toBe('PROCESS_FAILED');
  });
});
