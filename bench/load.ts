/**
 * Load benchmark: for each step, a fresh bot process (bench/loadWorker.ts) with its fakes in a child of its
 * own; N guilds speak at once. CPU and memory are the bot process's own (the fakes' work is not counted).
 * A last process measures guilds the bot is in but not speaking.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AudioFormat } from '../src/config.js';
import type { IdleStepResult, LoadWorkerInput, LoadWorkerResult, SpeakStepResult } from './loadTypes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORKER = resolve(ROOT, 'bench/loadWorker.ts');

export interface LoadBenchOptions {
  /** Guilds speaking at once, one step each (default 1, 10, 50, 100). */
  steps?: number[];
  /** The same with AUDIO_FORMAT=opus (MiniMax's Opus passed through), not judged by the targets (default 1, 10, 50, 100). */
  opusSteps?: number[];
  /** The MP3 steps again with transport encryption only (no DAVE), beside the DAVE-on ones (default 1, 10, 50). */
  transportSteps?: number[];
  /** Audio per guild per step (default 15 s). */
  audioMs?: number;
  /** Runs of each step, each in a fresh process (default 2): the machine is shared, so one run can be unlucky. */
  repeats?: number;
  /** Guilds added for the idle-memory measurement (default 1000). */
  idleGuilds?: number;
  firstChunkMs?: number;
  /** MiniMax pacing during the load steps (default 0.8: a little faster than real time). */
  realtimeFactor?: number;
  log?: (line: string) => void;
}

export type LoadSettings = Required<Omit<LoadBenchOptions, 'log'>>;

export interface LoadBenchResult {
  settings: LoadSettings;
  /** The default, MP3 with DAVE on (as Discord requires): what the targets are judged on. */
  steps: SpeakStepResult[];
  /** MP3 with transport encryption only (absent in results written before DAVE was measured). */
  transportSteps?: SpeakStepResult[];
  /** AUDIO_FORMAT=opus (absent in results written before it was measured). */
  opusSteps?: SpeakStepResult[];
  idle: IdleStepResult;
}

export function loadSettings(options: LoadBenchOptions = {}): LoadSettings {
  return {
    steps: options.steps ?? [1, 10, 50, 100],
    opusSteps: options.opusSteps ?? [1, 10, 50, 100],
    transportSteps: options.transportSteps ?? [1, 10, 50],
    audioMs: options.audioMs ?? 15_000,
    repeats: options.repeats ?? 2,
    idleGuilds: options.idleGuilds ?? 1000,
    firstChunkMs: options.firstChunkMs ?? 250,
    realtimeFactor: options.realtimeFactor ?? 0.8,
  };
}

/** Runs one worker process to its end; resolves with its JSON result. */
export function runLoadWorker(input: LoadWorkerInput, timeoutMs: number): Promise<LoadWorkerResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', WORKER, JSON.stringify(input)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`load worker ${JSON.stringify(input)} ${signal ? `killed (${signal}${signal === 'SIGKILL' ? `, over ${timeoutMs} ms` : ''})` : `exited with ${code}`}`));
        return;
      }
      try {
        resolvePromise(JSON.parse(last) as LoadWorkerResult);
      } catch (error) {
        reject(new Error(`load worker printed no result (last line: ${last.slice(0, 200)})`, { cause: error }));
      }
    });
  });
}

export async function runLoadBench(options: LoadBenchOptions = {}): Promise<LoadBenchResult> {
  const settings = loadSettings(options);
  const log = options.log ?? (() => undefined);
  const speak = async (audioFormat: AudioFormat, stepGuilds: number[], dave = true): Promise<SpeakStepResult[]> => {
    const results: SpeakStepResult[] = [];
    for (const guilds of stepGuilds) {
      for (let run = 1; run <= settings.repeats; run++) {
        const input: LoadWorkerInput = {
          mode: 'speak', guilds, audioMs: settings.audioMs, firstChunkMs: settings.firstChunkMs, realtimeFactor: settings.realtimeFactor, audioFormat, dave,
        };
        const result = await runLoadWorker(input, settings.audioMs + 180_000);
        if (result.mode !== 'speak') throw new Error('load worker answered the wrong mode');
        results.push({ ...result, run });
        log(`load (${audioFormat}${dave ? ', DAVE' : ', transport only'}): ${guilds} guilds, run ${run}: CPU ${((100 * result.cpuSeconds) / result.audioSeconds).toFixed(2)}% per stream, `
          + `peak RSS ${(result.peakRssBytes / 1e6).toFixed(0)} MB, ${result.underrunFrames} underrun frames`);
      }
    }
    return results;
  };
  const steps = await speak('mp3', settings.steps);
  const transportSteps = await speak('mp3', settings.transportSteps, false);
  const opusSteps = await speak('opus', settings.opusSteps);
  const idle = await runLoadWorker({ mode: 'idle', guilds: settings.idleGuilds }, 180_000);
  if (idle.mode !== 'idle') throw new Error('load worker answered the wrong mode');
  log(`load: ${settings.idleGuilds} idle guilds: ${((idle.afterHeapBytes - idle.beforeHeapBytes) / settings.idleGuilds / 1024).toFixed(1)} KB each`);
  return { settings, steps, transportSteps, opusSteps, idle };
}
