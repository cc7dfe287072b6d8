/**
 * Getting the bot into a member's voice channel, shared by /speak, /join, /voice preview and auto-read's
 * autojoin: permission checks that name what is missing, the "busy elsewhere" rule, and the join itself.
 */
import { PermissionFlagsBits, type Guild, type GuildMember, type VoiceBasedChannel } from 'discord.js';
import type { GuildSession, SessionManager, VoiceOverride } from '../session/index.js';

const VOICE_PERMISSIONS = [
  { flag: PermissionFlagsBits.ViewChannel, name: 'View Channel' },
  { flag: PermissionFlagsBits.Connect, name: 'Connect' },
  { flag: PermissionFlagsBits.Speak, name: 'Speak' },
] as const;

/** The voice permissions the bot lacks in `channel`, by their names in Discord's UI. */
export function missingVoicePermissions(channel: VoiceBasedChannel, me: GuildMember | null): string[] {
  const perms = me ? channel.permissionsFor(me) : null;
  return VOICE_PERMISSIONS.filter((p) => perms?.has(p.flag) !== true).map((p) => p.name);
}

/** Members in `channelId` who are not bots (the bot itself included). Unknown members count as people. */
export function countHumans(guild: Guild, channelId: string): number {
  let n = 0;
  for (const state of guild.voiceStates.cache.values()) {
    if (state.channelId !== channelId || state.id === guild.client.user.id) continue;
    if (state.member?.user.bot === true) continue;
    n += 1;
  }
  return n;
}

/** The voice channel a member is in, from the gateway's voice states. */
export function memberVoiceChannel(guild: Guild, userId: string): VoiceBasedChannel | null {
  return guild.voiceStates.cache.get(userId)?.channel ?? null;
}

export type JoinOutcome = { ok: true; session: GuildSession } | { ok: false; message: string };

/** Whether getting into `channel` needs a join (and so may take seconds: defer the interaction first). */
export function needsJoin(sessions: SessionManager, guildId: string, channelId: string): boolean {
  return sessions.get(guildId)?.channelId !== channelId;
}

/** The member a join is for: their speech task is opened while joining (see SessionManager.join). */
export interface WarmFor {
  authorId: string;
  override?: VoiceOverride;
  /** The words to come (for their language). */
  text?: string;
}

/**
 * Puts the bot in `channel` (joining or moving), unless it lacks permissions there or is in use by people in
 * another channel of the guild. Every failure is a message saying what to do.
 */
export async function joinVoiceChannelOf(sessions: SessionManager, guild: Guild, channel: VoiceBasedChannel, warmFor?: WarmFor): Promise<JoinOutcome> {
  const existing = sessions.get(guild.id);
  if (existing && existing.channelId === channel.id) return { ok: true, session: existing };

  const missing = missingVoicePermissions(channel, guild.members.me);
  if (missing.length > 0) {
    const list = missing.join(' and ');
    return {
      ok: false,
      message: `I can't speak in <#${channel.id}>: I'm missing the ${list} permission there. Ask an admin to give me ${list} in that channel.`,
    };
  }
  if (channel.full && guild.members.me?.permissions.has(PermissionFlagsBits.MoveMembers) !== true) {
    return { ok: false, message: `<#${channel.id}> is full. Make room for me or raise its user limit.` };
  }
  if (existing?.channelId) {
    const busy = busyElsewhere(guild, existing.channelId);
    if (busy) return { ok: false, message: busy };
  }

  const target = { guildId: guild.id, channelId: channel.id, adapterCreator: guild.voiceAdapterCreator };
  const result = await sessions.join(target, warmFor ? { warmFor } : {});
  if (!result.ok) {
    switch (result.reason) {
      case 'timeout':
        return { ok: false, message: `I couldn't connect to <#${channel.id}> in time. Try again in a moment.` };
      case 'destroyed':
        return { ok: false, message: `My voice session was closing. Try again.` };
    }
  }
  const session = sessions.get(guild.id);
  if (!session) return { ok: false, message: `My voice session ended while joining. Try again.` };
  session.setHumanCount(countHumans(guild, result.channelId));
  return { ok: true, session };
}

function busyElsewhere(guild: Guild, channelId: string | null): string | null {
  if (!channelId) return null;
  const people = countHumans(guild, channelId);
  if (people === 0) return null;
  return `I'm reading in <#${channelId}> for ${people} ${people === 1 ? 'person' : 'people'}. Join that channel, or use /leave there first.`;
}
