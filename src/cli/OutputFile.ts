/**
 * The CLI's output file: written to a hidden temporary file next to the target as audio streams in, renamed
 * over the target only on success, so a failure leaves neither a partial file nor a clobbered old one.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A file that could not be written (the message names it and says why). */
export class OutputError extends Error {
  override readonly name = 'OutputError';
}

export class OutputFile {
  private chain: Promise<void> = Promise.resolve();
  private failure: OutputError | undefined;
  private written = 0;

  private constructor(
    readonly path: string,
    private readonly tempPath: string,
    private readonly handle: FileHandle,
  ) {}

  /** Creates the temporary file now, so an unwritable target fails before anything is requested. */
  static async create(path: string): Promise<OutputFile> {
    const tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.part`);
    try {
      return new OutputFile(path, tempPath, await open(tempPath, 'wx'));
    } catch (error) {
      throw new OutputError(`cannot write ${path}: ${reason(error)}`, { cause: error });
    }
  }

  /** Bytes appended so far (queued or written). */
  get bytes(): number {
    return this.written;
  }

  /** Queues `data` after everything appended before; a write failure is reported by `commit()`. */
  append(data: Buffer): Promise<void> {
    this.written += data.length;
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        await this.handle.write(data);
      } catch (error) {
        this.failure = new OutputError(`cannot write ${this.path}: ${reason(error)}`, { cause: error });
      }
    });
    return this.chain;
  }

  /** Waits for the queued writes, closes the file and moves it to its final name. */
  async commit(): Promise<void> {
    await this.chain;
    if (this.failure) throw this.failure;
    try {
      await this.handle.close();
      await rename(this.tempPath, this.path);
    } catch (error) {
      throw new OutputError(`cannot write ${this.path}: ${reason(error)}`, { cause: error });
    }
  }

  /**
   * Closes and deletes the temporary file (after a failure). Never throws, since the original failure matters
   * more: returns what went wrong if the temporary file could not be removed.
   */
  async discard(): Promise<OutputError | undefined> {
    await this.chain;
    await this.handle.close().catch(() => undefined); // already closed by a failed commit(): nothing to do
    try {
      await unlink(this.tempPath);
      return undefined;
    } catch (error) {
      // Gone already (renamed or removed): the goal is reached.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return new OutputError(`could not remove the partial file ${this.tempPath}: ${reason(error)}`, { cause: error });
    }
  }
}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'the directory does not exist';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'EISDIR') return 'it is a directory';
  return e instanceof Error ? e.message : String(error);
}
