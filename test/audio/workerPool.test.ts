import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AudioError } from '../../src/audio/errors.js';
import type { Transcoder } from '../../src/audio/types.js';
import { WasmTranscoder } from '../../src/audio/WasmTranscoder.js';
import { createWorkerTranscoderFactory, type ComplexityReport, type WorkerTranscoderFactory } from '../../src/audio/workerPool.js';
import { makeMp3, mp3DurationMs } from '../fakes/mp3.js';
import { chunk, collect, decodedSamples, nextPacket, transcodeAll, type Outcome } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Feed `chunks`, end, collect. */
function run(t: Transcoder, chunks: readonly Buffer[]): Promise<Outcome> {
  const done = collect(t.opus);
  for (const c of chunks) t.write(c);
  t.end();
  return done;
}

/** The same input through the in-process WasmTranscoder: what the worker must reproduce packet for packet. */
function inProcess(chunks: readonly Buffer[]): Promise<Outcome> {
  return run(new WasmTranscoder(), chunks);
}

/** A spawnWorker that keeps each worker it starts, so a test can kill one; with `evalSource`, workers run that code instead. */
function keepWorkers(evalSource?: string): { spawned: Worker[]; spawnWorker: (url: URL, options: WorkerOptions) => Worker } {
  const spawned: Worker[] = [];
  const spawn = (url: URL, options: WorkerOptions): Worker => (evalSource === undefined ? new Worker(url, options) : new Worker(evalSource, { ...options, eval: true }));
  return { spawned, spawnWorker: (url, options) => { const w = spawn(url, options); spawned.push(w); return w; } };
}

const pools: WorkerTranscoderFactory[] = [];
const pool = (options: Parameters<typeof createWorkerTranscoderFactory>[0]): WorkerTranscoderFactory => {
  const factory = createWorkerTranscoderFactory(options);
  pools.push(factory);
  return factory;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('worker transcoder pool, one shared worker', () => {
  let shared: WorkerTranscoderFactory;
  beforeAll(async () => {
    shared = createWorkerTranscoderFactory({ workers: 1 });
    await shared.ready();
  });
  afterAll(() => shared.close());

  it('is named after its size and reports one worker', () => {
    expect(shared.name).toBe('wasm-worker-x1');
    expect(shared.workerCount).toBe(1);
  });

  it.each([
    { seconds: 3, sampleRate: 32000, bitrate: 128000 },
    { seconds: 2, sampleRate: 24000, bitrate: 64000 },
    { seconds: 2, sampleRate: 44100, bitrate: 128000 },
  ])('turns a $seconds s $sampleRate Hz MP3 into the same packets as the in-process transcoder, lasting as long', async (opts) => {
    const mp3 = await makeMp3(opts);
    const out = await transcodeAll(shared.create(), mp3);
    expect(out.error).toBeUndefined();
    expect(out.ended).toBe(true);
    expect(Math.abs(decodedSamples(out.packets) / 48 - mp3DurationMs(mp3))).toBeLessThanOrEqual(40);
    const local = await inProcess(chunk(mp3));
    expect(out.packets).toEqual(local.packets);
  });

  it.each([1, 4096])('gives the same packets when the MP3 arrives in %i-byte chunks', async (size) => {
    const mp3 = await makeMp3({ seconds: size === 1 ? 1 : 3 });
    const chunks = chunk(mp3, [size]);
    const out = await run(shared.create(), chunks);
    expect(out.error).toBeUndefined();
    expect(out.packets.length).toBeGreaterThan(0);
    expect(out.packets).toEqual((await inProcess(chunks)).packets);
  });

  it('keeps two transcoders interleaved on one worker apart', async () => {
    const a = await makeMp3({ seconds: 2, sampleRate: 24000, bitrate: 64000 });
    const b = await makeMp3({ seconds: 1.5, sampleRate: 48000, bitrate: 96000 });
    const [ta, tb] = [shared.create(), shared.create()];
    expect(shared.liveCounts()).toEqual([2]);
    const [doneA, doneB] = [collect(ta.opus), collect(tb.opus)];
    const [ca, cb] = [chunk(a), chunk(b)];
    for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
      if (ca[i]) ta.write(ca[i]!);
      if (cb[i]) tb.write(cb[i]!);
    }
    ta.end();
    tb.end();
    const [outA, outB] = await Promise.all([doneA, doneB]);
    expect(outA.packets).toEqual((await inProcess(ca)).packets);
    expect(outB.packets).toEqual((await inProcess(cb)).packets);
    expect(shared.liveCounts()).toEqual([0]);
  });

  it('shares the worker fairly: every stream written at once starts before any of them is done', async () => {
    const mp3 = await makeMp3({ seconds: 5 });
    const events: string[] = [];
    const streams = Array.from({ length: 8 }, (_, i) => {
      const t = shared.create();
      t.opus.once('data', () => events.push(`first ${i}`));
      const done = collect(t.opus).then((outcome) => {
        events.push(`end ${i}`);
        return outcome;
      });
      return { t, done };
    });
    // Each whole clip in one message: a worker taking messages in turn would finish stream 0 before starting 1.
    for (const { t } of streams) {
      t.write(mp3);
      t.end();
    }
    const outcomes = await Promise.all(streams.map((s) => s.done));
    const firstEnd = events.findIndex((e) => e.startsWith('end'));
    expect(events.slice(0, firstEnd).sort()).toEqual(streams.map((_, i) => `first ${i}`).sort());
    const expected = (await inProcess([mp3])).packets;
    for (const outcome of outcomes) expect(outcome.packets).toEqual(expected);
  });

  it('emits the first packet while input is still arriving', async () => {
    const mp3 = await makeMp3({ seconds: 3 });
    const t = shared.create();
    const first = nextPacket(t.opus);
    t.write(mp3.subarray(0, 8192));
    await first; // end() not called yet
    t.destroy();
  });

  it('reports non-MP3 input as DECODE_FAILED', async () => {
    const garbage = Buffer.alloc(20_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + (i >> 3)) & 0xff;
    const out = await transcodeAll(shared.create(), garbage);
    expect(out.error).toBeInstanceOf(AudioError);
    expect((out.error as AudioError).code).toBe('DECODE_FAILED');
    expect(shared.liveCounts()).toEqual([0]);
  });

  it('ends cleanly with no packets when no input was given', async () => {
    const t = shared.create();
    const done = collect(t.opus);
    t.end();
    expect(await done).toMatchObject({ ended: true, error: undefined, packets: [] });
  });

  it('reports write() after end() as WRITE_AFTER_END', async () => {
    const mp3 = await makeMp3({ seconds: 1 });
    const t = shared.create();
    const done = collect(t.opus);
    t.write(mp3);
    t.end();
    t.write(mp3);
    expect(((await done).error as AudioError | undefined)?.code).toBe('WRITE_AFTER_END');
    expect(shared.liveCounts()).toEqual([0]);
  });

  it('stops output without an error when destroyed mid-stream, and frees its place on the worker', async () => {
    const mp3 = await makeMp3({ seconds: 3 });
    const t = shared.create();
    const errors: Error[] = [];
    let after = 0;
    let destroyed = false;
    t.opus.on('error', (e: Error) => errors.push(e));
    t.opus.on('data', () => { if (destroyed) after++; });
    const first = nextPacket(t.opus);
    for (const c of chunk(mp3.subarray(0, 16384))) t.write(c);
    await first;
    expect(shared.liveCounts()).toEqual([1]);
    t.destroy();
    destroyed = true;
    t.destroy();
    t.write(mp3.subarray(16384));
    t.end();
    expect(shared.liveCounts()).toEqual([0]);
    // The worker still had packets in flight for it: they must be dropped. A later stream proves the worker is idle again.
    const out = await transcodeAll(shared.create(), await makeMp3({ seconds: 1 }));
    expect(out.error).toBeUndefined();
    expect(after).toBe(0);
    expect(errors).toEqual([]);
    expect(t.opus.destroyed).toBe(true);
  });

  it('can be destroyed right after create()', async () => {
    const t = shared.create();
    const errors: Error[] = [];
    t.opus.on('error', (e: Error) => errors.push(e));
    t.destroy();
    t.write(Buffer.alloc(10));
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toEqual([]);
    expect(shared.liveCounts()).toEqual([0]);
  });

  it('does not disturb a caller who reuses the buffer it wrote', async () => {
    const mp3 = await makeMp3({ seconds: 1 });
    const t = shared.create();
    const done = collect(t.opus);
    const scratch = Buffer.alloc(4096);
    for (let off = 0; off < mp3.length; off += 4096) {
      const n = mp3.copy(scratch, 0, off, off + 4096);
      t.write(scratch.subarray(0, n));
      scratch.fill(0); // the transcoder must have taken its own copy
    }
    t.end();
    const out = await done;
    expect(out.error).toBeUndefined();
    expect(scratch.length).toBe(4096); // still usable: not transferred away
    expect(Math.abs(decodedSamples(out.packets) / 48 - mp3DurationMs(mp3))).toBeLessThanOrEqual(40);
  });
});

describe('worker transcoder pool lifecycle', () => {
  it('refuses a worker count that is not a positive integer', () => {
    for (const workers of [0, -1, 1.5, Number.NaN]) expect(() => createWorkerTranscoderFactory({ workers })).toThrow(RangeError);
  });

  it('accepts a whole stream written before its worker has started', async () => {
    const mp3 = await makeMp3({ seconds: 2 });
    const p = pool({ workers: 1 });
    const out = await transcodeAll(p.create(), mp3); // no ready(): the messages wait in the port
    expect(out.error).toBeUndefined();
    expect(Math.abs(decodedSamples(out.packets) / 48 - mp3DurationMs(mp3))).toBeLessThanOrEqual(40);
  });

  it('sends each new transcoder to the worker with the fewest live ones', () => {
    const p = pool({ workers: 2 });
    expect(p.name).toBe('wasm-worker-x2');
    const t1 = p.create();
    const t2 = p.create();
    const t3 = p.create();
    expect(p.liveCounts()).toEqual([2, 1]);
    t1.destroy();
    expect(p.liveCounts()).toEqual([1, 1]);
    const t4 = p.create();
    expect(p.liveCounts()).toEqual([2, 1]);
    for (const t of [t2, t3, t4]) t.destroy();
    expect(p.liveCounts()).toEqual([0, 0]);
  });

  it('keeps the error code and message of an AudioError raised in the worker', async () => {
    const p = pool({ workers: 1, encoder: { complexity: 99 } });
    const out = await collect(p.create().opus);
    expect(out.error).toBeInstanceOf(AudioError);
    expect((out.error as AudioError).code).toBe('ENCODE_FAILED');
    expect(out.error?.message).toMatch(/invalid Opus encoder settings/);
  });

  it("passes the load shedding settings to the worker thread and relays its complexity changes", async () => {
    const reports: ComplexityReport[] = [];
    // shedAtShare 0 and sustainMs 0: the first round of any stream counts as falling behind, on any machine.
    const shedding = { complexity: 4, shedAtShare: 0, sustainMs: 0 };
    const p = pool({ workers: 1, encoder: { complexity: 5 }, shedding, onComplexity: (r) => reports.push(r) });
    const mp3 = await makeMp3({ seconds: 1 });
    const out = await transcodeAll(p.create(), mp3);
    expect(out.error).toBeUndefined();
    expect(reports[0]).toMatchObject({ worker: 0, complexity: 4 });
    expect(reports[0]!.roundMs).toBeGreaterThanOrEqual(0);
    const at5 = (await inProcess([mp3])).packets;
    expect(out.packets).toHaveLength(at5.length);
    expect(out.packets).not.toEqual(at5);
  });

  it('fails the live transcoders of a worker that dies, and serves the next create() from a replacement', async () => {
    const { spawned, spawnWorker } = keepWorkers();
    const p = pool({ workers: 1, spawnWorker });
    await p.ready();
    const mp3 = await makeMp3({ seconds: 3 });
    const t = p.create();
    const done = collect(t.opus);
    const first = nextPacket(t.opus);
    t.write(mp3.subarray(0, 8192));
    await first;
    await spawned[0]!.terminate();
    const out = await done;
    expect(out.error).toBeInstanceOf(AudioError);
    expect((out.error as AudioError).code).toBe('PROCESS_FAILED');
    expect((out.error as AudioError).retryable).toBe(true);
    expect(out.error?.message).toMatch(/transcoding worker exited/);
    expect(p.liveCounts()).toEqual([0]);
    expect(spawned).toHaveLength(2); // replaced at once
    const again = await transcodeAll(p.create(), await makeMp3({ seconds: 1 }));
    expect(again.error).toBeUndefined();
    expect(again.packets.length).toBeGreaterThan(0);
  });

  it('fails transcoders with a clear error when a worker cannot start, without restarting it in a loop', async () => {
    const { spawned, spawnWorker } = keepWorkers('throw new Error("no such module")');
    const p = pool({ workers: 1, spawnWorker });
    const out = await collect(p.create().opus);
    expect((out.error as AudioError).code).toBe('PROCESS_FAILED');
    expect(out.error?.message).toMatch(/failed to start: no such module/);
    await expect(p.ready()).rejects.toThrow(/no such module/);
    await new Promise((r) => setTimeout(r, 100));
    expect(spawned).toHaveLength(1);
    const next = await collect(p.create().opus); // one new attempt per create()
    expect((next.error as AudioError).code).toBe('PROCESS_FAILED');
    expect(spawned).toHaveLength(2);
  });

  it('gives up on a worker that does not start within its deadline, and stops it', async () => {
    const { spawned, spawnWorker } = keepWorkers('setInterval(() => undefined, 1000)');
    const p = pool({ workers: 1, startTimeoutMs: 200, spawnWorker });
    const exited = new Promise((r) => spawned[0]!.once('exit', r));
    const out = await collect(p.create().opus);
    expect((out.error as AudioError).code).toBe('PROCESS_FAILED');
    expect(out.error?.message).toMatch(/did not start within 200 ms/);
    await exited;
  });

  it('close() terminates every worker, fails live transcoders, and later creates fail clearly', async () => {
    const { spawned, spawnWorker } = keepWorkers();
    const p = pool({ workers: 2, spawnWorker });
    const exits = spawned.map((w) => new Promise<number>((r) => w.once('exit', r)));
    const live = p.create();
    const done = collect(live.opus);
    await p.close();
    await p.close();
    expect(await Promise.all(exits)).toHaveLength(2);
    expect(spawned.map((w) => w.threadId)).toEqual([-1, -1]);
    expect((await done).error?.message).toMatch(/pool was closed/);
    const later = await collect(p.create().opus);
    expect(later.error).toBeInstanceOf(AudioError);
    expect(later.error?.message).toMatch(/pool is closed/);
    expect((later.error as AudioError).retryable).toBe(false);
    expect(spawned).toHaveLength(2);
  });

  it.each([
    ['node --import tsx', ['--import', 'tsx']],
    ['node with tsx only inside the workers', []],
  ])('does not keep a process alive once its streams are over (%s)', async (_name, execArgv) => {
    // The script waits for the pool, finishes a stream and never calls close(): it must live until the stream
    // ends, then exit by itself.
    const script = `
      const { createWorkerTranscoderFactory } = await (${execArgv.length ? "import('./src/audio/workerPool.ts')" : "(await import('tsx/esm/api')).tsImport('./src/audio/workerPool.ts', import.meta.url)"});
      const { readFileSync } = await import('node:fs');
      const p = createWorkerTranscoderFactory({ workers: 2 });
      await p.ready(); // a wait that must hold the process open by itself
      const t = p.create();
      let packets = 0;
      t.opus.on('data', () => packets++);
      t.opus.on('end', () => console.log('packets', packets));
      t.opus.on('error', (e) => console.log('error', e.message));
      t.write(readFileSync(0));
      t.end();
    `;
    const mp3 = await makeMp3({ seconds: 1 });
    const child = promisify(execFile)(process.execPath, [...execArgv, '--input-type=module', '-e', script], { cwd: ROOT, timeout: 10_000 });
    child.child.stdin?.end(mp3);
    const { stdout } = await child;
    expect(stdout.trim()).toMatch(/^packets \d+$/);
    expect(Number(stdout.trim().split(' ')[1])).toBeGreaterThan(40);
  });
});
