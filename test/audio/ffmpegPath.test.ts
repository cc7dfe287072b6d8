import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioError } from '../../src/audio/errors.js';
import { FFMPEG_HOW_TO_FIX, findFfmpeg, resolveBundledFfmpeg } from '../../src/audio/ffmpegPath.js';
import { testFfmpegPath } from '../fakes/mp3.js';

const dir = mkdtempSync(join(tmpdir(), 'parrot-ffmpeg-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(path: string, mode: number): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, mode);
  return path;
}

const binWithFfmpeg = join(dir, 'bin');
const ffmpegOnPath = file(join(binWithFfmpeg, 'ffmpeg'), 0o755);
const notExecutable = file(join(dir, 'noexec', 'ffmpeg'), 0o644);
const emptyDir = join(dir, 'empty');
mkdirSync(emptyDir);
const noBundle = (): undefined => undefined;

function thrown(fn: () => unknown): AudioError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AudioError) return error;
    throw error;
  }
  throw new Error('expected findFfmpeg to throw');
}

describe('findFfmpeg', () => {
  it('uses FFMPEG_PATH when it is an executable file, before PATH and the bundled one', () => {
    const explicit = file(join(dir, 'explicit', 'my-ffmpeg'), 0o755);
    expect(findFfmpeg({ ffmpegPath: explicit, pathEnv: binWithFfmpeg, resolveBundled: testFfmpegPath })).toBe(explicit);
  });

  it('rejects an FFMPEG_PATH that does not exist, naming FFMPEG_PATH, without falling back', () => {
    const error = thrown(() => findFfmpeg({ ffmpegPath: join(dir, 'missing'), pathEnv: binWithFfmpeg }));
    expect(error.code).toBe('FFMPEG_PATH_INVALID');
    expect(error.message).toContain('FFMPEG_PATH');
    expect(error.message).toContain(join(dir, 'missing'));
  });

  it('rejects an FFMPEG_PATH that is not executable or is a directory', () => {
    expect(thrown(() => findFfmpeg({ ffmpegPath: notExecutable })).code).toBe('FFMPEG_PATH_INVALID');
    expect(thrown(() => findFfmpeg({ ffmpegPath: emptyDir })).code).toBe('FFMPEG_PATH_INVALID');
  });

  it('finds ffmpeg in the PATH it is given, skipping directories without an executable one', () => {
    const pathEnv = ['', emptyDir, join(dir, 'noexec'), binWithFfmpeg].join(delimiter);
    expect(findFfmpeg({ pathEnv, resolveBundled: testFfmpegPath })).toBe(ffmpegOnPath);
  });

  it('falls back to the bundled @ffmpeg-installer binary when PATH has none', () => {
    expect(findFfmpeg({ pathEnv: emptyDir })).toBe(testFfmpegPath());
    expect(resolveBundledFfmpeg()).toBe(testFfmpegPath());
  });

  it('says how to fix it when there is no ffmpeg anywhere', () => {
    const error = thrown(() => findFfmpeg({ pathEnv: emptyDir, resolveBundled: noBundle }));
    expect(error.code).toBe('FFMPEG_NOT_FOUND');
    expect(error.message).toContain(FFMPEG_HOW_TO_FIX);
    expect(error.message).toContain('apt-get install ffmpeg');
    expect(error.message).toContain('FFMPEG_PATH');
    expect(error.message).toContain('npm ci');
  });

  it('does not trust a bundled path that is not executable', () => {
    expect(thrown(() => findFfmpeg({ resolveBundled: () => notExecutable })).code).toBe('FFMPEG_NOT_FOUND');
  });
});
