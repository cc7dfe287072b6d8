/**
 * Worker-thread side of the transcoder pool (workerPool.ts): one WasmTranscoder per id, driven by messages from
 * the main thread. A stream's first packets go back at once; after that, the packets made for a stream in one pass
 * go back as one transferred ArrayBuffer. A worker that falls behind codes at a lower Opus complexity until it
 * keeps up again (complexityGovernor.ts).
 * Loaded by transcodeWorkerBoot.mjs; the message types are shared with the main side (type-only import there).
 */
import type { MessagePort } from 'node:worker_threads';
import { ComplexityGovernor, type ComplexityChange } from './complexityGovernor.js';
import { AudioError, type AudioErrorCode } from './errors.js';
import { DEFAULT_OPUS_COMPLEXITY, withBitrate, type OpusEncoderOptions } from './opusFrames.js';
import { warmUpCodec } from './warmUp.js';
import { WasmTranscoder } from './WasmTranscoder.js';

/** Load shedding: the complexity a worker codes at while it is behind, and when it counts as behind. */
export interface SheddingOptions {
  /** Opus complexity while behind, at most the encoder's (AUDIO_OPUS_COMPLEXITY_UNDER_LOAD). */
  complexity: number;
  /** See ComplexityGovernorOptions (defaults 0.5, 50 ms, 0.25 and 2000 ms). */
  shedAtShare?: number;
  sustainMs?: number;
  calmUnderShare?: number;
  holdMs?: number;
}

/** What a worker is started with (its workerData). */
export interface WorkerSetup {
  encoder?: OpusEncoderOptions;
  /** Absent: the complexity never changes. */
  shedding?: SheddingOptions;
}

/** Main thread -> worker. `chunk` is a copy of one MP3 chunk, transferred. `bitrate`: the stream's own, from then on (TranscoderOptions). */
export type ToWorker =
  | { op: 'open'; id: number; bitrate?: number | undefined }
  | { op: 'write'; id: number; chunk: ArrayBuffer; bitrate?: number | undefined }
  | { op: 'end'; id: number }
  | { op: 'destroy'; id: number };

/**
 * Worker -> main thread. `packets`: Opus packets laid end to end in `data` (transferred), `lengths` in order.
 * After 'end' or 'error' nothing more comes for that id. 'ready' is sent once, when the worker listens.
 * 'complexity': every stream of the worker is now coded at `complexity`; `roundMs` is the round that made it
 * shed (undefined when it came back).
 */
export type FromWorker =
  | { op: 'ready' }
  | { op: 'complexity'; complexity: number; roundMs: number | undefined }
  | { op: 'packets'; id: number; data: ArrayBuffer; lengths: number[] }
  | { op: 'end'; id: number }
  | { op: 'error'; id: number; code: AudioErrorCode; message: string };

/** Input bytes decoded and encoded per turn of one stream (about 1.5 Opus packets of 128 kbps MP3). */
const SLICE_BYTES = 512;
/** The audio in one slice: MiniMax's MP3 is 128 kbps (session/voiceSettings.ts), 16 bytes a millisecond. */
const SLICE_AUDIO_MS = SLICE_BYTES / 16;
/** Weight of the newest turn in the moving average of a turn's cost (about the last 20 turns). */
const TURN_COST_WEIGHT = 0.05;
/** How long one pass over the streams may run before the worker lets new messages in. */
const PASS_BUDGET_MS = 4;

interface Entry {
  readonly id: number;
  readonly transcoder: WasmTranscoder;
  /** The stream's Opus bitrate as last posted (undefined: the encoder's setting). */
  readonly channel: { bitrate: number | undefined };
  /** MP3 received and not yet decoded, oldest first. */
  input: Buffer[];
  /** end() was asked for: call it once the input is decoded. */
  ending: boolean;
  packets: Buffer[];
  bytes: number;
  /** Whether a packet was sent. */
  started: boolean;
  /** When its last turn ended, if it went back in the queue with input left (the start of a round). */
  turnEndedAt: number | undefined;
}

/**
 * Serve transcoders over `port` (the worker's parentPort) until the thread is terminated.
 * Work is shared out fairly: input is decoded a slice at a time, one stream after another, so when many
 * streams' chunks arrive at once (guilds starting together) each gets its first packets within milliseconds
 * and keeps being fed at the pace it plays, instead of the last stream waiting for every other whole chunk.
 * `setup` is the worker's workerData; `governorClock` measures the rounds of load shedding (tests move it).
 */
export function serveTranscoders(port: MessagePort, setup: WorkerSetup = {}, governorClock: () => number = () => performance.now()): void {
  const encoder = setup.encoder ?? {};
  const normal = encoder.complexity ?? DEFAULT_OPUS_COMPLEXITY;
  const reduced = setup.shedding ? Math.min(normal, setup.shedding.complexity) : normal;
  const governor = setup.shedding && new ComplexityGovernor({
    ...setup.shedding, normal, reduced, sliceAudioMs: SLICE_AUDIO_MS, now: governorClock,
  });
  const open = new Map<number, Entry>();
  /** Streams with input to decode, in turn order. */
  const runnable: Entry[] = [];
  let scheduled = false;
  let inPass = false;
  /** What a turn costs (ms, a moving average), for the governor's backlog. */
  let turnCostMs: number | undefined;
  const post = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

  const flush = (entry: Entry): void => {
    if (entry.packets.length === 0 || open.get(entry.id) !== entry) return; // destroyed meanwhile: nobody wants them
    const data = new ArrayBuffer(entry.bytes);
    const view = new Uint8Array(data);
    const lengths: number[] = [];
    let offset = 0;
    for (const packet of entry.packets) {
      view.set(packet, offset);
      offset += packet.length;
      lengths.push(packet.length);
    }
    entry.packets = [];
    entry.bytes = 0;
    entry.started = true;
    post({ op: 'packets', id: entry.id, data, lengths }, [data]);
  };

  const fail = (id: number, error: unknown): void => {
    const entry = open.get(id);
    open.delete(id);
    entry?.transcoder.destroy();
    const code: AudioErrorCode = error instanceof AudioError ? error.code : 'DECODE_FAILED';
    const message = error instanceof Error ? error.message : String(error);
    post({ op: 'error', id, code, message });
  };

  /** Decodes one slice of the stream's input; returns whether input is left. */
  const step = (entry: Entry): boolean => {
    const head = entry.input[0];
    if (head) {
      const slice = head.subarray(0, SLICE_BYTES);
      if (slice.length === head.length) entry.input.shift();
      else entry.input[0] = head.subarray(SLICE_BYTES);
      entry.transcoder.write(slice);
    }
    if (entry.input.length > 0) return true;
    if (entry.ending) entry.transcoder.end();
    return false;
  };

  /** Every open stream codes at the governor's new complexity; the main thread is told. */
  const apply = (change: ComplexityChange | undefined): void => {
    if (!change) return;
    for (const entry of open.values()) {
      try {
        entry.transcoder.setComplexity(change.complexity);
      } catch (error) {
        fail(entry.id, error);
      }
    }
    post({ op: 'complexity', complexity: change.complexity, roundMs: change.roundMs });
  };

  /** Turns over the runnable streams until they are drained or the pass budget is spent; then sends the packets. */
  const pass = (): void => {
    scheduled = false;
    inPass = true;
    const deadline = performance.now() + PASS_BUDGET_MS;
    const touched = new Set<Entry>();
    while (runnable.length > 0 && performance.now() < deadline) {
      const entry = runnable.shift()!;
      if (open.get(entry.id) !== entry) continue;
      touched.add(entry);
      const turnAt = governor ? governorClock() : 0;
      if (governor && entry.turnEndedAt !== undefined) apply(governor.round(turnAt - entry.turnEndedAt));
      // The streams waiting behind this one will each take a turn before it gets its next.
      if (governor && turnCostMs !== undefined) apply(governor.backlog(runnable.length * turnCostMs));
      let more = false;
      try {
        more = step(entry);
      } catch (error) {
        fail(entry.id, error);
        continue;
      }
      if (governor) {
        // One reading ends the turn: its cost, and the start of the stream's next round.
        const doneAt = governorClock();
        turnCostMs = turnCostMs === undefined ? doneAt - turnAt : turnCostMs + TURN_COST_WEIGHT * (doneAt - turnAt - turnCostMs);
        entry.turnEndedAt = more ? doneAt : undefined;
      }
      // A stream's first packets go at once: its listener hears it start that much sooner.
      if (!entry.started) flush(entry);
      if (more) runnable.push(entry);
    }
    inPass = false;
    for (const entry of touched) flush(entry);
    if (runnable.length > 0) schedule();
    else if (governor) apply(governor.idle());
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(pass);
  };

  const enqueue = (entry: Entry): void => {
    if (!runnable.includes(entry)) runnable.push(entry);
    schedule();
  };

  const openTranscoder = (id: number, bitrate: number | undefined): void => {
    // Throws AudioError ENCODE_FAILED on bad settings.
    const channel = { bitrate }; // updated by each 'write'; the transcoder reads it at each chunk it decodes
    const transcoder = new WasmTranscoder({
      encoder: { ...withBitrate(encoder, bitrate), complexity: governor?.complexity ?? normal }, bitrate: () => channel.bitrate,
    });
    const entry: Entry = { id, transcoder, channel, input: [], ending: false, packets: [], bytes: 0, started: false, turnEndedAt: undefined };
    open.set(id, entry);
    transcoder.opus.on('data', (packet: Buffer) => {
      entry.packets.push(packet);
      entry.bytes += packet.length;
      // Packets made outside a pass (the decoder finishing start-up with input queued) go out on their own.
      if (!inPass && entry.packets.length === 1) setImmediate(() => flush(entry));
    });
    transcoder.opus.once('end', () => {
      flush(entry);
      if (open.get(id) !== entry) return;
      open.delete(id);
      post({ op: 'end', id });
    });
    transcoder.opus.once('error', (error: Error) => {
      if (open.get(id) === entry) fail(id, error);
    });
  };

  const handle = (message: ToWorker): void => {
    const entry = open.get(message.id);
    switch (message.op) {
      case 'open':
        openTranscoder(message.id, message.bitrate);
        break;
      case 'write':
        if (!entry || entry.ending) break;
        if (message.bitrate !== undefined) entry.channel.bitrate = message.bitrate;
        entry.input.push(Buffer.from(message.chunk));
        enqueue(entry);
        break;
      case 'end':
        if (!entry || entry.ending) break;
        entry.ending = true;
        enqueue(entry);
        break;
      case 'destroy':
        open.delete(message.id);
        entry?.transcoder.destroy();
        break;
    }
  };

  port.on('message', (message: ToWorker) => {
    try {
      handle(message);
    } catch (error) {
      // One transcoder's failure must not take the worker (and every other stream on it) down.
      fail(message.id, error);
    }
  });
  // Warm up before reporting ready: the first transcoder compiles mpg123's and libopus's WebAssembly (tens of
  // milliseconds), which would otherwise delay the first utterance. An empty transcoder ends once its decoder is up.
  // Then the coding path runs until V8 has optimized it (warmUp.ts), at each complexity the worker may code at.
  const warm = new WasmTranscoder();
  warm.opus.once('error', () => warm.destroy()); // a broken decoder fails every real transcoder, with its error
  warm.opus.once('close', () => {
    try {
      warmUpCodec(normal);
      if (reduced < normal) warmUpCodec(reduced, 1);
    } catch (error) {
      // Bad encoder settings: every transcoder fails with them, each with its own error, so the worker still
      // serves. Anything else is a fault of the worker itself.
      if (!(error instanceof AudioError)) throw error;
    }
    post({ op: 'ready' });
  });
  warm.opus.resume();
  warm.end();
}
