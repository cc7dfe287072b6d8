/**
 * What the operator sees of a running bot: metrics, liveness and readiness over HTTP (HTTP_PORT). Built before the
 * bot's parts (the T2A client needs its observer), attached to them once they exist, listening before the bot logs
 * in (so /readyz says "not connected to Discord yet" during start-up), closed last at stop.
 */
import type { Client } from 'discord.js';
import type { SessionManager } from '../session/index.js';
import type { Store } from '../store/types.js';
import type { T2AObserver } from '../t2a/types.js';
import { LoopWatch, readiness, type LoopWatchOptions, type ReadinessSources, type Verdict } from './health.js';
import { startHttpServer, type OpsHttpServer } from './httpServer.js';
import { Metrics } from './metrics.js';

export { HTTP_PATHS } from './httpServer.js';

export interface OpsOptions {
  /** null: no HTTP server (metrics are still counted, for nobody). */
  http: { host: string; port: number } | null;
  loop?: LoopWatchOptions;
}

export class Ops {
  readonly metrics = new Metrics();
  private ready: ReadinessSources | null = null;
  private loop: LoopWatch | null = null;
  private server: OpsHttpServer | null = null;
  private closed = false;

  constructor(private readonly options: OpsOptions) {}

  get t2aObserver(): T2AObserver {
    return this.metrics.t2a;
  }

  /** The server's base URL once listening (null without HTTP_PORT). */
  get url(): string | null {
    return this.server?.url ?? null;
  }

  attach(parts: { client: Client; sessions: SessionManager; store: Store }): void {
    this.metrics.attach(parts);
    this.ready = { client: parts.client, store: parts.store, keyRefused: () => this.metrics.keyRefused };
  }

  /** The metrics (prom-client's JSON form) and readiness, for the supervisor of a sharded bot (see shard/ipc.ts). */
  async snapshot(): Promise<{ metrics: Awaited<ReturnType<Metrics['registry']['getMetricsAsJSON']>>; ready: Verdict }> {
    return { metrics: await this.metrics.registry.getMetricsAsJSON(), ready: readiness(this.ready) };
  }

  /** Starts the HTTP server when HTTP_PORT is set; rejects with a message naming the address when it cannot. */
  async listen(): Promise<void> {
    const http = this.options.http;
    if (!http || this.server || this.closed) return;
    const loop = new LoopWatch(this.options.loop);
    try {
      this.server = await startHttpServer(http.host, http.port, {
        metrics: () => this.metrics.scrape(),
        health: () => loop.check(),
        ready: () => readiness(this.ready),
      });
      this.loop = loop;
    } catch (error) {
      loop.close();
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`cannot serve metrics on ${http.host}:${http.port} (HTTP_HOST, HTTP_PORT): ${why}`, { cause: error });
    }
  }

  /** Stops listening to the bot and closes the server. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.metrics.detach();
    this.loop?.close();
    this.loop = null;
    const server = this.server;
    this.server = null;
    await server?.close();
  }
}
