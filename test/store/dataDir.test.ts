import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PID_FILENAME, StoreError, claimDataDir, dataDirProblem } from '../../src/store/index.js';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

describe('the data directory', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('puts each file system cause in words with what to change', () => {
    expect(dataDirProblem(errno('ENOSPC'))).toBe('no space is left on its device: free some space or point DATA_DIR elsewhere');
    expect(dataDirProblem(errno('EDQUOT'))).toBe('no space is left on its device: free some space or point DATA_DIR elsewhere');
    expect(dataDirProblem(errno('EROFS'))).toBe('it is on a read-only file system: point DATA_DIR at a writable directory');
    expect(dataDirProblem(errno('EACCES'))).toContain('permission denied');
    expect(dataDirProblem(errno('ENOTDIR'))).toContain('not a directory');
    expect(dataDirProblem(errno('EIO'))).toBe('EIO: point DATA_DIR at a usable directory');
  });

  it('is claimed by one holder at a time, named by pid, and free again once released', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parrot-datadir-'));
    dirs.push(dir);
    const first = claimDataDir(dir);
    expect(readFileSync(join(dir, PID_FILENAME), 'utf8')).toBe(`${process.pid}\n`);
    let refusal: unknown;
    try {
      claimDataDir(dir);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(StoreError);
    expect(refusal).toMatchObject({ code: 'in_use', message: `Another Parrot (pid ${process.pid}) is already running on this data directory: stop it first, or give this one its own DATA_DIR` });
    first.release();
    first.release();
    expect(existsSync(join(dir, PID_FILENAME))).toBe(false);
    claimDataDir(dir).release();
  });

  it('creates a missing directory, nested', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parrot-datadir-'));
    dirs.push(dir);
    const nested = join(dir, 'a', 'b');
    claimDataDir(nested).release();
    expect(existsSync(nested)).toBe(true);
  });
});
