/**
 * Parrot's Prometheus metrics (prom-client), at the app edge: inner layers emit events (the SessionManager) or call
 * an observer (the T2A client), and this module turns them into counters and histograms. Gauges are read from the
 * sessions and the Discord client when Prometheus scrapes. Every sample carries a `shard` label (the process's
 * Discord shards, `0` when not sharded), so one Prometheus sees every process of a sharded bot side by side.
 * No label value comes from a user or a secret: outcomes, models, status codes and shard ids only.
 */
import { Status, type Client } from 'discord.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ItemReport, QueueItem, SessionManager } from '../session/index.js';
import type { T2AObserver } from '../t2a/types.js';

/** What ended an item: heard whole, stopped by /skip or /clear, cut off mid-speech, not heard, refused. */
export const OUTCOMES = ['played', 'skipped', 'cut', 'failed', 'refused'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The outcome counted for a report (a failure the author is told of). */
export function outcomeOf(kind: ItemReport['kind']): Outcome {
  switch (kind) {
    case 'cut':
      return 'cut';
    case 'failed':
      return 'failed';
    case 'skipped_content':
    case 'skipped_voice':
    case 'paused':
      return 'refused';
  }
}

/** What the metrics read at scrape time and listen to. */
export interface MetricSources {
  client: Client;
  sessions: SessionManager;
}

/** A MiniMax refusal of the key (1004, 2049): readiness reports it until a task starts again. */
export interface KeyRefusal {
  code: number | string;
}

export class Metrics {
  readonly registry = new Registry();
  /** The last refusal of the API key, cleared when MiniMax next accepts a task. */
  keyRefused: KeyRefusal | null = null;
  private readonly ttfa: Histogram;
  private readonly firstChunk: Histogram;
  private readonly billed: Counter<'model'>;
  private readonly minimaxErrors: Counter<'code'>;
  private readonly items: Counter<'outcome'>;
  private readonly underruns: Counter;
  private detachSessions: (() => void) | null = null;
  private sources: MetricSources | null = null;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.ttfa = new Histogram({
      name: 'parrot_time_to_first_audio_seconds',
      help: 'From a /speak or a message reaching the bot to the first voice packet of its speech.',
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
      registers,
    });
    this.firstChunk = new Histogram({
      name: 'parrot_minimax_first_chunk_seconds',
      help: 'From MiniMax being able to start on a text (sent, the text before it done) to its first audio chunk.',
      buckets: [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2, 5],
      registers,
    });
    this.billed = new Counter({ name: 'parrot_billed_characters_total', help: 'Characters MiniMax billed, by model.', labelNames: ['model'], registers });
    this.minimaxErrors = new Counter({
      name: 'parrot_minimax_errors_total',
      help: 'T2A connections that ended on a failure, by MiniMax status code or local kind (timeout, closed, protocol), before any retry.',
      labelNames: ['code'],
      registers,
    });
    this.items = new Counter({ name: 'parrot_items_total', help: 'Texts that left the queue, by outcome.', labelNames: ['outcome'], registers });
    for (const outcome of OUTCOMES) this.items.labels(outcome).inc(0);
    this.underruns = new Counter({
      name: 'parrot_underrun_frames_total',
      help: 'Silence frames inside speech: the player found no packet while MiniMax was still sending.',
      registers,
    });
    this.gauges(registers);
  }

  /** Hooks for the T2A client (see SynthesizerOptions.observer). */
  readonly t2a: T2AObserver = {
    taskStarted: () => {
      this.keyRefused = null;
    },
    firstChunk: (ms) => this.firstChunk.observe(ms / 1000),
    error: (error) => {
      this.minimaxErrors.labels(String(error.code)).inc();
      if (error.category === 'auth') this.keyRefused = { code: error.code };
    },
  };

  /** Starts listening to the sessions and reading the client at scrape time. */
  attach(sources: MetricSources): void {
    this.detach();
    this.sources = sources;
    const shard = sources.client.shard?.ids.join(',') ?? '0';
    this.registry.setDefaultLabels({ shard });
    const { sessions } = sources;
    // A skipped item whose synthesis had already ended is 'played' by the session too (after 'skipped'): not here.
    const skipped = new WeakSet<QueueItem>();
    const onPlayed = (_guild: string, item: QueueItem): void => {
      if (!skipped.has(item)) this.items.labels('played').inc();
    };
    const onSkipped = (_guild: string, item: QueueItem): void => {
      skipped.add(item);
      this.items.labels('skipped').inc();
    };
    const onReport = (_guild: string, report: ItemReport): void => this.items.labels(outcomeOf(report.kind)).inc();
    const onAudible = (_guild: string, item: QueueItem, at: number): void => this.ttfa.observe(Math.max(0, at - (item.receivedAt ?? item.enqueuedAt)) / 1000);
    const onUnderruns = (_guild: string, frames: number): void => this.underruns.inc(frames);
    const onBilled = (_guild: string, characters: number, model: string): void => this.billed.labels(model).inc(characters);
    sessions.on('played', onPlayed);
    sessions.on('skipped', onSkipped);
    sessions.on('report', onReport);
    sessions.on('audible', onAudible);
    sessions.on('underruns', onUnderruns);
    sessions.on('billed', onBilled);
    this.detachSessions = () => {
      sessions.off('played', onPlayed);
      sessions.off('skipped', onSkipped);
      sessions.off('report', onReport);
      sessions.off('audible', onAudible);
      sessions.off('underruns', onUnderruns);
      sessions.off('billed', onBilled);
    };
  }

  detach(): void {
    this.detachSessions?.();
    this.detachSessions = null;
    this.sources = null;
  }

  /** The Prometheus text exposition of every metric. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Gauges computed on scrape from the sessions and the Discord client. */
  private gauges(registers: Registry[]): void {
    const fromSessions = (name: string, help: string, read: (s: ReturnType<SessionManager['statuses']>) => number): void => {
      const sources = (): MetricSources | null => this.sources;
      new Gauge({
        name, help, registers,
        collect() {
          const s = sources();
          this.set(s ? read(s.sessions.statuses()) : 0);
        },
      });
    };
    fromSessions('parrot_voice_connections', 'Voice connections that are ready.', (all) => all.filter((s) => s.connection === 'ready').length);
    fromSessions('parrot_speaking_guilds', 'Servers where an item is being read now.', (all) => all.filter((s) => s.playing !== null).length);
    fromSessions('parrot_queue_length', 'Texts waiting to be read, over every server (the one being read not counted).', (all) => all.reduce((n, s) => n + s.queued, 0));
    const sources = (): MetricSources | null => this.sources;
    new Gauge({
      name: 'parrot_guilds', help: 'Servers the bot is in.', registers,
      collect() {
        this.set(sources()?.client.guilds.cache.size ?? 0);
      },
    });
    new Gauge({
      name: 'parrot_gateway_latency_seconds', help: 'Discord gateway heartbeat round trip, per Discord shard (none until the first heartbeat).', labelNames: ['shard'], registers,
      collect() {
        this.reset();
        for (const shard of sources()?.client.ws.shards.values() ?? []) if (shard.ping >= 0) this.labels(String(shard.id)).set(shard.ping / 1000);
      },
    });
    new Gauge({
      name: 'parrot_gateway_connected', help: '1 while the Discord shard is connected and ready, else 0.', labelNames: ['shard'], registers,
      collect() {
        this.reset();
        for (const shard of sources()?.client.ws.shards.values() ?? []) this.labels(String(shard.id)).set(shard.status === Status.Ready ? 1 : 0);
      },
    });
  }
}
