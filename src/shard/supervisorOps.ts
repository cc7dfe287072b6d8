/**
 * The supervisor's HTTP endpoints on HTTP_PORT, so one scrape and one health check cover a sharded bot:
 * /metrics merges every shard process's metrics (asked over IPC, each series keeping its `shard` label) with the
 * supervisor's own through prom-client's AggregatorRegistry; /healthz is the supervisor's event loop and every
 * shard process up or being started again within its deadline; /readyz is every shard READY and ready by its own
 * account (Discord, the database, the MiniMax key).
 */
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import type { Verdict } from '../ops/health.js';
import { LoopWatch, type LoopWatchOptions } from '../ops/health.js';
import { startHttpServer, type OpsHttpServer } from '../ops/httpServer.js';
import type { ShardMetrics } from './ipc.js';
import type { RestartCause, ShardAnswer, ShardStatus } from './supervisor.js';

/** What the endpoints read of the supervisor. */
export interface Supervised {
  status(): ShardStatus[];
  scrape(timeoutMs?: number): Promise<ShardAnswer[]>;
  on(event: 'restart', listener: (shard: number, cause: RestartCause) => void): unknown;
}

/**
 * One exposition of several processes' metrics: one HELP and TYPE per name, series told apart by their labels
 * (every shard process labels its own with `shard`), series with the same labels summed. prom-client omits a
 * per-process value such as process_start_time_seconds when it aggregates a cluster; here each process's series
 * has its own label, so each is kept.
 */
export function mergeMetrics(sets: readonly ShardMetrics[]): Registry {
  const kept = sets.map((set) => set.map((m) => (m.aggregator === 'omit' ? { ...m, aggregator: 'first' as const } : m)));
  return AggregatorRegistry.aggregate(kept);
}

export class SupervisorOps {
  private readonly registry = new Registry();
  private readonly loop: LoopWatch;
  private server: OpsHttpServer | null = null;

  constructor(private readonly supervised: Supervised, private readonly options: { now?: () => number; loop?: LoopWatchOptions } = {}) {
    const registers = [this.registry];
    const restarts = new Counter({
      name: 'parrot_shard_restarts_total',
      help: 'Shard processes started again by the supervisor, by shard and cause (crash: it died; rolling: a rolling restart).',
      labelNames: ['shard', 'cause'],
      registers,
    });
    supervised.on('restart', (shard, cause) => restarts.labels(String(shard), cause).inc());
    const statuses = (): ShardStatus[] => supervised.status();
    new Gauge({
      name: 'parrot_shards_up', help: 'Shard processes of this host running with their Discord shard ready.', registers,
      collect() {
        this.set(statuses().filter((s) => s.ready).length);
      },
    });
    new Gauge({
      name: 'parrot_shards', help: 'Shard processes this host runs (SHARD_COUNT, or SHARD_IDS of it).', registers,
      collect() {
        this.set(statuses().length);
      },
    });
    this.loop = new LoopWatch(options.loop);
  }

  get url(): string | null {
    return this.server?.url ?? null;
  }

  async metrics(): Promise<{ contentType: string; body: string }> {
    const answers = await this.supervised.scrape();
    const sets = answers.flatMap((a) => (a.answer ? [a.answer.metrics] : []));
    const merged = mergeMetrics([await this.registry.getMetricsAsJSON(), ...sets]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }

  /** Alive: the supervisor's event loop runs, and no shard process is missing past its deadline. */
  health(): Verdict {
    const now = (this.options.now ?? Date.now)();
    const reasons = [...this.loop.check().reasons];
    for (const s of this.supervised.status()) {
      if (s.dueBy !== null && now > s.dueBy) reasons.push(`shard ${s.id} has no process and was due back ${Math.round((now - s.dueBy) / 1000)} s ago`);
    }
    return { ok: reasons.length === 0, reasons };
  }

  /** Ready: every shard process READY and ready by its own account. */
  async ready(): Promise<Verdict> {
    const reasons: string[] = [];
    const statuses = new Map(this.supervised.status().map((s) => [s.id, s]));
    for (const { id, answer } of await this.supervised.scrape()) {
      const status = statuses.get(id);
      if (!status?.ready) reasons.push(`shard ${id} is not ready (${status?.state === 'up' ? 'reconnecting to Discord' : status?.state ?? 'unknown'})`);
      else if (!answer) reasons.push(`shard ${id} did not answer`);
      else reasons.push(...answer.ready.reasons.map((r) => `shard ${id}: ${r}`));
    }
    return { ok: reasons.length === 0, reasons };
  }

  async listen(host: string, port: number): Promise<void> {
    try {
      this.server = await startHttpServer(host, port, { metrics: () => this.metrics(), health: () => this.health(), ready: () => this.ready() });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`cannot serve metrics on ${host}:${port} (HTTP_HOST, HTTP_PORT): ${why}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    this.loop.close();
    const server = this.server;
    this.server = null;
    await server?.close();
  }
}
