/**
 * Run-time permission checks. Discord's default member permissions are only a default: server admins can
 * override them per command, so every configuration command checks again here.
 */
import { PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { privately, type Reply } from './reply.js';

/** Whether the caller has Manage Server in this guild. */
export function canManageGuild(interaction: ChatInputCommandInteraction<'cached'>): boolean {
  return interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild);
}

/** A refusal when the caller lacks Manage Server; null when allowed. */
export function requireManageGuild(interaction: ChatInputCommandInteraction<'cached'>, what: string): Reply | null {
  if (canManageGuild(interaction)) return null;
  return privately(`You need the Manage Server permission to ${what}. Ask a server admin.`);
}

/**
 * People may stop, skip or clear only what they are listening to: the caller must be in the bot's voice channel,
 * unless they have Manage Server. Null when allowed.
 */
export function requireListener(interaction: ChatInputCommandInteraction<'cached'>, botChannelId: string | null, what: string): Reply | null {
  if (!botChannelId || canManageGuild(interaction)) return null;
  const callerChannel = interaction.guild.voiceStates.cache.get(interaction.user.id)?.channelId ?? null;
  if (callerChannel === botChannelId) return null;
  return privately(`Join <#${botChannelId}> to ${what} (or ask someone with Manage Server).`);
}
