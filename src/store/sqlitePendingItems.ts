/** SqliteStore's pending items (pending_items): texts accepted into a queue and not finished (see pendingItems.ts). */
import { checkPendingItem, readPendingItem } from './pendingItems.js';
import type { Report } from './sqliteRows.js';
import type { Statements } from './sqliteStatements.js';
import type { PendingItem } from './types.js';
import { assertId } from './validate.js';

export class SqlitePendingItems {
  constructor(
    private readonly stmt: Statements,
    private readonly report: Report,
  ) {}

  add(item: PendingItem): void {
    const i = checkPendingItem(item);
    this.stmt.putPending.run(i.key, i.guildId, i.channelId, i.authorId, i.enqueuedAt);
  }

  remove(key: string): void {
    assertId('key', key);
    this.stmt.deletePending.run(key);
  }

  list(guildId: string): PendingItem[] {
    assertId('guildId', guildId);
    const items: PendingItem[] = [];
    for (const row of this.stmt.listPending.all(guildId)) {
      const item = readPendingItem(row);
      if (item) items.push(item);
      else this.report('pending_items', String(row['item_key']), ['*']);
    }
    return items;
  }
}
