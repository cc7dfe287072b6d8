/** SqliteStore's voices a guild's pool gave its members (pool_voices): the first assignment of a member stays. */
import type Database from 'better-sqlite3';
import { isNonEmptyString, type Report } from './sqliteRows.js';
import type { Statements } from './sqliteStatements.js';
import { assertId } from './validate.js';

export class SqlitePoolVoices {
  constructor(
    private readonly db: Database.Database,
    private readonly stmt: Statements,
    private readonly report: Report,
  ) {}

  list(guildId: string): Record<string, string> {
    assertId('guildId', guildId);
    const voices: Record<string, string> = {};
    for (const row of this.stmt.listPool.all(guildId)) {
      if (isNonEmptyString(row.user_id) && isNonEmptyString(row.voice_id)) voices[row.user_id] = row.voice_id;
      else this.report('pool_voices', `${guildId}/${String(row.user_id)}`, ['*']);
    }
    return voices;
  }

  assign(guildId: string, userId: string, voiceId: string): string {
    assertId('guildId', guildId);
    assertId('userId', userId);
    assertId('voiceId', voiceId);
    const assign = this.db.transaction((): string => {
      this.stmt.putPool.run(guildId, userId, voiceId);
      const kept = this.stmt.getPool.get(guildId, userId)?.voice_id;
      return isNonEmptyString(kept) ? kept : voiceId;
    });
    return assign.immediate();
  }
}
