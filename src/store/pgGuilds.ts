/**
 * PgStore's guild settings (kept here as stored, the rest of a guild's rows in the MemoryStore), its writes of
 * guild settings, member voices and dictionary entries, and the removal of a guild's rows.
 */
import type { MemoryStore } from './MemoryStore.js';
import { SQL } from './pgStatements.js';
import type { PgWrite } from './PgWriter.js';
import { dictionaryKey } from './records.js';
import { applyGuildSettingsPatch, emptyStoredGuildSettings, withDefaults, type StoredGuildSettings } from './settings.js';
import type { AddDictionaryResult, DictionaryEntry, GuildSettings, GuildSettingsPatch, VoiceProfile, VoiceProfilePatch } from './types.js';
import { assertId } from './validate.js';

type Write = (op: string, statements: [string, ...unknown[]][]) => PgWrite;

export class PgGuilds {
  constructor(
    private readonly guilds: Map<string, StoredGuildSettings>,
    private readonly memory: MemoryStore,
    private readonly write: Write,
  ) {}

  settings(guildId: string): GuildSettings {
    assertId('guildId', guildId);
    return withDefaults(this.guilds.get(guildId) ?? emptyStoredGuildSettings());
  }

  updateSettings(guildId: string, patch: GuildSettingsPatch): GuildSettings {
    return this.#putSettings('updateGuildSettings', guildId, (stored) => applyGuildSettingsPatch(stored, patch));
  }

  resetVoice(guildId: string): GuildSettings {
    return this.#putSettings('resetGuildVoice', guildId, (stored) => ({ ...stored, voice: {} }));
  }

  setMemberVoice(guildId: string, userId: string, patch: VoiceProfilePatch): VoiceProfile {
    const next = this.memory.setMemberVoice(guildId, userId, patch);
    if (Object.keys(next).length === 0) this.write('setMemberVoice', [[SQL.deleteMember, guildId, userId]]);
    else this.write('setMemberVoice', [[SQL.putMember, guildId, userId, JSON.stringify(next)]]);
    return next;
  }

  resetMemberVoice(guildId: string, userId: string): boolean {
    const had = this.memory.resetMemberVoice(guildId, userId);
    if (had) this.write('resetMemberVoice', [[SQL.deleteMember, guildId, userId]]);
    return had;
  }

  addEntry(guildId: string, entry: DictionaryEntry, limits: { maxEntries: number }): AddDictionaryResult {
    const result = this.memory.addDictionaryEntry(guildId, entry, limits);
    if (result.ok) this.write('addDictionaryEntry', [[SQL.putEntry, guildId, dictionaryKey(entry.from), entry.from, entry.to]]);
    return result;
  }

  removeEntry(guildId: string, from: string): boolean {
    const removed = this.memory.removeDictionaryEntry(guildId, from);
    if (removed) this.write('removeDictionaryEntry', [[SQL.deleteEntry, guildId, dictionaryKey(from)]]);
    return removed;
  }

  /** Every row of the guild but its usage, owned voices and voice designs (as MemoryStore.deleteGuild). */
  delete(guildId: string): void {
    this.memory.deleteGuild(guildId);
    this.guilds.delete(guildId);
    this.write('deleteGuild', [
      [SQL.deletePool, guildId],
      [SQL.deleteGuild, guildId],
      [SQL.deleteMembers, guildId],
      [SQL.deleteEntries, guildId],
      [SQL.deleteSession, guildId],
      [SQL.deleteGuildConsents, guildId],
      [SQL.deleteGuildPending, guildId],
    ]);
  }

  #putSettings(op: string, guildId: string, change: (stored: StoredGuildSettings) => StoredGuildSettings): GuildSettings {
    assertId('guildId', guildId);
    const next = change(this.guilds.get(guildId) ?? emptyStoredGuildSettings());
    this.guilds.set(guildId, next);
    this.write(op, [[SQL.putGuild, guildId, JSON.stringify(next)]]);
    return withDefaults(next);
  }
}
