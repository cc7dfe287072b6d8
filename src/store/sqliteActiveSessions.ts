/** SqliteStore's active voice sessions (active_sessions): where the bot was connected, to rejoin after a restart. */
import { checkSessionInput } from './records.js';
import { isNonEmptyString, type Report } from './sqliteRows.js';
import type { Statements } from './sqliteStatements.js';
import type { ActiveSession, ActiveSessionInfo } from './types.js';
import { assertId } from './validate.js';

export class SqliteActiveSessions {
  constructor(
    private readonly stmt: Statements,
    private readonly report: Report,
  ) {}

  set(guildId: string, session: ActiveSessionInfo): void {
    assertId('guildId', guildId);
    const clean = checkSessionInput(session);
    this.stmt.putSession.run(guildId, clean.voiceChannelId, clean.textChannelId ?? null);
  }

  clear(guildId: string): boolean {
    assertId('guildId', guildId);
    return this.stmt.deleteSession.run(guildId).changes > 0;
  }

  list(): ActiveSession[] {
    const sessions: ActiveSession[] = [];
    for (const row of this.stmt.listSessions.all()) {
      const { guild_id: guildId, voice_channel_id: voiceChannelId, text_channel_id: textChannelId } = row;
      if (!isNonEmptyString(guildId) || !isNonEmptyString(voiceChannelId)) {
        this.report('active_sessions', String(guildId), ['*']);
        continue;
      }
      const session: ActiveSession = { guildId, voiceChannelId };
      if (isNonEmptyString(textChannelId)) session.textChannelId = textChannelId;
      else if (textChannelId !== null) this.report('active_sessions', guildId, ['textChannelId']);
      sessions.push(session);
    }
    return sessions;
  }
}
