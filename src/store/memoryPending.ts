/** MemoryStore's pending clone consents and pending items (texts accepted into a queue and not finished). */
import { checkPendingConsent } from './pendingConsents.js';
import { byEnqueued, checkPendingItem } from './pendingItems.js';
import type { PendingConsent, PendingItem } from './types.js';
import { assertId } from './validate.js';

export class MemoryPending {
  /** token -> consent */
  readonly #consents = new Map<string, PendingConsent>();
  /** key -> pending item */
  readonly #items = new Map<string, PendingItem>();

  saveConsent(consent: PendingConsent): void {
    const clean = checkPendingConsent(consent);
    for (const [token, c] of this.#consents) {
      if (c.expiresAt <= clean.createdAt || (c.guildId === clean.guildId && c.userId === clean.userId)) this.#consents.delete(token);
    }
    this.#consents.set(clean.token, clean);
  }

  getConsent(token: string): PendingConsent | null {
    assertId('token', token);
    const consent = this.#consents.get(token);
    return consent ? { ...consent } : null;
  }

  deleteConsent(token: string): boolean {
    assertId('token', token);
    return this.#consents.delete(token);
  }

  addItem(item: PendingItem): void {
    const clean = checkPendingItem(item);
    this.#items.set(clean.key, clean);
  }

  removeItem(key: string): void {
    assertId('key', key);
    this.#items.delete(key);
  }

  listItems(guildId: string): PendingItem[] {
    assertId('guildId', guildId);
    return [...this.#items.values()].filter((i) => i.guildId === guildId).sort(byEnqueued).map((i) => ({ ...i }));
  }

  /** The guild's pending items and consents. */
  deleteGuild(guildId: string): void {
    for (const [key, item] of this.#items) if (item.guildId === guildId) this.#items.delete(key);
    for (const [token, c] of this.#consents) if (c.guildId === guildId) this.#consents.delete(token);
  }
}
