/**
 * The data directory, checked and claimed at start-up, before the database opens. A directory that cannot be
 * used is reported with its cause (not a directory, read-only, permission, no space). Two bots on one directory
 * would fight over the same database and sessions, so the first claims it: an exclusive SQLite lock on
 * `parrot.lock`, which the operating system drops when the process ends however it ends (no stale lock after a
 * crash), plus `parrot.pid` so the refusal can name the process holding it.
 */
import { mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from './errors.js';

export const LOCK_FILENAME = 'parrot.lock';
export const PID_FILENAME = 'parrot.pid';

/** Held while the bot runs; release() is idempotent. */
export interface DataDirClaim {
  release(): void;
}

/** The cause of a file system failure in words, with what to change. */
export function dataDirProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return 'it is not a directory (a file is in the way): point DATA_DIR at a directory';
    case 'EROFS':
      return 'it is on a read-only file system: point DATA_DIR at a writable directory';
    case 'EACCES':
    case 'EPERM':
      return 'this user may not write there (permission denied): make it writable or point DATA_DIR elsewhere';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space is left on its device: free some space or point DATA_DIR elsewhere';
    default:
      return `${code ?? (error instanceof Error ? error.message : String(error))}: point DATA_DIR at a usable directory`;
  }
}

function unusable(error: unknown): StoreError {
  return new StoreError('open_failed', `The data directory cannot be used: ${dataDirProblem(error)}`, { cause: error });
}

/** Creates `dir` if needed and checks that a file can be written in it; throws StoreError naming the cause. */
export function checkDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    const probe = join(dir, `.parrot-write-check-${process.pid}`);
    writeFileSync(probe, 'ok');
    unlinkSync(probe);
  } catch (error) {
    throw unusable(error);
  }
}

function holder(dir: string): string {
  try {
    const pid = readFileSync(join(dir, PID_FILENAME), 'utf8').trim();
    return /^\d+$/.test(pid) ? ` (pid ${pid})` : '';
  } catch {
    return '';
  }
}

/**
 * Checks `dir` and claims it for this process. Throws StoreError('in_use') when another bot holds it, naming its
 * pid, and StoreError('open_failed') when the directory cannot be used.
 */
export function claimDataDir(dir: string): DataDirClaim {
  checkDataDir(dir);
  let db: Database.Database;
  try {
    db = new Database(join(dir, LOCK_FILENAME), { timeout: 0 });
    // Exclusive mode: the lock taken by the first write is held until the connection closes.
    db.pragma('locking_mode = EXCLUSIVE');
  } catch (error) {
    throw new StoreError('open_failed', `Cannot open the lock file ${LOCK_FILENAME} in the data directory`, { cause: error });
  }
  try {
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder;');
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new StoreError('in_use', `Another Parrot${holder(dir)} is already running on this data directory: stop it first, or give this one its own DATA_DIR`, { cause: error });
    }
    throw new StoreError('open_failed', `Cannot lock the data directory`, { cause: error });
  }
  const pidFile = join(dir, PID_FILENAME);
  try {
    writeFileSync(pidFile, `${process.pid}\n`);
  } catch (error) {
    db.close();
    throw unusable(error);
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      rmSync(pidFile, { force: true });
      db.close();
    },
  };
}
