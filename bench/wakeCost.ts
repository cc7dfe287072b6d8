/**
 * The floor under "CPU per stream" at one guild: what this machine charges a Node process for waking every 20 ms
 * (the pace of @discordjs/voice's audio cycle) with nothing to do, and with one UDP packet to send each time to
 * another process. Each is measured in a fresh process (bench/wakeProbe.mjs); least of a few runs.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fmt } from './stats.js';

const PROBE = fileURLToPath(new URL('./wakeProbe.mjs', import.meta.url));
const MODES = ['idle', 'tick', 'tick+udp'] as const;
type Mode = (typeof MODES)[number];

export interface WakeCostRow {
  mode: Mode;
  /** % of one core. */
  cpuPercent: number;
}

export interface WakeCostOptions {
  seconds?: number;
  runs?: number;
}

export async function runWakeCostBench(options: WakeCostOptions = {}): Promise<WakeCostRow[]> {
  const seconds = options.seconds ?? 5;
  const rows: WakeCostRow[] = [];
  for (const mode of MODES) {
    let best = Infinity;
    for (let run = 0; run < (options.runs ?? 3); run++) {
      const { stdout } = await promisify(execFile)(process.execPath, [PROBE, mode, String(seconds)], { timeout: seconds * 1000 + 30_000 });
      const { cpuMs } = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { cpuMs: number };
      best = Math.min(best, (100 * cpuMs) / (seconds * 1000));
    }
    rows.push({ mode, cpuPercent: best });
  }
  return rows;
}

const LABELS: Record<Mode, string> = {
  idle: 'asleep (one 5 s timer)',
  tick: 'waking every 20 ms, nothing else',
  'tick+udp': 'waking every 20 ms and sending one 160-byte UDP packet to another process',
};

export function wakeCostMarkdown(rows: WakeCostRow[]): string {
  return [
    '### The fixed price of a 20 ms cycle on this machine (bench/wakeProbe.mjs, fresh process each, least of 3 runs)',
    '',
    '| a Node process ... | CPU (% of a core) |',
    '|---|---|',
    ...rows.map((r) => `| ${LABELS[r.mode]} | ${fmt(r.cpuPercent, 2)} |`),
    '',
    'A speaking bot wakes at least this often (the player sends a packet every 20 ms, whatever the number of guilds),',
    'so on this virtual machine one guild speaking alone pays this on top of its own decoding and encoding.',
    '',
  ].join('\n');
}
