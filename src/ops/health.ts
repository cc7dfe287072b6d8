/**
 * Liveness and readiness, for /healthz and /readyz. Liveness: the event loop is not stalled (Node's own event-loop
 * delay histogram, read once a second). Readiness: Discord connected, the database answering, MiniMax not refusing
 * the key. Each check answers with the reasons it failed, in words an operator can act on.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Status, type Client } from 'discord.js';
import type { Store } from '../store/types.js';
import type { KeyRefusal } from './metrics.js';

export interface Verdict {
  ok: boolean;
  /** Why not (empty when ok). */
  reasons: string[];
}

export interface LoopWatchOptions {
  /** Unhealthy when the event loop was held up longer than this in the recent window. Default 2000 ms. */
  stallMs?: number;
  /** How often the delay is read. Default 1000 ms. */
  sampleMs?: number;
  /** How many samples make the recent window. Default 10. */
  windowSamples?: number;
  now?: () => number;
}

/**
 * Watches the event loop: the longest delay of each sample period (perf_hooks' histogram), and whether the sampling
 * timer itself ran late, which is what a loop stalled right now looks like to the next request that gets through.
 */
export class LoopWatch {
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private readonly recent: number[] = [];
  private lastSample: number;
  private readonly stallMs: number;
  private readonly sampleMs: number;
  private readonly windowSamples: number;
  private readonly now: () => number;

  constructor(options: LoopWatchOptions = {}) {
    this.stallMs = options.stallMs ?? 2000;
    this.sampleMs = options.sampleMs ?? 1000;
    this.windowSamples = options.windowSamples ?? 10;
    this.now = options.now ?? (() => performance.now());
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
    this.lastSample = this.now();
    this.timer = setInterval(() => this.sample(), this.sampleMs).unref();
  }

  /** The longest event-loop delay seen in the recent window, in ms (the current period included). */
  get worstDelayMs(): number {
    const current = this.histogram.count > 0 ? this.histogram.max / 1e6 : 0;
    return Math.max(current, this.now() - this.lastSample - this.sampleMs, ...this.recent);
  }

  check(): Verdict {
    const worst = this.worstDelayMs;
    if (worst <= this.stallMs) return { ok: true, reasons: [] };
    return { ok: false, reasons: [`the event loop was stalled for ${Math.round(worst)} ms (limit ${this.stallMs} ms)`] };
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private sample(): void {
    const t = this.now();
    const late = t - this.lastSample - this.sampleMs;
    this.lastSample = t;
    const worst = Math.max(late, this.histogram.count > 0 ? this.histogram.max / 1e6 : 0);
    this.histogram.reset();
    this.recent.push(worst);
    if (this.recent.length > this.windowSamples) this.recent.shift();
  }
}

export interface ReadinessSources {
  client: Client;
  store: Store;
  keyRefused: () => KeyRefusal | null;
}

/** Ready: every Discord shard connected, the database answering a read, MiniMax not refusing the key. */
export function readiness(sources: ReadinessSources | null): Verdict {
  if (!sources) return { ok: false, reasons: ['starting'] };
  const reasons: string[] = [];
  const { client } = sources;
  const shards = [...client.ws.shards.values()];
  if (!client.isReady() || shards.length === 0) reasons.push('not connected to Discord yet');
  else {
    const down = shards.filter((s) => s.status !== Status.Ready).map((s) => `${s.id} (${Status[s.status] ?? s.status})`);
    if (down.length > 0) reasons.push(`Discord shard not connected: ${down.join(', ')}`);
  }
  // The bot's store keeps speech going through database failures (ResilientStore), so a read that works says
  // little: its health says whether the database can be written. A store without one is probed with a read.
  const health = sources.store.health?.();
  if (health && !health.ok) reasons.push(`the database is not usable: ${health.reason}`);
  if (!health) {
    try {
      sources.store.getPlayoutDelay();
    } catch (error) {
      reasons.push(`the database is not usable: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const refused = sources.keyRefused();
  if (refused) reasons.push(`MiniMax refused the API key (${refused.code}): check MINIMAX_API_KEY and MINIMAX_REGION`);
  return { ok: reasons.length === 0, reasons };
}
