import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { requireListener } from './permissions.js';
import { literal, privately, publicly } from './reply.js';
import type { Command } from './types.js';

/** `/leave`: leave the voice channel and drop the queue. */
export const leave = {
  data: new SlashCommandBuilder()
    .setName('leave')
    .setDescription('Leave the voice channel and drop anything still queued')
    .setContexts(InteractionContextType.Guild),
  execute({ interaction, sessions }) {
    const session = sessions.get(interaction.guildId);
    if (!session) return privately("I'm not in a voice channel.");
    const refused = requireListener(interaction, session.channelId, 'make me leave');
    if (refused) return refused;
    sessions.leave(interaction.guildId);
    return publicly(`${literal(interaction.member.displayName)} made me leave the voice channel.`);
  },
} satisfies Command;
