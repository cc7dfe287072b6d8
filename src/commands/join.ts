import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { privately } from './reply.js';
import type { Command } from './types.js';
import { joinVoiceChannelOf, memberVoiceChannel, needsJoin } from './voiceJoin.js';

/** `/join`: come to the caller's voice channel. */
export const join = {
  data: new SlashCommandBuilder()
    .setName('join')
    .setDescription('Join your voice channel')
    .setContexts(InteractionContextType.Guild),
  async execute({ interaction, sessions, defer }) {
    const channel = memberVoiceChannel(interaction.guild, interaction.user.id);
    if (!channel) return privately('Join a voice channel first, then use /join.');
    if (!needsJoin(sessions, interaction.guildId, channel.id)) return privately(`I'm already in <#${channel.id}>.`);
    await defer();
    const outcome = await joinVoiceChannelOf(sessions, interaction.guild, channel);
    if (!outcome.ok) return privately(outcome.message);
    return privately(`Joined <#${channel.id}>. Use /speak, or set a channel to read with /autoread set.`);
  },
} satisfies Command;
