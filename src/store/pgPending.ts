/** PgStore's writes of pending clone consents (pending_consents) and pending items (pending_items). */
import type { MemoryStore } from './MemoryStore.js';
import { SQL } from './pgStatements.js';
import type { PgWrite } from './PgWriter.js';
import type { PendingConsent, PendingItem } from './types.js';

type Write = (op: string, statements: [string, ...unknown[]][]) => PgWrite;

export class PgPending {
  /** Pending items whose INSERT has not gone out yet: removing one withdraws it instead of writing a DELETE. */
  readonly #unwritten = new Map<string, PgWrite>();

  constructor(
    private readonly memory: MemoryStore,
    private readonly write: Write,
    /** Takes back a write not started yet (PgWriter.withdraw). */
    private readonly withdraw: (write: PgWrite) => boolean,
  ) {}

  saveConsent(consent: PendingConsent): void {
    this.memory.savePendingConsent(consent);
    const c = this.memory.getPendingConsent(consent.token)!;
    this.write('savePendingConsent', [
      [SQL.pruneConsents, c.createdAt, c.guildId, c.userId],
      [SQL.putConsent, c.token, c.guildId, c.userId, c.sampleUrl, c.filename, c.contentType, c.size, c.createdAt, c.expiresAt],
    ]);
  }

  deleteConsent(token: string): boolean {
    const had = this.memory.deletePendingConsent(token);
    if (had) this.write('deletePendingConsent', [[SQL.deleteConsent, token]]);
    return had;
  }

  /**
   * Written behind like everything else: a crash in the few milliseconds before the INSERT reaches the server
   * loses that item's notice, never speech. An item finished before its INSERT went out costs no write at all.
   */
  addItem(item: PendingItem): void {
    this.memory.addPendingItem(item);
    const write = this.write('addPendingItem', [[SQL.putPending, item.key, item.guildId, item.channelId, item.authorId, item.enqueuedAt]]);
    this.#unwritten.set(item.key, write);
  }

  removeItem(key: string): void {
    this.memory.removePendingItem(key);
    const unwritten = this.#unwritten.get(key);
    this.#unwritten.delete(key);
    if (unwritten && this.withdraw(unwritten)) return;
    this.write('removePendingItem', [[SQL.deletePending, key]]);
  }
}
