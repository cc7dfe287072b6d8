/**
 * Discord API JSON (v10) for the fake's state: what GUILD_CREATE, VOICE_STATE_UPDATE, MESSAGE_CREATE and the
 * REST message routes send. Only fields discord.js reads, with Discord's spelling.
 */
import type { ChannelRecord, GuildState, MemberRecord, RoleRecord, UserRecord, VoiceStateRecord } from './model.js';
import { guildShard } from './snowflakes.js';

export type Json = Record<string, unknown>;

export function userPayload(u: UserRecord): Json {
  return {
    id: u.id, username: u.username, discriminator: '0', global_name: u.globalName, avatar: null,
    bot: u.bot, system: false, public_flags: 0, flags: 0,
  };
}

/** A member; `withUser` false for the shapes that carry the user next to the member (MESSAGE_CREATE, resolved). */
export function memberPayload(m: MemberRecord, withUser = true): Json {
  const member: Json = {
    roles: m.roleIds, nick: m.nick, avatar: null, joined_at: m.joinedAt, premium_since: null,
    deaf: false, mute: false, pending: false, flags: 0, communication_disabled_until: null,
  };
  if (withUser) member['user'] = userPayload(m.user);
  return member;
}

export function rolePayload(r: RoleRecord): Json {
  return {
    id: r.id, name: r.name, color: 0, colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false, icon: null, unicode_emoji: null, position: r.position, permissions: r.permissions.toString(),
    managed: false, mentionable: false, flags: 0,
  };
}

export function channelPayload(g: GuildState, c: ChannelRecord): Json {
  const common: Json = {
    id: c.id, type: c.type, guild_id: g.id, name: c.name, position: c.position, parent_id: null, nsfw: false,
    permission_overwrites: c.overwrites.map((o) => ({ id: o.id, type: o.type, allow: o.allow.toString(), deny: o.deny.toString() })),
    rate_limit_per_user: 0, flags: 0,
  };
  if (c.type === 2) return { ...common, bitrate: c.bitrate, user_limit: c.userLimit, rtc_region: null, last_message_id: null };
  return { ...common, topic: null, last_message_id: null, default_auto_archive_duration: 1440 };
}

/** READY `d` (the gateway adds session_id and resume_gateway_url): every guild starts unavailable. */
export function readyPayload(bot: UserRecord, guilds: readonly GuildState[], shard: unknown): Json {
  return {
    v: 10, user: { ...userPayload(bot), verified: true, mfa_enabled: false },
    // A sharded connection hears of its shard's guilds only.
    guilds: guilds
      .filter((g) => !Array.isArray(shard) || guildShard(g.id, Number(shard[1])) === Number(shard[0]))
      .map((g) => ({ id: g.id, unavailable: true })),
    shard: Array.isArray(shard) ? shard : [0, 1],
    application: { id: bot.id, flags: 0 }, user_settings: {}, private_channels: [], relationships: [],
    presences: [], guild_join_requests: [], geo_ordered_rtc_regions: ['fake'], session_type: 'normal',
  };
}

export function voiceStatePayload(g: GuildState, userId: string, state: VoiceStateRecord | undefined, sessionId?: string): Json {
  const member = g.members.get(userId);
  return {
    guild_id: g.id, channel_id: state?.channelId ?? null, user_id: userId,
    session_id: state?.sessionId ?? sessionId ?? `fake-voice-session-${userId}`,
    deaf: false, mute: false, self_deaf: state?.selfDeaf ?? false, self_mute: state?.selfMute ?? false,
    self_video: false, suppress: false, request_to_speak_timestamp: null,
    ...(member ? { member: memberPayload(member) } : {}),
  };
}

export function guildCreatePayload(g: GuildState, options: { voiceStates: boolean }): Json {
  return {
    id: g.id, name: g.name, icon: null, splash: null, discovery_splash: null, banner: null, description: null,
    owner_id: g.ownerId, afk_channel_id: null, afk_timeout: 300, verification_level: 0,
    default_message_notifications: 0, explicit_content_filter: 0, mfa_level: 0, nsfw_level: 0,
    features: [], emojis: [], stickers: [], soundboard_sounds: [], application_id: null,
    system_channel_id: null, system_channel_flags: 0, rules_channel_id: null, public_updates_channel_id: null,
    safety_alerts_channel_id: null, vanity_url_code: null, premium_tier: 0, premium_subscription_count: 0,
    premium_progress_bar_enabled: false, preferred_locale: 'en-US', max_video_channel_users: 25,
    incidents_data: null, joined_at: g.joinedAt, large: false, unavailable: false, member_count: g.members.size,
    roles: [...g.roles.values()].map(rolePayload),
    channels: [...g.channels.values()].map((c) => channelPayload(g, c)),
    members: [...g.members.values()].map((m) => memberPayload(m)),
    voice_states: options.voiceStates
      ? [...g.voiceStates.values()].map((v) => {
        const { guild_id: _omit, member: _member, ...rest } = voiceStatePayload(g, v.userId, v);
        return rest;
      })
      : [],
    threads: [], presences: [], stage_instances: [], guild_scheduled_events: [],
  };
}

export interface MessageFields {
  id: string;
  channelId: string;
  guildId?: string;
  author: UserRecord;
  member?: MemberRecord;
  content: string;
  /** 0 default, 20 reply to a chat-input command. */
  type?: number;
  flags?: number;
  embeds?: unknown[];
  mentions?: UserRecord[];
  webhookId?: string;
  applicationId?: string;
  referencedMessageId?: string;
}

export function messagePayload(f: MessageFields): Json {
  return {
    id: f.id, channel_id: f.channelId, ...(f.guildId ? { guild_id: f.guildId } : {}),
    author: userPayload(f.author), ...(f.member ? { member: memberPayload(f.member, false) } : {}),
    content: f.content, timestamp: new Date().toISOString(), edited_timestamp: null, tts: false,
    mention_everyone: false, mentions: (f.mentions ?? []).map(userPayload), mention_roles: [], mention_channels: [],
    attachments: [], embeds: f.embeds ?? [], reactions: [], pinned: false, type: f.type ?? 0, flags: f.flags ?? 0,
    components: [],
    ...(f.webhookId ? { webhook_id: f.webhookId } : {}),
    ...(f.applicationId ? { application_id: f.applicationId } : {}),
    ...(f.referencedMessageId ? { message_reference: { type: 0, message_id: f.referencedMessageId, channel_id: f.channelId, guild_id: f.guildId } } : {}),
  };
}
