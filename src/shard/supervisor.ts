/**
 * The supervisor of a sharded bot: one process per shard of this host through discord.js's ShardingManager, whose
 * own respawn is off because it would fork a crashing shard again at once. Here every start goes through one queue
 * and waits for Discord's IDENTIFY spacing (SPAWN_DELAY after the previous shard's READY); a shard that dies is
 * started again after a back-off that doubles while it keeps dying; a rolling restart stops one shard process
 * (its normal shutdown: it leaves voice and settles usage), starts it again and waits until it is READY and its
 * sessions are restored before it touches the next. Every wait has a deadline.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ShardingManager, type Shard } from 'discord.js';
import type { Verdict } from '../ops/health.js';
import type { Logger } from '../log.js';
import { untilChild, within } from './deadlines.js';
import { isShardMessage, type ShardMessage, type ShardMetrics } from './ipc.js';

export interface SupervisorTimings {
  /** Discord: one IDENTIFY per 5 s (max_concurrency 1); counted from the previous shard's READY. */
  spawnDelayMs: number;
  /** How long a shard process gets to become READY. */
  readyTimeoutMs: number;
  /** How long a shard process gets to leave its voice channels and exit before it is killed. */
  exitDeadlineMs: number;
  /** How long a rolling restart waits for a restarted shard's sessions to be restored before it goes on. */
  restoreTimeoutMs: number;
  /** Back-off before a dead shard is started again: first, doubled while it keeps dying, at most max. */
  backoffMs: { first: number; max: number };
  /** A shard that was READY this long before it died starts its back-off from the first step again. */
  stableMs: number;
}

export const DEFAULT_TIMINGS: SupervisorTimings = {
  spawnDelayMs: 5_500,
  readyTimeoutMs: 60_000,
  exitDeadlineMs: 12_000,
  restoreTimeoutMs: 60_000,
  backoffMs: { first: 1_000, max: 30_000 },
  stableMs: 60_000,
};

export type ShardState = 'queued' | 'starting' | 'up' | 'stopping' | 'down';
export type RestartCause = 'crash' | 'rolling';

export interface ShardStatus {
  id: number;
  state: ShardState;
  /** The process is running and its Discord shard READY. */
  ready: boolean;
  /** A shard without a process must have one again by then (null: it is up, or waits for its first start). */
  dueBy: number | null;
}

export interface ShardAnswer {
  id: number;
  /** null: no process, or it did not answer in time. */
  answer: { metrics: ShardMetrics; ready: Verdict } | null;
}

interface Slot {
  id: number;
  shard: Shard;
  state: ShardState;
  child: ChildProcess | null;
  /** The next exit is the supervisor's doing (rolling restart, stop), not a crash. */
  planned: boolean;
  restored: boolean;
  readyAt: number | null;
  dueBy: number | null;
  /** Deaths in a row without a stable run in between. */
  streak: number;
  respawn: NodeJS.Timeout | null;
  starting: Promise<boolean> | null;
}

export interface SupervisorOptions {
  file: string;
  token: string;
  count: number;
  ids: readonly number[];
  logger: Logger;
  timings?: Partial<SupervisorTimings>;
  now?: () => number;
}

/** Emits 'restart' (shardId, cause) each time a shard process is started again. */
export class ShardSupervisor extends EventEmitter<{ restart: [number, RestartCause]; message: [number, ShardMessage] }> {
  readonly manager: ShardingManager;
  private readonly slots: Slot[];
  private readonly timings: SupervisorTimings;
  private readonly logger: Logger;
  private readonly now: () => number;
  private queue: Promise<unknown> = Promise.resolve();
  private lastReadyAt: number | null = null;
  private rolling = false;
  private started = false;
  private stopping = false;
  private scrapes = 0;
  /** Aborted by stop(): cuts the IDENTIFY-spacing wait of a start that will not happen. */
  private readonly stopped = new AbortController();

  constructor(private readonly options: SupervisorOptions) {
    super();
    // Every scrape and wait listens for a shard's answer here: as many at once as shards times concurrent scrapes.
    this.setMaxListeners(0);
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.manager = new ShardingManager(options.file, {
      totalShards: options.count,
      shardList: [...options.ids],
      token: options.token,
      mode: 'process',
      respawn: false,
      // The shard processes run the same way as this one (e.g. tsx's loader).
      execArgv: process.execArgv,
    });
    this.slots = options.ids.map((id) => {
      const shard = this.manager.createShard(id);
      const slot: Slot = { id, shard, state: 'queued', child: null, planned: false, restored: false, readyAt: null, dueBy: null, streak: 0, respawn: null, starting: null };
      shard.on('message', (message: unknown) => {
        if (!isShardMessage(message)) return;
        if (message.parrot === 'restored') slot.restored = true;
        this.emit('message', id, message);
      });
      return slot;
    });
  }

  /** Starts every shard, one after another; rejects (after stopping them all) if one does not become READY. */
  async start(): Promise<void> {
    for (const slot of this.slots) {
      if (await this.startSlot(slot)) continue;
      await this.stop();
      throw new Error(`shard ${slot.id} did not become ready within ${this.timings.readyTimeoutMs / 1000} s`);
    }
    this.started = true;
    this.logger.info('all shards ready', { shards: this.slots.length, of: this.options.count });
  }

  status(): ShardStatus[] {
    return this.slots.map((s) => ({ id: s.id, state: s.state, ready: s.state === 'up' && s.shard.ready, dueBy: s.child ? null : s.dueBy }));
  }

  /**
   * Restarts the shard processes one at a time; resolves true once every one is READY again with its sessions
   * restored, false when it stopped early (a shard did not come back, the supervisor is stopping, or a rolling
   * restart was already under way).
   */
  async rollingRestart(): Promise<boolean> {
    if (this.rolling || this.stopping || !this.started) {
      this.logger.warn('a rolling restart is already under way (or the shards are still starting, or stopping); this one is ignored');
      return false;
    }
    this.rolling = true;
    try {
      this.logger.info('rolling restart: one shard process at a time', { shards: this.slots.map((s) => s.id).join(',') });
      for (const slot of this.slots) {
        if (slot.starting) await slot.starting;
        if (slot.respawn) clearTimeout(slot.respawn);
        slot.respawn = null;
        if (this.stopping) return false;
        this.logger.info('rolling restart: stopping shard process', { shard: slot.id });
        await this.stopSlot(slot);
        if (this.stopping) return false;
        this.emit('restart', slot.id, 'rolling');
        if (!(await this.startSlot(slot))) {
          this.logger.error('rolling restart stopped: the shard did not come back ready; the other shards keep running', { shard: slot.id });
          return false;
        }
        if (!(await this.restored(slot))) {
          this.logger.warn('rolling restart: sessions not restored in time; going on', { shard: slot.id, waitedMs: this.timings.restoreTimeoutMs });
        }
      }
      this.logger.info('rolling restart done');
      return true;
    } finally {
      this.rolling = false;
    }
  }

  /** Each shard process's metrics and readiness, asked over IPC; a shard that does not answer within `timeoutMs` gets null. */
  scrape(timeoutMs = 3_000): Promise<ShardAnswer[]> {
    return Promise.all(this.slots.map(async (slot): Promise<ShardAnswer> => {
      // Only a READY shard answers: one still starting has not set up its answering yet.
      const child = slot.child;
      if (!child?.connected || slot.state !== 'up') return { id: slot.id, answer: null };
      const id = ++this.scrapes;
      const answer = await untilChild<ShardAnswer['answer']>(child, timeoutMs, null, (done) => {
        const onMessage = (shardId: number, message: ShardMessage): void => {
          if (shardId === slot.id && message.parrot === 'scraped' && message.id === id) done({ metrics: message.metrics, ready: message.ready });
        };
        this.on('message', onMessage);
        child.send({ parrot: 'scrape', id }, (error) => {
          if (error) done(null);
        });
        return () => this.off('message', onMessage);
      });
      return { id: slot.id, answer };
    }));
  }

  /** Stops every shard process (each leaves its voice channels) and waits for them, within the deadline. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    for (const slot of this.slots) {
      if (slot.respawn) clearTimeout(slot.respawn);
      slot.respawn = null;
    }
    await Promise.all(this.slots.map((slot) => this.stopSlot(slot)));
  }

  /** Starts the slot's process through the queue (one start at a time, IDENTIFY spacing); true once it is READY. */
  private startSlot(slot: Slot): Promise<boolean> {
    slot.starting ??= this.enqueue(async () => {
      if (this.stopping) return false;
      const wait = this.lastReadyAt === null ? 0 : this.lastReadyAt + this.timings.spawnDelayMs - this.now();
      if (wait > 0) await sleep(wait, undefined, { signal: this.stopped.signal }).catch(() => undefined);
      if (this.stopping) return false;
      return this.launch(slot);
    }).finally(() => {
      slot.starting = null;
    });
    return slot.starting;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async launch(slot: Slot): Promise<boolean> {
    slot.state = 'starting';
    slot.restored = false;
    slot.planned = false;
    slot.readyAt = null;
    let child: ChildProcess;
    try {
      child = await slot.shard.spawn(-1);
    } catch (error) {
      // fork() itself failed (no memory, too many processes): the shard stays down, and /healthz says so.
      this.logger.error('could not start the shard process', { shard: slot.id, error: error instanceof Error ? error.message : String(error) });
      slot.state = 'down';
      slot.dueBy ??= this.now();
      return false;
    }
    slot.child = child;
    child.once('exit', (code, signal) => this.exited(slot, child, code, signal));
    if (this.stopping) {
      await this.stopSlot(slot);
      return false;
    }
    this.logger.info('shard process started', { shard: slot.id, of: this.options.count, pid: child.pid });
    if (await this.readyOf(slot, child)) {
      this.lastReadyAt = slot.readyAt = this.now();
      slot.state = 'up';
      slot.dueBy = null;
      return true;
    }
    if (slot.child === child) {
      this.logger.error('shard process not ready in time; stopping it', { shard: slot.id, waitedMs: this.timings.readyTimeoutMs });
      await this.terminate(child);
    }
    return false;
  }

  /** True once the slot's shard is READY; false if the process exits first or the deadline passes. */
  private readyOf(slot: Slot, child: ChildProcess): Promise<boolean> {
    return untilChild(child, this.timings.readyTimeoutMs, false, (done) => {
      const onReady = (): void => done(true);
      slot.shard.on('ready', onReady);
      return () => slot.shard.off('ready', onReady);
    });
  }

  /** True once the slot's process reported its sessions restored; false at its exit or the deadline. */
  private restored(slot: Slot): Promise<boolean> {
    if (slot.restored) return Promise.resolve(true);
    const child = slot.child;
    if (!child) return Promise.resolve(false);
    return untilChild(child, this.timings.restoreTimeoutMs, false, (done) => {
      const onMessage = (id: number, message: ShardMessage): void => {
        if (id === slot.id && message.parrot === 'restored') done(true);
      };
      this.on('message', onMessage);
      return () => this.off('message', onMessage);
    });
  }

  private exited(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    slot.child = null;
    slot.state = 'down';
    const t = this.now();
    // Whatever happens next, the shard must be up again by then: the longest back-off, its turn in the queue, READY.
    const t1 = this.timings;
    slot.dueBy ??= t + t1.backoffMs.max + t1.exitDeadlineMs + t1.readyTimeoutMs + t1.spawnDelayMs * this.slots.length;
    if (slot.planned || this.stopping) {
      slot.planned = false;
      return;
    }
    slot.streak = slot.readyAt !== null && t - slot.readyAt >= t1.stableMs ? 1 : slot.streak + 1;
    const delay = Math.min(t1.backoffMs.first * 2 ** (slot.streak - 1), t1.backoffMs.max);
    this.logger.error('shard process died; starting it again', { shard: slot.id, code, signal, inMs: delay });
    this.emit('restart', slot.id, 'crash');
    slot.respawn = setTimeout(() => {
      slot.respawn = null;
      void this.startSlot(slot);
    }, delay);
  }

  /** The slot's process, stopped on purpose (no respawn follows). */
  private async stopSlot(slot: Slot): Promise<void> {
    const child = slot.child;
    if (!child) return;
    slot.planned = true;
    slot.state = 'stopping';
    await this.terminate(child);
  }

  /** SIGTERM (the shard's own shutdown), SIGKILL past the exit deadline; resolves once it exited (or gave up). */
  private async terminate(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exit = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
    child.kill('SIGTERM');
    if (await within(exit, this.timings.exitDeadlineMs)) return;
    this.logger.warn('shard process did not stop in time; killing it', { pid: child.pid, waitedMs: this.timings.exitDeadlineMs });
    child.kill('SIGKILL');
    await within(exit, 5_000);
  }
}
