/**
 * The queue's items as the store keeps them (issue 17): a row per accepted text while it is queued or being read,
 * so that a process that dies (a crash, kill -9, a shard respawned) can, in its next life, tell the authors what
 * was cut. Only who and where are kept, never the text (see store/PendingItem).
 */
import { randomUUID } from 'node:crypto';
import type { PendingItem, Store } from '../store/types.js';
import type { QueueItem } from './types.js';

export class PendingItems {
  /** This life of the process: its items' keys start with it, so items of earlier lives can be told apart. */
  readonly life = randomUUID();
  private seq = 0;
  private readonly keys = new Map<QueueItem, string>();

  constructor(
    private readonly store: Store,
    /** A store call threw (the store never should for the database; see ResilientStore). Must not throw. */
    private readonly onFault: (guildId: string, error: unknown, where: string) => void,
  ) {}

  /** The item was accepted into the guild's queue. */
  queued(guildId: string, item: QueueItem): void {
    const key = `${this.life}/${++this.seq}`;
    this.keys.set(item, key);
    try {
      this.store.addPendingItem({ key, guildId, channelId: item.source.channelId, authorId: item.authorId, enqueuedAt: item.enqueuedAt });
    } catch (error) {
      this.onFault(guildId, error, 'keeping a queued item');
    }
  }

  /** The item is over (played, skipped, cleared, refused or reported to its author): its row goes. Idempotent. */
  done(guildId: string, item: QueueItem): void {
    const key = this.keys.get(item);
    if (key === undefined) return;
    this.keys.delete(item);
    try {
      this.store.removePendingItem(key);
    } catch (error) {
      this.onFault(guildId, error, 'forgetting a finished item');
    }
  }

  /** The item is dropped by a shutdown: its row stays, for the next life to tell (as after a crash). */
  kept(item: QueueItem): void {
    this.keys.delete(item);
  }

  /** The guild's items left by earlier lives of the process (the items a crash or a stop cut), oldest first. */
  leftOver(guildId: string): PendingItem[] {
    return this.store.listPendingItems(guildId).filter((i) => !i.key.startsWith(`${this.life}/`));
  }

  /** Forgets items of earlier lives once their authors were told (or cannot be: the guild or channel is gone). */
  forget(items: readonly PendingItem[]): void {
    for (const item of items) {
      try {
        this.store.removePendingItem(item.key);
      } catch (error) {
        this.onFault(item.guildId, error, 'forgetting a cut item');
      }
    }
  }
}
