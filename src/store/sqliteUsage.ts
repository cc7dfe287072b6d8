/** SqliteStore's characters read per guild and UTC day (usage_days), summed per day, month and account. */
import { checkUsageInput, utcDayKey, utcMonthBounds } from './records.js';
import type { Report } from './sqliteRows.js';
import type { Statements } from './sqliteStatements.js';
import type { UsageTotals } from './types.js';
import { assertId } from './validate.js';

export class SqliteUsage {
  constructor(
    private readonly stmt: Statements,
    private readonly report: Report,
  ) {}

  add(guildId: string, chars: number, at: Date): void {
    checkUsageInput(guildId, chars, at);
    if (chars === 0) return;
    this.stmt.addUsage.run(guildId, utcDayKey(at), chars);
  }

  get(guildId: string, at: Date): UsageTotals {
    assertId('guildId', guildId);
    const today = utcDayKey(at);
    const { first, last } = utcMonthBounds(at);
    const totals: UsageTotals = { day: 0, month: 0 };
    for (const row of this.stmt.usageBetween.all(guildId, first, last)) {
      const chars = row.chars;
      if (!Number.isSafeInteger(chars) || (chars as number) < 0) {
        this.report('usage_days', `${guildId}/${row.day}`, ['chars']);
        continue;
      }
      totals.month += chars as number;
      if (row.day === today) totals.day += chars as number;
    }
    return totals;
  }

  account(at: Date): number {
    const { first, last } = utcMonthBounds(at);
    return this.stmt.accountUsage.get(first, last)?.n ?? 0;
  }

  prune(before: Date): number {
    return this.stmt.pruneUsage.run(utcDayKey(before)).changes;
  }
}
