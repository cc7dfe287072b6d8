import type { QueueItem, QueueItemInput } from './types.js';

export interface QueueLimits {
  maxPerGuild: number;
  maxPerUser: number;
}

export type PushResult = { ok: true; position: number; item: QueueItem } | { ok: false; reason: 'guild_queue_full' | 'user_queue_full' };

/**
 * A guild's FIFO of texts (never audio), bounded in total and per author so one member's flood cannot push
 * everyone else out. Order is arrival order: a conversation is read as it happened.
 */
export class Queue {
  private readonly items: QueueItem[] = [];
  private nextId = 1;

  constructor(
    private readonly limits: QueueLimits,
    private readonly now: () => number,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /**
   * Adds an item unless a bound is reached. `ahead` are the items already out of the queue but not finished
   * (playing, prefetched, awaiting a retry): they count against the bounds too.
   */
  push(input: QueueItemInput, ahead: readonly QueueItem[] = []): PushResult {
    const line = [...ahead, ...this.items];
    if (line.length >= this.limits.maxPerGuild) return { ok: false, reason: 'guild_queue_full' };
    const mine = line.reduce((n, i) => n + (i.authorId === input.authorId ? 1 : 0), 0);
    if (mine >= this.limits.maxPerUser) return { ok: false, reason: 'user_queue_full' };
    const item: QueueItem = { ...input, id: this.nextId++, enqueuedAt: this.now() };
    this.items.push(item);
    return { ok: true, position: line.length + 1, item };
  }

  shift(): QueueItem | undefined {
    return this.items.shift();
  }

  /** The waiting items, in order (a copy). */
  list(): QueueItem[] {
    return [...this.items];
  }

  /** Empties the queue and returns what was removed. */
  drain(): QueueItem[] {
    return this.items.splice(0, this.items.length);
  }
}
