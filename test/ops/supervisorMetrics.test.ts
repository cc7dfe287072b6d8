/**
 * The supervisor's view of a sharded bot: the metrics of several processes merged into one exposition (checked
 * line by line as Prometheus reads it), and /healthz and /readyz computed from the shard processes' states.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShardMetrics } from '../../src/shard/ipc.js';
import { SupervisorOps, mergeMetrics, type Supervised } from '../../src/shard/supervisorOps.js';
import type { ShardAnswer, ShardStatus } from '../../src/shard/supervisor.js';
import { parseExposition, sample } from './helpers.js';

/** One shard process's registry as the bot builds it: default metrics, a counter, a histogram, labelled with its shard. */
async function shardMetrics(shard: string, played: number, seconds: number[]): Promise<ShardMetrics> {
  const registry = new Registry();
  registry.setDefaultLabels({ shard });
  collectDefaultMetrics({ register: registry });
  const items = new Counter({ name: 'parrot_items_total', help: 'Texts that left the queue, by outcome.', labelNames: ['outcome'], registers: [registry] });
  items.labels('played').inc(played);
  const ttfa = new Histogram({ name: 'parrot_time_to_first_audio_seconds', help: 'Time to first audio.', buckets: [0.5, 1], registers: [registry] });
  for (const s of seconds) ttfa.observe(s);
  return registry.getMetricsAsJSON();
}

describe('mergeMetrics', () => {
  it('gives one HELP and TYPE per name, and keeps every shard process series apart by its shard label', async () => {
    const text = await mergeMetrics([await shardMetrics('0', 3, [0.2]), await shardMetrics('1', 5, [0.7, 2])]).metrics();
    const families = parseExposition(text);
    expect(families.get('parrot_items_total')?.type).toBe('counter');
    expect(sample(text, 'parrot_items_total', { outcome: 'played', shard: '0' })).toBe(3);
    expect(sample(text, 'parrot_items_total', { outcome: 'played', shard: '1' })).toBe(5);
    expect(sample(text, 'parrot_time_to_first_audio_seconds_bucket', { le: '0.5', shard: '0' })).toBe(1);
    expect(sample(text, 'parrot_time_to_first_audio_seconds_bucket', { le: '1', shard: '1' })).toBe(1);
    expect(sample(text, 'parrot_time_to_first_audio_seconds_count', { shard: '1' })).toBe(2);
    // Per-process values prom-client's cluster aggregation would drop or keep once are kept for each process.
    for (const shard of ['0', '1']) {
      expect(sample(text, 'process_start_time_seconds', { shard })).toBeGreaterThan(0);
      expect(sample(text, 'nodejs_version_info', { shard })).toBe(1);
      expect(sample(text, 'process_cpu_seconds_total', { shard })).toBeGreaterThanOrEqual(0);
    }
  });

  it('sums series with the same labels (counters and histogram buckets alike)', async () => {
    const text = await mergeMetrics([await shardMetrics('0', 2, [0.2]), await shardMetrics('0', 3, [0.3, 0.9])]).metrics();
    parseExposition(text);
    expect(sample(text, 'parrot_items_total', { outcome: 'played', shard: '0' })).toBe(5);
    expect(sample(text, 'parrot_time_to_first_audio_seconds_bucket', { le: '0.5', shard: '0' })).toBe(2);
    expect(sample(text, 'parrot_time_to_first_audio_seconds_bucket', { le: '1', shard: '0' })).toBe(3);
    expect(sample(text, 'parrot_time_to_first_audio_seconds_count', { shard: '0' })).toBe(3);
  });
});

describe('SupervisorOps', () => {
  let ops: SupervisorOps | undefined;
  afterEach(async () => {
    await ops?.close();
    ops = undefined;
  });

  /** Shard processes in the given states, as the supervisor reports them; each answers a scrape unless told not to. */
  function shards(statuses: ShardStatus[], answers: Record<number, ShardAnswer['answer']> = {}): Supervised & { restart(shard: number): void } {
    let onRestart: ((shard: number, cause: 'crash' | 'rolling') => void) | undefined;
    return {
      status: () => statuses,
      scrape: () => Promise.resolve(statuses.map((s) => ({ id: s.id, answer: s.id in answers ? answers[s.id]! : { metrics: [], ready: { ok: true, reasons: [] } } }))),
      on: (_event, listener) => (onRestart = listener),
      restart: (shard) => onRestart?.(shard, 'crash'),
    };
  }
  const up = (id: number): ShardStatus => ({ id, state: 'up', ready: true, dueBy: null });

  it('is healthy while a dead shard process is within its respawn deadline, unhealthy past it', () => {
    let now = 1_000;
    const s = shards([up(0), { id: 1, state: 'down', ready: false, dueBy: 5_000 }]);
    ops = new SupervisorOps(s, { now: () => now });
    expect(ops.health()).toEqual({ ok: true, reasons: [] });
    now = 5_001;
    expect(ops.health()).toEqual({ ok: false, reasons: ['shard 1 has no process and was due back 0 s ago'] });
  });

  it('is ready only when every shard process is READY and ready by its own account', async () => {
    ops = new SupervisorOps(shards([up(0), up(1)]));
    expect(await ops.ready()).toEqual({ ok: true, reasons: [] });
    ops = new SupervisorOps(shards([up(0), { id: 1, state: 'starting', ready: false, dueBy: null }]));
    expect(await ops.ready()).toEqual({ ok: false, reasons: ['shard 1 is not ready (starting)'] });
    ops = new SupervisorOps(shards([up(0), up(1)], { 0: { metrics: [], ready: { ok: false, reasons: ['the database is not usable: gone'] } }, 1: null }));
    expect(await ops.ready()).toEqual({ ok: false, reasons: ['shard 0: the database is not usable: gone', 'shard 1 did not answer'] });
  });

  it("serves its own metrics with the shards': restarts by shard and cause, shards up", async () => {
    const s = shards([up(0), { id: 1, state: 'down', ready: false, dueBy: null }], { 0: { metrics: await shardMetrics('0', 1, []), ready: { ok: true, reasons: [] } }, 1: null });
    ops = new SupervisorOps(s);
    s.restart(1);
    s.restart(1);
    const { body } = await ops.metrics();
    parseExposition(body);
    expect(sample(body, 'parrot_shard_restarts_total', { shard: '1', cause: 'crash' })).toBe(2);
    expect(sample(body, 'parrot_shards_up')).toBe(1);
    expect(sample(body, 'parrot_shards')).toBe(2);
    expect(sample(body, 'parrot_items_total', { shard: '0' })).toBe(1);
  });
});
