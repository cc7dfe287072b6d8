/** MESSAGE_CREATE as Discord filters it by intent, for users' messages and the bot's own REST messages. */
import type { GatewayServer } from './gateway.js';
import type { ApiError } from './interactionLog.js';
import type { GuildState, MemberRecord } from './model.js';
import { messagePayload, type Json } from './payloads.js';
import { hasPermission } from './permissions.js';

const GUILD_MESSAGES = 1 << 9;
const MESSAGE_CONTENT = 1 << 15;

/** A user posts in a text channel. */
export interface MessageSpec {
  content: string;
  /** Guild name or id; default the first guild. */
  guild?: string;
  /** Channel name or id; default the first text channel. A voice channel's own text chat works too. */
  channel?: string;
  /** Member name or id; default the first human member. */
  author?: string;
  /** Post as a webhook with this name instead of a member (webhook_id set, no member). */
  webhook?: string;
}

/** What was dispatched, per bot session: `content` is '' where the session lacks MessageContent. */
export interface SentMessage {
  id: string;
  guildId: string;
  channelId: string;
  authorId: string;
  content: string;
  deliveredTo: { sessionId: string; content: string }[];
}

/** A message the bot created with POST /channels/{id}/messages. */
export interface BotMessage {
  id: string;
  guildId: string;
  channelId: string;
  content: string;
  body: unknown;
  at: number;
}

/**
 * Dispatches MESSAGE_CREATE like Discord: only to sessions with GuildMessages; content, embeds and
 * attachments blank without MessageContent unless the bot is mentioned or is the author.
 */
export function dispatchMessage(gateway: GatewayServer, g: GuildState, author: MemberRecord, channelId: string, id: string, content: string, extra: Json = {}): SentMessage {
  const mentionIds = [...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1] ?? '');
  const mentions = mentionIds.flatMap((mid) => {
    const m = g.members.get(mid);
    return m ? [m.user] : [];
  });
  const full = { ...messagePayload({ id, channelId, guildId: g.id, author: author.user, member: author, content, mentions }), ...extra };
  const exempt = author.user.id === g.bot.id || mentionIds.includes(g.bot.id);
  const deliveredTo: SentMessage['deliveredTo'] = [];
  for (const session of gateway.live) {
    if ((session.intents & GUILD_MESSAGES) === 0) continue;
    const withContent = exempt || (session.intents & MESSAGE_CONTENT) !== 0;
    const d = withContent ? full : { ...full, content: '', embeds: [], attachments: [], components: [] };
    gateway.dispatchTo(session, 'MESSAGE_CREATE', d);
    deliveredTo.push({ sessionId: session.id, content: withContent ? content : '' });
  }
  return { id, guildId: g.id, channelId, authorId: author.user.id, content, deliveredTo };
}

/** POST /channels/{id}/messages from the bot: checks permissions, answers the message, echoes MESSAGE_CREATE. */
export function createBotMessage(
  gateway: GatewayServer, guilds: readonly GuildState[], channelId: string, body: unknown, id: string, at: number,
): { created: Json; message: BotMessage } | ApiError {
  const g = guilds.find((guild) => guild.channels.has(channelId));
  if (!g) return { status: 404, code: 10003, message: 'Unknown Channel' };
  const bits = g.permissionsIn(channelId, g.bot.id);
  if (!hasPermission(bits, 'ViewChannel')) return { status: 403, code: 50001, message: 'Missing Access' };
  if (!hasPermission(bits, 'SendMessages')) return { status: 403, code: 50013, message: 'Missing Permissions' };
  const b = (typeof body === 'object' && body !== null ? body : {}) as Json;
  const content = typeof b['content'] === 'string' ? b['content'] : '';
  const extra: Json = Array.isArray(b['embeds']) ? { embeds: b['embeds'] } : {};
  const bot = g.member(g.bot.id);
  dispatchMessage(gateway, g, bot, channelId, id, content, extra);
  const created = { ...messagePayload({ id, channelId, guildId: g.id, author: bot.user, member: bot, content }), ...extra };
  return { created, message: { id, guildId: g.id, channelId, content, body, at } };
}

/** Why Discord refuses the bot's reaction in a channel (Add Reactions, Read Message History), or undefined. */
export function reactionRefusal(guilds: readonly GuildState[], channelId: string): ApiError | undefined {
  const g = guilds.find((guild) => guild.channels.has(channelId));
  if (!g) return { status: 404, code: 10003, message: 'Unknown Channel' };
  const bits = g.permissionsIn(channelId, g.bot.id);
  if (!hasPermission(bits, 'ViewChannel')) return { status: 403, code: 50001, message: 'Missing Access' };
  if (!hasPermission(bits, 'AddReactions') || !hasPermission(bits, 'ReadMessageHistory')) return { status: 403, code: 50013, message: 'Missing Permissions' };
  return undefined;
}
