import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { AudioError } from './errors.js';

export interface FindFfmpegOptions {
  /** FFMPEG_PATH from the config: used as-is and must be an executable file. */
  ffmpegPath?: string | undefined;
  /** The PATH variable (from the config) to search for `ffmpeg`; omitted = PATH is not searched. */
  pathEnv?: string | undefined;
  /** Finds the ffmpeg of the optional @ffmpeg-installer/ffmpeg package; undefined when it is not installed. */
  resolveBundled?: () => string | undefined;
}

/** How to fix a missing ffmpeg, for the error message and the docs. */
export const FFMPEG_HOW_TO_FIX =
  'install ffmpeg (apt-get install ffmpeg), or set FFMPEG_PATH, or run npm ci so the bundled @ffmpeg-installer/ffmpeg is installed';

/**
 * Where ffmpeg is: FFMPEG_PATH if given, else `ffmpeg` on PATH, else the bundled @ffmpeg-installer binary.
 * Throws AudioError FFMPEG_PATH_INVALID or FFMPEG_NOT_FOUND, each saying how to fix it.
 */
export function findFfmpeg(options: FindFfmpegOptions = {}): string {
  const { ffmpegPath, pathEnv, resolveBundled = resolveBundledFfmpeg } = options;
  if (ffmpegPath !== undefined && ffmpegPath !== '') {
    if (isExecutableFile(ffmpegPath)) return ffmpegPath;
    throw new AudioError(
      'FFMPEG_PATH_INVALID',
      `FFMPEG_PATH is set to "${ffmpegPath}", but that is not an executable file: point FFMPEG_PATH at an ffmpeg binary, or unset it to use ffmpeg from PATH or the bundled one`,
    );
  }
  const onPath = findOnPath('ffmpeg', pathEnv);
  if (onPath) return onPath;
  const bundled = resolveBundled();
  if (bundled !== undefined && isExecutableFile(bundled)) return bundled;
  throw new AudioError('FFMPEG_NOT_FOUND', `ffmpeg not found: ${FFMPEG_HOW_TO_FIX}`);
}

/** The first executable `name` in the directories of a PATH string. */
export function findOnPath(name: string, pathEnv: string | undefined): string | undefined {
  if (!pathEnv) return undefined;
  const names = process.platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue; // an empty PATH entry means the working directory; never run a binary from there
    for (const file of names) {
      const candidate = join(dir, file);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The binary of @ffmpeg-installer/ffmpeg, or undefined when that optional dependency is absent or broken. */
export function resolveBundledFfmpeg(): string | undefined {
  try {
    const found = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    return typeof found.path === 'string' ? found.path : undefined;
  } catch {
    // Absent (MODULE_NOT_FOUND) or its platform package missing (it throws a string): "not bundled", and the
    // caller's FFMPEG_NOT_FOUND error says how to fix it.
    return undefined;
  }
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    // Missing or not executable (ENOENT/EACCES): the answer is simply "no".
    return false;
  }
}
