import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { requireListener } from './permissions.js';
import { literal, privately, publicly } from './reply.js';
import type { Command } from './types.js';

/** `/skip`: stop what is being said (even while it is still being synthesized) and go on with the next item. */
export const skip = {
  data: new SlashCommandBuilder()
    .setName('skip')
    .setDescription('Stop what is being read now and go on with the next message')
    .setContexts(InteractionContextType.Guild),
  execute({ interaction, sessions }) {
    const session = sessions.get(interaction.guildId);
    if (!session) return privately("I'm not in a voice channel, so there is nothing to skip.");
    const refused = requireListener(interaction, session.channelId, 'skip');
    if (refused) return refused;
    if (!session.skip()) return privately('Nothing is being read right now.');
    return publicly(`${literal(interaction.member.displayName)} skipped the current message.`);
  },
} satisfies Command;
