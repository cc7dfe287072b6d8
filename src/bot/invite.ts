/**
 * The invite link an operator opens to add Parrot to a server: the bot and its slash commands, with exactly the
 * permissions it uses (reading and answering in text channels, reacting to refused auto-read authors, joining
 * and speaking in voice channels).
 */
import { PermissionFlagsBits } from 'discord.js';

/** View Channel, Send Messages, Add Reactions, Connect, Speak: 3148864. */
export const BOT_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.Connect |
  PermissionFlagsBits.Speak;

/** https://discord.com/oauth2/authorize?client_id=...&scope=bot+applications.commands&permissions=... */
export function inviteUrl(applicationId: string): string {
  return `https://discord.com/oauth2/authorize?client_id=${encodeURIComponent(applicationId)}&scope=bot+applications.commands&permissions=${BOT_PERMISSIONS}`;
}
