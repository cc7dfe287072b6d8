/**
 * Discord text -> speakable text, through src/text's cleaner with names looked up in the guild's caches
 * (mentions become display names; unknown ids are left for the cleaner to phrase).
 */
import type { Guild, Message } from 'discord.js';
import type { GuildSettings } from '../store/types.js';
import { cleanMessage, type AttachmentKind, type MessageInput } from '../text/index.js';

/** Runs of one character longer than this are shortened ("nooooooo" -> "nooooo"). */
export const REPEAT_CAP = 5;
/** Longest /speak text spoken, in code points. */
export const MAX_SPOKEN_SLASH_TEXT = 2000;

type Resolvers = Pick<MessageInput, 'resolveUser' | 'resolveRole' | 'resolveChannel'>;

/** Name lookups backed by the guild's caches. */
export function guildResolvers(guild: Guild, message?: Message): Resolvers {
  return {
    resolveUser: (id) =>
      message?.mentions.members?.get(id)?.displayName ??
      guild.members.cache.get(id)?.displayName ??
      message?.mentions.users.get(id)?.displayName ??
      guild.client.users.cache.get(id)?.displayName,
    resolveRole: (id) => guild.roles.cache.get(id)?.name,
    resolveChannel: (id) => guild.channels.cache.get(id)?.name,
  };
}

/** The /speak text as speech, or null when nothing speakable is left. */
export function cleanSlashText(guild: Guild, raw: string, settings: GuildSettings, now: number): string | null {
  return cleanMessage(
    { content: raw, ...guildResolvers(guild) },
    { maxLength: MAX_SPOKEN_SLASH_TEXT, skipEmoji: false, repeatedCharacterCap: REPEAT_CAP, allowSpecialMarkup: settings.allowSpecialMarkup, now },
  );
}

/** A chat message as speech with the guild's auto-read options, or null when nothing speakable is left. */
export function cleanChatMessage(message: Message<true>, settings: GuildSettings, now: number): string | null {
  return cleanMessage(
    {
      content: message.content,
      attachments: [...message.attachments.values()].map((a) => ({ kind: attachmentKind(a.contentType) })),
      stickers: [...message.stickers.values()].map((s) => ({ name: s.name })),
      ...guildResolvers(message.guild, message),
    },
    {
      maxLength: settings.autoread.maxLength,
      skipEmoji: settings.autoread.skipEmoji,
      repeatedCharacterCap: REPEAT_CAP,
      allowSpecialMarkup: settings.allowSpecialMarkup,
      now,
    },
  );
}

function attachmentKind(contentType: string | null): AttachmentKind {
  if (contentType?.startsWith('image/')) return 'image';
  if (contentType?.startsWith('video/')) return 'video';
  if (contentType?.startsWith('audio/')) return 'audio';
  return 'file';
}
