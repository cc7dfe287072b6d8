/**
 * What a shard process and its supervisor say to each other over the IPC channel discord.js's ShardingManager
 * opens (child_process.fork): the shard tells when the sessions recorded before its start were restored, and
 * answers the supervisor's scrape with its metrics (prom-client's JSON form) and its readiness. discord.js keeps
 * its own messages (`_ready`, `_eval`, ...); ours are tagged `parrot`, and discord.js passes them on untouched.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Verdict } from '../ops/health.js';

export type ShardMetrics = MetricObjectWithValues<MetricValue<string>>[];

/** From the supervisor: report your metrics and readiness, quoting `id`. */
export interface ScrapeRequest {
  parrot: 'scrape';
  id: number;
}

/** From a shard process. */
export type ShardMessage =
  | { parrot: 'restored' }
  | { parrot: 'scraped'; id: number; metrics: ShardMetrics; ready: Verdict };

export function isShardMessage(message: unknown): message is ShardMessage {
  if (typeof message !== 'object' || message === null) return false;
  const tag = (message as { parrot?: unknown }).parrot;
  if (tag === 'restored') return true;
  return tag === 'scraped' && typeof (message as { id?: unknown }).id === 'number' && Array.isArray((message as { metrics?: unknown }).metrics);
}

function isScrapeRequest(message: unknown): message is ScrapeRequest {
  return typeof message === 'object' && message !== null && (message as { parrot?: unknown }).parrot === 'scrape' && typeof (message as { id?: unknown }).id === 'number';
}

/** What a shard process's bot offers its supervisor. */
export interface ShardSide {
  /** Settles once the sessions recorded before the start were rejoined (or given up). */
  restored: Promise<void>;
  snapshot(): Promise<{ metrics: ShardMetrics; ready: Verdict }>;
}

/**
 * In a shard process: tells the supervisor once the sessions are restored and answers its scrapes. A process
 * without an IPC channel (not started by the supervisor) does nothing. Returns the function that stops answering.
 */
export function answerSupervisor(bot: ShardSide): () => void {
  if (!process.send) return () => undefined;
  const post = (message: ShardMessage): void => {
    // The channel closes when the supervisor goes: nothing to tell then (the callback takes the error).
    if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
  };
  void bot.restored.then(() => post({ parrot: 'restored' }));
  const onMessage = (message: unknown): void => {
    if (!isScrapeRequest(message)) return;
    void bot.snapshot().then(
      ({ metrics, ready }) => post({ parrot: 'scraped', id: message.id, metrics, ready }),
      (error: unknown) => post({ parrot: 'scraped', id: message.id, metrics: [], ready: { ok: false, reasons: [`metrics failed: ${String(error)}`] } }),
    );
  };
  process.on('message', onMessage);
  return () => process.off('message', onMessage);
}
