/**
 * `parrot say --play`: the MP3 MiniMax streams, fed chunk by chunk to a player on this machine's PATH (mpv, else
 * ffplay) through its standard input, so the speech is heard as it arrives, as MiniMax's own example does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { findOnPath } from '../audio/ffmpegPath.js';

/** The players tried, in order, with the arguments that make them play MP3 from stdin and exit at its end. */
export const PLAYERS = [
  { name: 'mpv', args: ['--no-terminal', '--no-video', '--cache=no', '--really-quiet', '-'] },
  { name: 'ffplay', args: ['-nodisp', '-autoexit', '-loglevel', 'error', '-i', 'pipe:0'] },
] as const;

export const NO_PLAYER_MESSAGE =
  '--play needs mpv or ffplay on PATH, and neither was found: install one (apt-get install mpv, or ffmpeg for ffplay), or use --out FILE';

/** No player, or the player failed; `interrupted` when it was stopped by Ctrl+C. */
export class PlayerError extends Error {
  override readonly name = 'PlayerError';
  constructor(message: string, readonly interrupted = false) {
    super(message);
  }
}

export interface FoundPlayer {
  name: string;
  path: string;
  args: readonly string[];
}

/** The first of PLAYERS on `pathEnv` (the PATH from the config); throws PlayerError naming both when none is. */
export function findPlayer(pathEnv: string | undefined): FoundPlayer {
  for (const player of PLAYERS) {
    const path = findOnPath(player.name, pathEnv);
    if (path) return { name: player.name, path, args: player.args };
  }
  throw new PlayerError(NO_PLAYER_MESSAGE);
}

/** A running player: write() MP3 chunks as they come, then finish() waits for it to play them out. */
export class Player {
  readonly #child: ChildProcess;
  readonly #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #failure: PlayerError | undefined;
  #interrupted = false;
  #stderr = '';

  constructor(readonly found: FoundPlayer) {
    this.#child = spawn(found.path, [...found.args], { stdio: ['pipe', 'ignore', 'pipe'] });
    this.#exit = new Promise((resolve) => {
      this.#child.once('error', (error) => {
        this.#failure ??= new PlayerError(`could not start ${found.name} (${found.path}): ${error.message}`);
        resolve({ code: null, signal: null });
      });
      this.#child.once('close', (code, signal) => resolve({ code, signal }));
    });
    this.#child.stderr?.on('data', (c: Buffer) => {
      if (this.#stderr.length < 2000) this.#stderr += c.toString();
    });
    // The player may stop reading (closed by the user): EPIPE on its stdin; its exit says what happened.
    this.#child.stdin?.on('error', () => undefined);
  }

  /** Queues a chunk for the player (stdin buffers it while the player catches up). */
  write(chunk: Buffer): void {
    if (this.#failure) throw this.#failure;
    const stdin = this.#child.stdin;
    if (stdin && !stdin.destroyed) stdin.write(chunk);
  }

  /** Ends the input and waits for the player to finish playing; kills it and fails after `deadlineMs`. */
  async finish(deadlineMs: number): Promise<void> {
    this.#child.stdin?.end();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deadlineMs);
    });
    const exit = await Promise.race([this.#exit, late]);
    clearTimeout(timer);
    if (exit === 'late') {
      this.stop();
      throw new PlayerError(`${this.found.name} did not finish playing within ${Math.round(deadlineMs / 1000)} s and was stopped`);
    }
    if (this.#failure) throw this.#failure;
    if (this.#interrupted) throw new PlayerError(`interrupted: ${this.found.name} stopped`, true);
    if (exit.code !== 0) {
      const detail = this.#stderr.trim().split('\n').at(-1) ?? '';
      throw new PlayerError(`${this.found.name} exited with ${exit.code ?? exit.signal}${detail ? `: ${detail}` : ''}`);
    }
  }

  /** Ctrl+C: stops the player; finish() then fails as interrupted. */
  interrupt(): void {
    this.#interrupted = true;
    this.stop();
  }

  /** Stops the player at once (after a failure). */
  stop(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
  }
}
