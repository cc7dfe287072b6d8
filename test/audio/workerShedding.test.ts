/**
 * Load shedding in the transcoding worker: its code (serveTranscoders) runs here on a MessageChannel, with the
 * governor's clock in the test's hands, so "the worker fell behind" is a fact of the clock, not of this machine.
 * The pool test (workerPool.test.ts) covers the same through a real worker thread.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serveTranscoders, type FromWorker, type ToWorker, type WorkerSetup } from '../../src/audio/transcodeWorker.js';
import { WasmTranscoder } from '../../src/audio/WasmTranscoder.js';
import { makeMp3 } from '../fakes/mp3.js';
import { collect } from './helpers.js';

/** The governor's clock: each read moves it on by `step` ms (a slow machine), or not at all (step 0). */
class SteppingClock {
  t = 0;
  step = 0;
  readonly now = (): number => (this.t += this.step);
}

interface Served {
  readonly clock: SteppingClock;
  readonly complexity: FromWorker[];
  /** Opens stream `id`, writes `mp3` as one chunk, ends it; resolves with its packets (or its error). */
  transcode(id: number, mp3?: Buffer): Promise<{ packets: Buffer[]; error?: string }>;
}

const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

/** serveTranscoders on one end of a channel; waits for its 'ready'. */
async function serve(setup: WorkerSetup): Promise<Served> {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const clock = new SteppingClock();
  const complexity: FromWorker[] = [];
  const packets = new Map<number, Buffer[]>();
  const waiting = new Map<number, (result: { packets: Buffer[]; error?: string }) => void>();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  port2.on('message', (message: FromWorker) => {
    switch (message.op) {
      case 'ready': ready(); break;
      case 'complexity': complexity.push(message); break;
      case 'packets': {
        const list = packets.get(message.id) ?? [];
        let offset = 0;
        for (const length of message.lengths) {
          list.push(Buffer.from(message.data, offset, length));
          offset += length;
        }
        packets.set(message.id, list);
        break;
      }
      case 'end': waiting.get(message.id)?.({ packets: packets.get(message.id) ?? [] }); break;
      case 'error': waiting.get(message.id)?.({ packets: packets.get(message.id) ?? [], error: message.message }); break;
    }
  });
  serveTranscoders(port1, setup, clock.now);
  await isReady;
  const post = (message: ToWorker, transfer: ArrayBuffer[] = []): void => port2.postMessage(message, transfer);
  return {
    clock,
    complexity,
    transcode(id, mp3) {
      const done = new Promise<{ packets: Buffer[]; error?: string }>((resolve) => waiting.set(id, resolve));
      post({ op: 'open', id });
      if (mp3) {
        const copy = new Uint8Array(mp3);
        post({ op: 'write', id, chunk: copy.buffer }, [copy.buffer]);
      }
      post({ op: 'end', id });
      return done;
    },
  };
}

/** The same MP3 through an in-process WasmTranscoder at `complexity`. */
async function reference(mp3: Buffer, complexity: number): Promise<Buffer[]> {
  const t = new WasmTranscoder({ encoder: { complexity } });
  const out = collect(t.opus);
  t.write(mp3);
  t.end();
  return (await out).packets;
}

const same = (a: readonly Buffer[], b: readonly Buffer[]): boolean => a.length === b.length && Buffer.concat(a).equals(Buffer.concat(b));

describe('transcoding worker: load shedding', () => {
  let mp3: Buffer;
  let at5: Buffer[];
  let at4: Buffer[];
  beforeAll(async () => {
    mp3 = await makeMp3({ seconds: 1 }); // 16 KB: 32 slices
    [at5, at4] = await Promise.all([reference(mp3, 5), reference(mp3, 4)]);
    expect(same(at5, at4)).toBe(false); // the two complexities are told apart by their bytes
  });

  it('codes at the configured complexity while turns come round fast', async () => {
    const served = await serve({ encoder: { complexity: 5 }, shedding: { complexity: 4 } });
    served.clock.step = 2; // a round is a few ms: far under half a slice's 32 ms of audio
    const [a, b] = await Promise.all([served.transcode(1, mp3), served.transcode(2, mp3)]);
    expect(served.complexity).toEqual([]);
    expect(same(a.packets, at5)).toBe(true);
    expect(same(b.packets, at5)).toBe(true);
  });

  it('sheds when a stream waits half a slice for its turn, keeps every packet, and codes new streams lower until calm', async () => {
    const served = await serve({ encoder: { complexity: 5 }, shedding: { complexity: 4 } });
    served.clock.step = 10; // two streams: each waits through the other's turn, 20 ms or more on this clock

    const [a, b] = await Promise.all([served.transcode(1, mp3), served.transcode(2, mp3)]);
    expect(served.complexity).toHaveLength(1);
    expect(served.complexity[0]).toMatchObject({ op: 'complexity', complexity: 4 });
    expect((served.complexity[0] as { roundMs: number }).roundMs).toBeGreaterThanOrEqual(16);
    for (const stream of [a, b]) {
      expect(stream.error).toBeUndefined();
      expect(stream.packets).toHaveLength(at5.length); // nothing lost
      expect(same(stream.packets, at5)).toBe(false); // and not at 5 (the first 512 bytes hold no whole MP3 frame)
    }

    // Opened while shed, alone: its rounds (10 ms) are neither slow enough to shed nor fast enough to be calm.
    const c = await served.transcode(3, mp3);
    expect(same(c.packets, at4)).toBe(true);

    // Calm: no input waiting for the hold time (2 s on the governor's clock) brings 5 back.
    served.clock.step = 0;
    served.clock.t += 2000;
    const empty = await served.transcode(4); // a pass with nothing to decode
    expect(empty.packets).toEqual([]);
    expect(served.complexity.at(-1)).toEqual({ op: 'complexity', complexity: 5, roundMs: undefined });
    const d = await served.transcode(5, mp3);
    expect(same(d.packets, at5)).toBe(true);
  });

  it('sheds at once when the streams waiting would make a long round (their number times what a turn costs)', async () => {
    // Rounds alone could never shed here (a sustain time no run reaches): only the backlog can.
    const served = await serve({ encoder: { complexity: 5 }, shedding: { complexity: 4, sustainMs: 1e9 } });
    served.clock.step = 2; // a turn costs 2 ms on this clock
    const few = await Promise.all([1, 2].map((id) => served.transcode(id, mp3)));
    expect(served.complexity).toEqual([]); // one stream waiting behind each turn: 2 ms
    const many = await Promise.all([3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((id) => served.transcode(id, mp3)));
    expect(served.complexity).toHaveLength(1);
    expect(served.complexity[0]).toMatchObject({ op: 'complexity', complexity: 4 });
    expect((served.complexity[0] as { roundMs: number }).roundMs).toBeGreaterThanOrEqual(16); // 8 or more waiting
    for (const stream of [...few, ...many]) expect(stream.packets).toHaveLength(at5.length);
    expect(few.every((stream) => same(stream.packets, at5))).toBe(true);
  });

  it('never changes the complexity without shedding set up, however slow the turns', async () => {
    const served = await serve({ encoder: { complexity: 5 } });
    served.clock.step = 50;
    const [a, b] = await Promise.all([served.transcode(1, mp3), served.transcode(2, mp3)]);
    expect(served.complexity).toEqual([]);
    expect(same(a.packets, at5) && same(b.packets, at5)).toBe(true);
  });
});
