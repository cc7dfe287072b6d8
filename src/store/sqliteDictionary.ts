/** SqliteStore's pronunciation dictionary (dictionary_entries): one row per entry, unique per guild by `from` in any case. */
import type Database from 'better-sqlite3';
import { checkDictionaryInput, dictionaryKey, isUsableDictionaryEntry } from './records.js';
import type { Report } from './sqliteRows.js';
import type { Statements } from './sqliteStatements.js';
import type { AddDictionaryResult, DictionaryEntry } from './types.js';
import { assertId, assertString } from './validate.js';

export class SqliteDictionary {
  constructor(
    private readonly db: Database.Database,
    private readonly stmt: Statements,
    private readonly report: Report,
  ) {}

  add(guildId: string, entry: DictionaryEntry, limits: { maxEntries: number }): AddDictionaryResult {
    assertId('guildId', guildId);
    if (!checkDictionaryInput(entry, limits)) return { ok: false, reason: 'empty_from' };
    const key = dictionaryKey(entry.from);
    const add = this.db.transaction((): AddDictionaryResult => {
      const existing = this.stmt.findEntry.get(guildId, key);
      if (existing !== undefined) {
        this.stmt.updateEntry.run(entry.from, entry.to, existing.id);
        return { ok: true, replaced: true };
      }
      const count = this.stmt.countEntries.get(guildId)?.n ?? 0;
      if (count >= limits.maxEntries) return { ok: false, reason: 'full' };
      this.stmt.insertEntry.run(guildId, key, entry.from, entry.to);
      return { ok: true, replaced: false };
    });
    return add.immediate();
  }

  remove(guildId: string, from: string): boolean {
    assertId('guildId', guildId);
    assertString('from', from);
    return this.stmt.deleteEntry.run(guildId, dictionaryKey(from)).changes > 0;
  }

  list(guildId: string): DictionaryEntry[] {
    assertId('guildId', guildId);
    const entries: DictionaryEntry[] = [];
    for (const row of this.stmt.listEntries.all(guildId)) {
      if (isUsableDictionaryEntry(row.from_text, row.to_text)) {
        entries.push({ from: row.from_text as string, to: row.to_text as string });
      } else {
        this.report('dictionary_entries', `${guildId}#${row.id}`, ['*']);
      }
    }
    return entries;
  }
}
