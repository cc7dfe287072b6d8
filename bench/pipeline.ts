/**
 * Audio pipeline benchmark: first-packet latency, CPU per real-time stream and memory per stream for each
 * transcoder. Run: `NODE_EXTRA_CA_CERTS=test/fakes/discord/cert/cert.pem npx tsx bench/pipeline.ts`.
 * CPU and memory are measured in a fresh Node process per pipeline (opusscript's WebAssembly heap only grows,
 * so one pipeline would hide another's memory), latency in this one.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { FfmpegTranscoder } from '../src/audio/FfmpegTranscoder.js';
import { findFfmpeg } from '../src/audio/ffmpegPath.js';
import { createTranscoderFactory } from '../src/audio/index.js';
import type { Transcoder, TranscoderFactory } from '../src/audio/types.js';
import { makeMp3 } from '../test/fakes/mp3.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MP3 = { sampleRate: 32000, bitrate: 128000 }; // MiniMax's default MP3 output

export interface PipelineBenchOptions {
  /** First-packet runs per pipeline (default 20); the slow baseline gets `baselineRuns` (default 5). */
  latencyRuns?: number;
  baselineRuns?: number;
  /** Concurrent real-time streams for the CPU/memory measurement (default 10). */
  streams?: number;
  /** CPU/memory measurements per pipeline, the least CPU kept (default 2; the baseline gets 1). */
  loadRuns?: number;
  /** Length of the test MP3 (default 5 s) and the size of its network chunks (default 4096 bytes). */
  audioSeconds?: number;
  chunkBytes?: number;
  /** Time between create() and the first chunk: the T2A request in flight (default 150 ms). */
  leadMs?: number;
  /** Only these pipelines (ids: wasm, ffmpeg-pcm, ffmpeg-ogg, ffmpeg-default); default all. */
  pipelines?: string[];
  /** Where to write the markdown (default bench/results/pipeline.md); null = do not write. */
  outFile?: string | null;
  log?: (line: string) => void;
}

export interface PipelineBenchRow {
  pipeline: string;
  latencyRuns: number;
  firstPacketP50Ms: number;
  firstPacketP99Ms: number;
  /** Created at the moment of the first chunk (no lead): start-up cost included. */
  coldFirstPacketP50Ms: number;
  cpuPercentPerStream: number;
  /** The part of cpuPercentPerStream spent in ffmpeg. */
  childCpuPercentPerStream: number;
  memoryMbPerStream: number;
}

export interface PipelineBenchResult {
  rows: PipelineBenchRow[];
  markdown: string;
}

interface Pipeline {
  id: string;
  label: string;
  baseline: boolean;
  factory: (ffmpegPath: string) => TranscoderFactory;
}

const PIPELINES: Pipeline[] = [
  { id: 'wasm', label: 'WASM: mpg123 -> windowed-sinc resample -> opusscript (in-process)', baseline: false,
    factory: () => createTranscoderFactory({ kind: 'wasm' }) },
  { id: 'ffmpeg-pcm', label: 'ffmpeg (-probesize 32) s16le -> opusscript', baseline: false,
    factory: (ffmpegPath) => createTranscoderFactory({ kind: 'ffmpeg', ffmpegPath }) },
  { id: 'ffmpeg-ogg', label: 'ffmpeg (-probesize 32) libopus Ogg -> OggDemuxer', baseline: false,
    factory: (ffmpegPath) => createTranscoderFactory({ kind: 'ffmpeg', ffmpegPath, ffmpegOutput: 'ogg' }) },
  { id: 'ffmpeg-default', label: "ffmpeg with @discordjs/voice's default args (baseline)", baseline: true,
    factory: (ffmpegPath) => ({ name: 'ffmpeg-default', create: () => new FfmpegTranscoder({ ffmpegPath, inputArgs: [] }) }) },
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function ffmpegPath(): string {
  // The bench is a dev tool, not src/: it may read the environment like the config does.
  return findFfmpeg({ ffmpegPath: process.env.FFMPEG_PATH, pathEnv: process.env.PATH });
}

function chunksOf(mp3: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < mp3.length; off += size) out.push(mp3.subarray(off, off + size));
  return out;
}

/**
 * Feed chunks at real time (each chunk's audio duration apart) starting now; stop early when `stop()` says so.
 * Resolves with the time the first chunk was written.
 */
async function feedRealTime(t: Transcoder, chunks: Buffer[], msPerByte: number, stop: () => boolean): Promise<number> {
  const start = performance.now();
  let due = 0;
  for (const c of chunks) {
    if (stop()) break;
    const wait = start + due - performance.now();
    if (wait > 1) await sleep(wait);
    t.write(c);
    due += c.length * msPerByte;
  }
  return start;
}

/** Time from the first MP3 chunk written to the first Opus packet, once. */
async function firstPacketMs(factory: TranscoderFactory, chunks: Buffer[], msPerByte: number, leadMs: number): Promise<number> {
  const t = factory.create();
  try {
    let first = 0;
    t.opus.on('data', () => (first ||= performance.now()));
    const failed = new Promise<never>((_, reject) => t.opus.once('error', reject));
    failed.catch(() => undefined); // observed below via race; never an unhandled rejection
    if (leadMs > 0) await sleep(leadMs);
    const start = await Promise.race([feedRealTime(t, chunks, msPerByte, () => first > 0), failed]);
    const deadline = performance.now() + 10_000;
    while (!first) {
      if (performance.now() > deadline) throw new Error(`${factory.name}: no packet within 10 s`);
      await Promise.race([sleep(1), failed]);
    }
    return first - start;
  } finally {
    t.destroy();
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

interface WorkerResult {
  cpuSeconds: number;
  /** The part of cpuSeconds spent in ffmpeg processes. */
  childCpuSeconds: number;
  audioSeconds: number;
  memoryBytes: number;
}

/** Children's CPU (utime+stime of reaped children) of this process, in seconds, from /proc/self/stat. */
function reapedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
  return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime (#16, #17) in 1/100 s clock ticks
}

function childPeakRssBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** One real-time stream from create() to the end of its output; returns the child's peak RSS (0 in-process). */
async function stream(factory: TranscoderFactory, chunks: Buffer[], msPerByte: number, leadMs: number): Promise<number> {
  const t = factory.create();
  const pid = t instanceof FfmpegTranscoder ? t.pid : undefined;
  const done = new Promise<void>((res, rej) => {
    t.opus.on('data', () => undefined);
    t.opus.once('end', res);
    t.opus.once('error', rej);
  });
  await sleep(leadMs);
  await feedRealTime(t, chunks, msPerByte, () => false);
  const hwm = childPeakRssBytes(pid);
  t.end();
  await done;
  if (t instanceof FfmpegTranscoder) while (!t.exited) await sleep(5); // reaped, so its CPU is counted
  return hwm;
}

/** Worker side: N concurrent real-time streams of one pipeline; CPU and memory of this process and its children. */
async function measureStreams(id: string, streams: number, audioSeconds: number, chunkBytes: number, leadMs: number): Promise<WorkerResult> {
  const pipeline = PIPELINES.find((p) => p.id === id);
  if (!pipeline) throw new Error(`unknown pipeline ${id}`);
  const factory = pipeline.factory(ffmpegPath());
  const mp3 = await makeMp3({ seconds: audioSeconds, ...MP3 });
  const chunks = chunksOf(mp3, chunkBytes);
  const msPerByte = 8000 / MP3.bitrate;
  // Warm-up, unpaced: load modules, compile WASM, and let V8 optimise the hot loops as in a long-running bot.
  for (let i = 0; i < 3; i++) await stream(factory, chunks, 0, 0);

  const rss0 = process.memoryUsage.rss();
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
  const cpu0 = process.cpuUsage();
  const child0 = reapedChildrenCpuSeconds();
  try {
    const childPeaks = await Promise.all(Array.from({ length: streams }, () => stream(factory, chunks, msPerByte, leadMs)));
    const cpu = process.cpuUsage(cpu0);
    const childCpuSeconds = reapedChildrenCpuSeconds() - child0;
    const cpuSeconds = (cpu.user + cpu.system) / 1e6 + childCpuSeconds;
    peak = Math.max(peak, process.memoryUsage.rss());
    const memoryBytes = peak - rss0 + childPeaks.reduce((a, b) => a + b, 0);
    return { cpuSeconds, childCpuSeconds, audioSeconds: (mp3.length * msPerByte * streams) / 1000, memoryBytes };
  } finally {
    clearInterval(sampler);
  }
}

type Settings = Required<Omit<PipelineBenchOptions, 'outFile' | 'log' | 'pipelines'>>;

async function runWorker(id: string, o: Settings): Promise<WorkerResult> {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', id,
    String(o.streams), String(o.audioSeconds), String(o.chunkBytes), String(o.leadMs)];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as WorkerResult;
}

function machine(): string {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return `${model}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function markdown(rows: PipelineBenchRow[], o: Settings): string {
  const lines = [
    '# Audio pipeline benchmark',
    '',
    `Machine: ${machine()}.`,
    `Input: ${o.audioSeconds} s MP3 (${MP3.sampleRate / 1000} kHz mono, ${MP3.bitrate / 1000} kbps) in ${o.chunkBytes}-byte chunks paced at real time;`,
    `the transcoder is created ${o.leadMs} ms before the first chunk (T2A request in flight); "cold" creates it at the first chunk.`,
    `CPU and memory: ${o.streams} concurrent real-time streams in a fresh Node process, per stream: CPU = Node process + ffmpeg processes`,
    `(least of ${o.loadRuns} runs; the machine is shared), memory = peak RSS growth of the Node process (an upper bound: it includes`,
    'garbage not yet collected) + VmHWM of each ffmpeg process.',
    'Targets: first packet <= 25 ms p50; CPU <= 2% of a core per stream.',
    '',
    '| pipeline | runs | first packet p50 (ms) | p99 (ms) | cold p50 (ms) | CPU per stream (% of a core) | of which ffmpeg | memory per stream (MB) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.pipeline} | ${r.latencyRuns} | ${fmt(r.firstPacketP50Ms)} | ${fmt(r.firstPacketP99Ms)} | ${fmt(r.coldFirstPacketP50Ms)} | ${fmt(r.cpuPercentPerStream, 2)} | ${fmt(r.childCpuPercentPerStream, 2)} | ${fmt(r.memoryMbPerStream, 1)} |`),
    '',
  ];
  return lines.join('\n');
}

/** Measure every pipeline; returns the rows and the markdown table (also written to `outFile`). */
export async function runPipelineBench(options: PipelineBenchOptions = {}): Promise<PipelineBenchResult> {
  const o: Settings = {
    latencyRuns: options.latencyRuns ?? 20,
    baselineRuns: options.baselineRuns ?? 5,
    streams: options.streams ?? 10,
    loadRuns: options.loadRuns ?? 2,
    audioSeconds: options.audioSeconds ?? 5,
    chunkBytes: options.chunkBytes ?? 4096,
    leadMs: options.leadMs ?? 150,
  };
  const log = options.log ?? ((line: string) => console.log(line));
  const path = ffmpegPath();
  const mp3 = await makeMp3({ seconds: o.audioSeconds, ...MP3 });
  const chunks = chunksOf(mp3, o.chunkBytes);
  const msPerByte = 8000 / MP3.bitrate;
  const rows: PipelineBenchRow[] = [];
  for (const p of PIPELINES.filter((x) => !options.pipelines || options.pipelines.includes(x.id))) {
    const factory = p.factory(path);
    const runs = p.baseline ? o.baselineRuns : o.latencyRuns;
    await firstPacketMs(factory, chunks, msPerByte, o.leadMs); // warm-up
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) warm.push(await firstPacketMs(factory, chunks, msPerByte, o.leadMs));
    const cold: number[] = [];
    for (let i = 0; i < (p.baseline ? 3 : 10); i++) cold.push(await firstPacketMs(factory, chunks, msPerByte, 0));
    // Other work on a shared machine only ever adds CPU time: keep the quietest run.
    let load = await runWorker(p.id, o);
    for (let i = 1; i < (p.baseline ? 1 : o.loadRuns); i++) {
      const again = await runWorker(p.id, o);
      if (again.cpuSeconds < load.cpuSeconds) load = again;
    }
    const row: PipelineBenchRow = {
      pipeline: p.label,
      latencyRuns: runs,
      firstPacketP50Ms: percentile(warm, 50),
      firstPacketP99Ms: percentile(warm, 99),
      coldFirstPacketP50Ms: percentile(cold, 50),
      cpuPercentPerStream: (100 * load.cpuSeconds) / load.audioSeconds,
      childCpuPercentPerStream: (100 * load.childCpuSeconds) / load.audioSeconds,
      memoryMbPerStream: load.memoryBytes / o.streams / 1e6,
    };
    rows.push(row);
    log(`${p.id}: first packet p50 ${fmt(row.firstPacketP50Ms)} ms, p99 ${fmt(row.firstPacketP99Ms)} ms, cold ${fmt(row.coldFirstPacketP50Ms)} ms, CPU ${fmt(row.cpuPercentPerStream, 2)}%, ${fmt(row.memoryMbPerStream, 2)} MB/stream`);
  }
  const md = markdown(rows, o);
  const outFile = options.outFile === undefined ? resolve(ROOT, 'bench/results/pipeline.md') : options.outFile;
  if (outFile) {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, md);
  }
  return { rows, markdown: md };
}

const main = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (main) {
  const [flag, id, streams, seconds, chunkBytes, leadMs] = process.argv.slice(2);
  if (flag === '--worker' && id) {
    const result = await measureStreams(id, Number(streams), Number(seconds), Number(chunkBytes), Number(leadMs));
    console.log(JSON.stringify(result));
  } else {
    const { markdown: md } = await runPipelineBench();
    console.log(`\n${md}`);
  }
}
