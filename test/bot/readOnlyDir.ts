/**
 * A read-only directory for tests. For an ordinary user, mode 0555 is enough. Root writes through mode bits, so
 * there the directory becomes the mount point of a read-only tmpfs (root may mount); `kind` says which, since the
 * system reports the two differently (EACCES, EROFS).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ReadOnlyDir {
  path: string;
  kind: 'mode' | 'mount';
  undo(): Promise<void>;
}

function writable(dir: string): boolean {
  const probe = join(dir, '.probe');
  try {
    writeFileSync(probe, '');
    rmSync(probe);
    return true;
  } catch {
    return false;
  }
}

export function makeReadOnlyDir(path: string): Promise<ReadOnlyDir> {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o555);
  if (!writable(path)) return Promise.resolve({ path, kind: 'mode', undo: () => Promise.resolve(chmodSync(path, 0o755)) });
  chmodSync(path, 0o755);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', path]);
  if (writable(path)) throw new Error(`could not make ${path} read-only`);
  return Promise.resolve({ path, kind: 'mount', undo: () => Promise.resolve(void execFileSync('umount', [path])) });
}
