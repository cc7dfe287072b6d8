import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { privately } from './reply.js';
import { speakFor } from './speakFlow.js';
import type { Command } from './types.js';
import { autocompleteVoiceOptions, pickVoice } from './voiceOptions.js';

/** Longest /speak text accepted (Discord's own limit on a string option is 6000). */
export const MAX_SPEAK_LENGTH = 2000;

/** `/speak text [voice]`: read a text aloud in the caller's voice channel, joining it if needed. */
export const speak = {
  data: new SlashCommandBuilder()
    .setName('speak')
    .setDescription('Read a text aloud in your voice channel')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((o) => o.setName('text').setDescription('What to say').setRequired(true).setMaxLength(MAX_SPEAK_LENGTH))
    .addStringOption((o) => o.setName('voice').setDescription('Voice for this text only (start typing to search)').setAutocomplete(true).setMaxLength(200)),
  async execute(ctx) {
    const text = ctx.interaction.options.getString('text', true);
    if (text.length > MAX_SPEAK_LENGTH) return privately(`text must be at most ${MAX_SPEAK_LENGTH} characters (got ${text.length}).`);
    const voice = ctx.interaction.options.getString('voice');
    if (voice === null) return speakFor(ctx, text, undefined);
    const known = pickVoice(ctx, voice, ctx.interaction.user.id);
    if (!known.ok) return privately(known.message.replace(' Nothing was changed.', ''));
    return speakFor(ctx, text, { voiceId: known.voiceId });
  },
  autocomplete: autocompleteVoiceOptions,
} satisfies Command;
