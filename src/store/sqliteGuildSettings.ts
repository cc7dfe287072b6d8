/** SqliteStore's guild settings (guild_settings) and members' voice preferences (member_voices), JSON per row. */
import type Database from 'better-sqlite3';
import {
  applyGuildSettingsPatch,
  applyVoicePatch,
  emptyStoredGuildSettings,
  readStoredGuildSettings,
  readVoiceProfile,
  withDefaults,
  type StoredGuildSettings,
} from './settings.js';
import { parseJson, type Report } from './sqliteRows.js';
import type { Statements } from './sqliteStatements.js';
import type { GuildSettings, GuildSettingsPatch, VoiceProfile, VoiceProfilePatch } from './types.js';
import { assertId } from './validate.js';

export class SqliteGuildSettings {
  constructor(
    private readonly db: Database.Database,
    private readonly stmt: Statements,
    private readonly report: Report,
  ) {}

  get(guildId: string): GuildSettings {
    assertId('guildId', guildId);
    return withDefaults(this.#readGuild(guildId));
  }

  update(guildId: string, patch: GuildSettingsPatch): GuildSettings {
    assertId('guildId', guildId);
    return this.#writeGuild(guildId, (stored) => applyGuildSettingsPatch(stored, patch));
  }

  resetVoice(guildId: string): GuildSettings {
    assertId('guildId', guildId);
    return this.#writeGuild(guildId, (stored) => ({ ...stored, voice: {} }));
  }

  getMember(guildId: string, userId: string): VoiceProfile {
    assertId('guildId', guildId);
    assertId('userId', userId);
    return this.#readMember(guildId, userId);
  }

  setMember(guildId: string, userId: string, patch: VoiceProfilePatch): VoiceProfile {
    assertId('guildId', guildId);
    assertId('userId', userId);
    const write = this.db.transaction((): VoiceProfile => {
      const next = applyVoicePatch(this.#readMember(guildId, userId), patch);
      // An emptied profile is the same as none: drop the row instead of keeping "{}".
      if (Object.keys(next).length === 0) this.stmt.deleteMember.run(guildId, userId);
      else this.stmt.putMember.run(guildId, userId, JSON.stringify(next));
      return next;
    });
    return { ...write.immediate() };
  }

  resetMember(guildId: string, userId: string): boolean {
    assertId('guildId', guildId);
    assertId('userId', userId);
    return this.stmt.deleteMember.run(guildId, userId).changes > 0;
  }

  #readGuild(guildId: string): StoredGuildSettings {
    const row = this.stmt.getGuild.get(guildId);
    if (row === undefined) return emptyStoredGuildSettings();
    const dropped: string[] = [];
    const parsed = parseJson(row.data);
    const stored = parsed.ok ? readStoredGuildSettings(parsed.value, dropped) : emptyStoredGuildSettings();
    if (!parsed.ok) dropped.push('*');
    if (dropped.length > 0) this.report('guild_settings', guildId, dropped);
    return stored;
  }

  #writeGuild(guildId: string, change: (stored: StoredGuildSettings) => StoredGuildSettings): GuildSettings {
    const write = this.db.transaction((): StoredGuildSettings => {
      const next = change(this.#readGuild(guildId));
      this.stmt.putGuild.run(guildId, JSON.stringify(next));
      return next;
    });
    return withDefaults(write.immediate());
  }

  #readMember(guildId: string, userId: string): VoiceProfile {
    const row = this.stmt.getMember.get(guildId, userId);
    if (row === undefined) return {};
    const dropped: string[] = [];
    const parsed = parseJson(row.data);
    const profile = parsed.ok ? readVoiceProfile(parsed.value, 'voice', dropped) : {};
    if (!parsed.ok) dropped.push('*');
    if (dropped.length > 0) this.report('member_voices', `${guildId}/${userId}`, dropped);
    return profile;
  }
}
