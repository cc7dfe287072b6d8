import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { requireListener } from './permissions.js';
import { literal, privately, publicly } from './reply.js';
import type { Command } from './types.js';

/** `/clear`: stop what is being said and empty the queue. */
export const clear = {
  data: new SlashCommandBuilder()
    .setName('clear')
    .setDescription('Stop reading and empty the queue')
    .setContexts(InteractionContextType.Guild),
  execute({ interaction, sessions }) {
    const session = sessions.get(interaction.guildId);
    if (!session) return privately("I'm not in a voice channel, so there is nothing to clear.");
    const refused = requireListener(interaction, session.channelId, 'clear the queue');
    if (refused) return refused;
    const wasPlaying = session.status().playing !== null;
    const removed = session.clear();
    if (removed === 0 && !wasPlaying) return privately('Nothing is being read and the queue is empty.');
    const count = removed > 0 ? ` (${removed} ${removed === 1 ? 'message' : 'messages'} dropped)` : '';
    return publicly(`${literal(interaction.member.displayName)} stopped reading and cleared the queue${count}.`);
  },
} satisfies Command;
