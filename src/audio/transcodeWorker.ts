/**
 * Worker-thread side of the transcoder pool (workerPool.ts): one WasmTranscoder per id, driven by messages from
 * the main thread. The first packet of a stream goes back at once; after that, every packet made while handling one
 * message goes back as one transferred ArrayBuffer.
 * Loaded by transcodeWorkerBoot.mjs; the message types are shared with the main side (type-only import there).
 */
import type { MessagePort } from 'node:worker_threads';
import { AudioError, type AudioErrorCode } from './errors.js';
import type { OpusEncoderOptions } from './opusFrames.js';
import { WasmTranscoder } from './WasmTranscoder.js';

/** Main thread -> worker. `chunk` is a copy of one MP3 chunk, transferred. */
export type ToWorker =
  | { op: 'open'; id: number; encoder: OpusEncoderOptions }
  | { op: 'write'; id: number; chunk: ArrayBuffer }
  | { op: 'end'; id: number }
  | { op: 'destroy'; id: number };

/**
 * Worker -> main thread. `packets`: Opus packets laid end to end in `data` (transferred), `lengths` in order.
 * After 'end' or 'error' nothing more comes for that id. 'ready' is sent once, when the worker listens.
 */
export type FromWorker =
  | { op: 'ready' }
  | { op: 'packets'; id: number; data: ArrayBuffer; lengths: number[] }
  | { op: 'end'; id: number }
  | { op: 'error'; id: number; code: AudioErrorCode; message: string };

interface Entry {
  readonly transcoder: WasmTranscoder;
  packets: Buffer[];
  bytes: number;
  /** Whether a packet was sent. */
  started: boolean;
}

/** Serve transcoders over `port` (the worker's parentPort) until the thread is terminated. */
export function serveTranscoders(port: MessagePort): void {
  const open = new Map<number, Entry>();
  const post = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

  const flush = (id: number, entry: Entry): void => {
    if (entry.packets.length === 0 || open.get(id) !== entry) return; // destroyed meanwhile: nobody wants them
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
    post({ op: 'packets', id, data, lengths }, [data]);
  };

  const fail = (id: number, error: unknown): void => {
    const entry = open.get(id);
    open.delete(id);
    entry?.transcoder.destroy();
    const code: AudioErrorCode = error instanceof AudioError ? error.code : 'DECODE_FAILED';
    const message = error instanceof Error ? error.message : String(error);
    post({ op: 'error', id, code, message });
  };

  const openTranscoder = (id: number, encoder: OpusEncoderOptions): void => {
    const transcoder = new WasmTranscoder({ encoder }); // throws AudioError ENCODE_FAILED on bad settings
    const entry: Entry = { transcoder, packets: [], bytes: 0, started: false };
    open.set(id, entry);
    transcoder.opus.on('data', (packet: Buffer) => {
      entry.packets.push(packet);
      entry.bytes += packet.length;
      if (!entry.started) {
        // The first packet goes at once: the listener hears the utterance start that much sooner.
        entry.started = true;
        flush(id, entry);
      } else if (entry.packets.length === 1) {
        // The packets made while handling one message come out together (synchronously or within a tick).
        queueMicrotask(() => flush(id, entry));
      }
    });
    transcoder.opus.once('end', () => {
      flush(id, entry);
      if (open.get(id) !== entry) return;
      open.delete(id);
      post({ op: 'end', id });
    });
    transcoder.opus.once('error', (error: Error) => {
      if (open.get(id) === entry) fail(id, error);
    });
  };

  const handle = (message: ToWorker): void => {
    switch (message.op) {
      case 'open':
        openTranscoder(message.id, message.encoder);
        break;
      case 'write':
        open.get(message.id)?.transcoder.write(Buffer.from(message.chunk));
        break;
      case 'end':
        open.get(message.id)?.transcoder.end();
        break;
      case 'destroy': {
        const entry = open.get(message.id);
        open.delete(message.id);
        entry?.transcoder.destroy();
        break;
      }
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
  const warm = new WasmTranscoder();
  warm.opus.once('error', () => warm.destroy()); // a broken decoder fails every real transcoder, with its error
  warm.opus.once('close', () => post({ op: 'ready' }));
  warm.opus.resume();
  warm.end();
}
