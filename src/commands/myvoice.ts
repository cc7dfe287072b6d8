import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { privately, type Reply } from './reply.js';
import type { Command, CommandContext } from './types.js';
import { cloneVoice } from './voiceClone.js';
import { forgetCommand, forgetOffer } from './cloneForget.js';
import { addDesignOptions, designVoice } from './voiceDesign.js';
import { cloneExpiryLine } from './ownVoices.js';
import {
  addVoiceOptions,
  applyPatch,
  autocompleteVoiceOptions,
  describeVoice,
  readVoiceOptions,
  resolvedFor,
  validateVoice,
} from './voiceOptions.js';

/** `/myvoice set|show|reset`: the caller's own voice, over the server's, for everything they have read. */
export const myvoice = {
  data: new SlashCommandBuilder()
    .setName('myvoice')
    .setDescription('Your own voice for your messages (overrides the server voice)')
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((s) => addVoiceOptions(s.setName('set').setDescription('Change your voice (only the options you give)')))
    .addSubcommand((s) => s.setName('show').setDescription('Show the voice your messages are read with'))
    .addSubcommand((s) => s.setName('reset').setDescription('Go back to the server voice'))
    .addSubcommand((s) =>
      s
        .setName('clone')
        .setDescription('Clone your own voice from a recording of you (10 s to 5 min; asks your consent first)')
        .addAttachmentOption((o) => o.setName('sample').setDescription('A recording of your own voice: MP3, M4A or WAV, 10 s to 5 min, at most 20 MB').setRequired(true)),
    )
    .addSubcommand((s) => s.setName('forget').setDescription('Delete your cloned voice at MiniMax and here'))
    .addSubcommand((s) => addDesignOptions(s.setName('design').setDescription('Design a voice of your own from a description (costs money; if the bot owner allows it)'))),
  async execute(ctx) {
    switch (ctx.interaction.options.getSubcommand(true)) {
      case 'set':
        return set(ctx);
      case 'show':
        return show(ctx);
      case 'design':
        return designVoice(ctx, 'member');
      case 'clone':
        return cloneVoice(ctx);
      case 'forget':
        return forgetCommand(ctx);
      default:
        return reset(ctx);
    }
  },
  autocomplete: autocompleteVoiceOptions,
} satisfies Command;

function set(ctx: CommandContext): Reply {
  const read = readVoiceOptions(ctx, ctx.interaction.user.id);
  if (!read.ok) return privately(read.message);
  if (read.changed.length === 0) return privately('Give at least one option to change (voice, model, speed, volume, pitch, emotion or language).');
  const { guildId, user } = ctx.interaction;
  const server = ctx.store.getGuildSettings(guildId).voice;
  const mine = ctx.store.getMemberVoice(guildId, user.id);
  const error = validateVoice(resolvedFor(ctx.config, server, applyPatch(mine, read.patch)));
  if (error) return privately(error);
  const saved = ctx.store.setMemberVoice(guildId, user.id, read.patch);
  return privately(`Your voice is saved (used from your next message).\n${describeVoice(resolvedFor(ctx.config, server, saved), saved, 'yours')}`);
}

function show(ctx: CommandContext): Reply {
  const { guildId, user } = ctx.interaction;
  const server = ctx.store.getGuildSettings(guildId).voice;
  const mine = ctx.store.getMemberVoice(guildId, user.id);
  return privately(`**Your voice**\n${describeVoice(resolvedFor(ctx.config, server, mine), mine, 'yours')}${cloneExpiryLine(ctx.store, mine.voiceId)}`);
}

function reset(ctx: CommandContext): Reply {
  const { guildId, user } = ctx.interaction;
  const had = ctx.store.resetMemberVoice(guildId, user.id);
  const offer = forgetOffer(ctx.store, guildId, user.id);
  const text = had ? 'Your voice is reset: your messages use the server voice again.' : 'You had no voice of your own: your messages use the server voice.';
  return offer ? { ...privately(`${text}\n${offer.text}`), buttons: offer.buttons } : privately(text);
}
