import { Worker, type WorkerOptions } from 'node:worker_threads';
import { AudioError } from './errors.js';
import type { OpusEncoderOptions } from './opusFrames.js';
import type { FromWorker, SheddingOptions, ToWorker, WorkerSetup } from './transcodeWorker.js';
import { TranscoderBase } from './TranscoderBase.js';
import type { Transcoder, TranscoderFactory, TranscoderOptions } from './types.js';

/** Starts one worker thread running `url`. */
export type SpawnWorker = (url: URL, options: WorkerOptions) => Worker;

/** A TranscoderFactory whose transcoders run in worker threads. */
export interface WorkerTranscoderFactory extends TranscoderFactory {
  readonly workerCount: number;
  /** Live transcoders per worker, in worker order. */
  liveCounts(): number[];
  /** Resolves once every current worker has loaded and warmed up (holding the process open meanwhile); rejects if one failed to start. */
  ready(): Promise<void>;
  /** Terminate the workers. Live transcoders fail (PROCESS_FAILED); later ones fail at once. Safe to call again. */
  close(): Promise<void>;
}

/** A worker now codes every stream at `complexity` (see transcodeWorker.ts, 'complexity'). */
export interface ComplexityReport {
  /** The worker's index, from 0. */
  worker: number;
  complexity: number;
  /** The round that made it shed (ms); undefined when the normal complexity came back. */
  roundMs: number | undefined;
}

export interface WorkerTranscoderFactoryOptions {
  /** Worker threads to run: a positive integer (else a RangeError). */
  workers: number;
  encoder?: OpusEncoderOptions;
  /** Load shedding in each worker; absent: the complexity never changes. */
  shedding?: SheddingOptions;
  /** Told each time a worker sheds or comes back. */
  onComplexity?: (report: ComplexityReport) => void;
  /** How long a worker may take to load before it counts as failed (default 15 000 ms; it takes 0.1-0.5 s). */
  startTimeoutMs?: number;
  /** Starts one worker thread (default `new Worker(url, options)`); tests pass one that keeps a handle. */
  spawnWorker?: SpawnWorker;
}

const BOOT_URL = new URL('./transcodeWorkerBoot.mjs', import.meta.url);
// No inherited execArgv: the boot script loads the TypeScript itself, and a copy of the parent's `--import tsx`
// would only load tsx a second time (about 100 ms more per worker start).
const WORKER_OPTIONS: WorkerOptions = { execArgv: [], stdout: false, stderr: false };

/** What a transcoder needs from its worker. */
interface Link {
  post(message: ToWorker, transfer?: ArrayBuffer[]): void;
  detach(id: number): void;
}

/** The main-thread half of a transcoder running in a worker: posts input, replays the worker's packets. */
class WorkerTranscoder extends TranscoderBase {
  readonly #id: number;
  readonly #link: Link;
  readonly #bitrate: (() => number | undefined) | undefined;
  #remoteOpen = true; // the worker still holds this transcoder

  constructor(id: number, link: Link, bitrate?: () => number | undefined) {
    super();
    this.#id = id;
    this.#link = link;
    this.#bitrate = bitrate;
    link.post({ op: 'open', id, bitrate: bitrate?.() });
  }

  protected input(chunk: Buffer): void {
    // A copy to transfer: the chunk may be a view into a pool or a larger buffer that must not move.
    const copy = new Uint8Array(chunk);
    this.#link.post({ op: 'write', id: this.#id, chunk: copy.buffer, bitrate: this.#bitrate?.() }, [copy.buffer]);
  }

  protected inputEnd(): void {
    this.#link.post({ op: 'end', id: this.#id });
  }

  protected release(): void {
    if (this.#remoteOpen) this.#link.post({ op: 'destroy', id: this.#id });
    this.#remoteOpen = false;
    this.#link.detach(this.#id);
  }

  /** A message from the worker for this transcoder. */
  receive(message: FromWorker): void {
    switch (message.op) {
      case 'packets': {
        let offset = 0;
        for (const length of message.lengths) {
          this.emitPacket(Buffer.from(message.data, offset, length));
          offset += length;
        }
        break;
      }
      case 'end':
        this.#remoteOpen = false;
        this.finish();
        break;
      case 'error':
        this.#remoteOpen = false;
        this.fail(new AudioError(message.code, message.message));
        break;
      case 'ready':
      case 'complexity':
        break;
    }
  }

  /** The worker is gone (or never was): fail with `error`. */
  lost(error: AudioError): void {
    this.#remoteOpen = false;
    this.fail(error);
  }
}

/** One worker thread and the transcoders it runs. */
class Slot {
  readonly live = new Map<number, WorkerTranscoder>();
  readonly worker: Worker;
  state: 'starting' | 'ready' | 'dead' = 'starting';
  readonly #ready: Promise<void>;
  readonly #onDead: (slot: Slot, wasReady: boolean) => void;
  readonly #onComplexity: (slot: Slot, complexity: number, roundMs: number | undefined) => void;
  #settleReady: (error?: Error) => void = () => undefined;
  readonly #startTimer: NodeJS.Timeout;
  #waiters = 0; // callers awaiting ready()
  #referenced = true; // a new Worker holds the process

  constructor(
    spawn: SpawnWorker,
    startTimeoutMs: number,
    setup: WorkerSetup,
    onDead: (slot: Slot, wasReady: boolean) => void,
    onComplexity: (slot: Slot, complexity: number, roundMs: number | undefined) => void,
  ) {
    this.#onDead = onDead;
    this.#onComplexity = onComplexity;
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = (error) => (error ? reject(error) : resolve());
    });
    this.#ready.catch(() => undefined); // observed through ready() when anyone asks; never unhandled
    this.worker = spawn(BOOT_URL, { ...WORKER_OPTIONS, workerData: setup });
    this.worker.on('message', (message: FromWorker) => this.#onMessage(message));
    this.worker.on('messageerror', (error: Error) => this.kill(new AudioError('PROCESS_FAILED', `transcoding worker sent an unreadable message: ${error.message}`, { cause: error })));
    this.worker.on('error', (error: Error) => this.kill(new AudioError('PROCESS_FAILED', `transcoding worker ${this.state === 'starting' ? 'failed to start' : 'crashed'}: ${error.message}`, { cause: error })));
    this.worker.on('exit', (code: number) => this.kill(new AudioError('PROCESS_FAILED', `transcoding worker exited (code ${code})`)));
    this.#startTimer = setTimeout(
      () => this.kill(new AudioError('PROCESS_FAILED', `transcoding worker did not start within ${startTimeoutMs} ms`)),
      startTimeoutMs,
    ).unref();
    this.#updateRef(); // after the listeners: adding a 'message' listener refs the worker again
  }

  /** Resolves once the worker has warmed up and listens; rejects if it dies first. The process stays alive meanwhile. */
  async ready(): Promise<void> {
    if (this.state !== 'starting') return this.#ready;
    this.#waiters++;
    this.#updateRef();
    try {
      await this.#ready;
    } finally {
      this.#waiters--;
      this.#updateRef();
    }
  }

  /** Link a new transcoder with this worker. */
  open(id: number, bitrate: (() => number | undefined) | undefined): WorkerTranscoder {
    const link: Link = {
      post: (message, transfer = []) => {
        if (this.state !== 'dead') this.worker.postMessage(message, transfer);
      },
      detach: (detachId) => {
        if (this.live.delete(detachId)) this.#updateRef();
      },
    };
    const transcoder = new WorkerTranscoder(id, link, bitrate);
    this.live.set(id, transcoder);
    this.#updateRef();
    return transcoder;
  }

  /** Mark dead, stop the thread and fail every live transcoder with `error`. */
  kill(error: AudioError): void {
    if (this.state === 'dead') return;
    const wasReady = this.state === 'ready';
    this.state = 'dead';
    clearTimeout(this.#startTimer);
    this.#settleReady(error);
    const live = [...this.live.values()];
    this.live.clear();
    for (const transcoder of live) transcoder.lost(error);
    void this.worker.terminate(); // resolves (never rejects) once the thread is gone, at once if it already is
    this.#onDead(this, wasReady);
  }

  // Work in flight (or a caller awaiting start-up) keeps the process alive, as a socket would; an idle pool never does.
  #updateRef(): void {
    const wanted = this.state !== 'dead' && (this.live.size > 0 || this.#waiters > 0);
    if (wanted === this.#referenced) return;
    this.#referenced = wanted;
    if (wanted) this.worker.ref();
    else this.worker.unref();
  }

  #onMessage(message: FromWorker): void {
    if (message.op === 'ready') {
      if (this.state !== 'starting') return;
      this.state = 'ready';
      clearTimeout(this.#startTimer);
      this.#settleReady();
      return;
    }
    if (message.op === 'complexity') {
      this.#onComplexity(this, message.complexity, message.roundMs);
      return;
    }
    this.live.get(message.id)?.receive(message); // late messages for a destroyed transcoder are dropped
  }
}

/**
 * Transcoders (WasmTranscoder: mpg123 -> resample -> libopus) running in `workers` worker threads, so that
 * decoding and encoding stay off the thread that paces audio. Workers start now (a few hundred milliseconds,
 * off the first /speak's path) and hold no reference on the process while idle. Each create() goes to the
 * worker with the fewest live transcoders. A worker that dies fails its live transcoders (AudioError
 * PROCESS_FAILED, retryable) and is replaced.
 */
export function createWorkerTranscoderFactory(options: WorkerTranscoderFactoryOptions): WorkerTranscoderFactory {
  const count = options.workers;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`workers must be a positive integer, got ${count}`);
  const setup: WorkerSetup = { encoder: options.encoder ?? {}, ...(options.shedding ? { shedding: options.shedding } : {}) };
  const spawn: SpawnWorker = options.spawnWorker ?? ((url, workerOptions) => new Worker(url, workerOptions));
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  let nextId = 1;
  let closed = false;
  let closing: Promise<void> | undefined;

  const newSlot = (): Slot => new Slot(spawn, startTimeoutMs, setup, (slot, wasReady) => {
    // Replace a worker that had been running at once; one that never started is retried at the next create(),
    // so a worker that cannot start costs one attempt per create(), never a spawn loop.
    const index = slots.indexOf(slot);
    if (!closed && wasReady && index >= 0) slots[index] = newSlot();
  }, (slot, complexity, roundMs) => {
    const worker = slots.indexOf(slot);
    if (worker >= 0) options.onComplexity?.({ worker, complexity, roundMs });
  });
  const slots: Slot[] = Array.from({ length: count }, () => newSlot());

  const pick = (): Slot => {
    for (const [i, slot] of slots.entries()) if (slot.state === 'dead') slots[i] = newSlot();
    let best = slots[0]!;
    for (const slot of slots) if (slot.live.size < best.live.size) best = slot;
    return best;
  };

  return {
    name: `wasm-worker-x${count}`,
    workerCount: count,
    create(stream?: TranscoderOptions): Transcoder {
      const id = nextId++;
      if (closed) {
        const orphan = new WorkerTranscoder(id, { post: () => undefined, detach: () => undefined });
        orphan.lost(new AudioError('PROCESS_FAILED', 'the transcoder pool is closed', { retryable: false }));
        return orphan;
      }
      return pick().open(id, stream?.bitrate);
    },
    liveCounts: () => slots.map((slot) => slot.live.size),
    ready: async () => {
      await Promise.all(slots.map((slot) => slot.ready()));
    },
    close(): Promise<void> {
      closed = true;
      closing ??= (async () => {
        const error = new AudioError('PROCESS_FAILED', 'the transcoder pool was closed', { retryable: false });
        for (const slot of slots) slot.kill(error);
        await Promise.all(slots.map((slot) => slot.worker.terminate()));
      })();
      return closing;
    },
  };
}
