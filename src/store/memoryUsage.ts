/** MemoryStore's usage: characters per guild and UTC day. */
import { getOrCreate } from './memoryMaps.js';
import { checkUsageInput, utcDayKey, utcMonthBounds } from './records.js';
import type { UsageTotals } from './types.js';
import { assertId } from './validate.js';

export class MemoryUsage {
  /** guild id -> UTC day key -> characters */
  readonly #usage = new Map<string, Map<string, number>>();

  add(guildId: string, chars: number, at: Date): void {
    checkUsageInput(guildId, chars, at);
    if (chars === 0) return;
    const days = getOrCreate(this.#usage, guildId);
    const day = utcDayKey(at);
    days.set(day, (days.get(day) ?? 0) + chars);
  }

  get(guildId: string, at: Date): UsageTotals {
    assertId('guildId', guildId);
    const today = utcDayKey(at);
    const { first, last } = utcMonthBounds(at);
    const totals: UsageTotals = { day: 0, month: 0 };
    for (const [day, chars] of this.#usage.get(guildId) ?? []) {
      if (day >= first && day <= last) totals.month += chars;
      if (day === today) totals.day += chars;
    }
    return totals;
  }

  /** The guilds with usage kept. */
  guildIds(): IterableIterator<string> {
    return this.#usage.keys();
  }

  prune(before: Date): number {
    const first = utcDayKey(before);
    let pruned = 0;
    for (const days of this.#usage.values()) {
      for (const day of [...days.keys()]) {
        if (day < first) {
          days.delete(day);
          pruned++;
        }
      }
    }
    return pruned;
  }
}
