import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { requireManageGuild } from './permissions.js';
import { codeSpan, fitMessage, literal, privately, type Reply } from './reply.js';
import { speakFor } from './speakFlow.js';
import type { Command, CommandContext } from './types.js';
import { addExpressiveSubcommand, addLanguageGroup, addPoolSubcommand, voiceExpressive, voiceLanguage, voicePool } from './voiceLanguage.js';
import { cloningSetting } from './voiceClone.js';
import { addDesignOptions, designVoice } from './voiceDesign.js';
import {
  addVoiceOptions,
  applyPatch,
  autocompleteVoiceOptions,
  describeVoice,
  readVoiceOptions,
  resolvedFor,
  validateVoice,
} from './voiceOptions.js';

const PREVIEW_TEXT = 'Hello! This is how I sound on this server.';
const LIST_LIMIT = 25;

/**
 * `/voice set|show|reset|preview|list`: the server's default voice. Changing it needs Manage Server (checked at
 * run time too: admins can override Discord's default permissions per command).
 */
export const voice = {
  data: new SlashCommandBuilder()
    .setName('voice')
    .setDescription("This server's default voice")
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) => addVoiceOptions(s.setName('set').setDescription("Change the server's default voice (only the options you give)")))
    .addSubcommand((s) => s.setName('show').setDescription("Show the server's default voice"))
    .addSubcommand((s) => s.setName('reset').setDescription("Reset the server's voice to the bot's defaults"))
    .addSubcommand((s) =>
      s
        .setName('preview')
        .setDescription('Hear the server voice in your voice channel')
        .addStringOption((o) => o.setName('text').setDescription('What to say').setMaxLength(300)),
    )
    .addSubcommand((s) =>
      s
        .setName('cloning')
        .setDescription('Allow or deny members cloning their own voice (costs money; if the bot owner allows it)')
        .addStringOption((o) => o.setName('setting').setDescription('allow or deny').setRequired(true).addChoices({ name: 'allow', value: 'allow' }, { name: 'deny', value: 'deny' })),
    )
    .addSubcommand((s) => addDesignOptions(s.setName('design').setDescription('Design a new voice from a description (costs money; if the bot owner allows it)')))
    .addSubcommand((s) =>
      s
        .setName('list')
        .setDescription('List voices')
        .addStringOption((o) => o.setName('filter').setDescription('Part of a voice name or id, e.g. English').setMaxLength(100)),
    )
    .addSubcommandGroup(addLanguageGroup)
    .addSubcommand(addPoolSubcommand)
    .addSubcommand(addExpressiveSubcommand),
  async execute(ctx) {
    if (ctx.interaction.options.getSubcommandGroup() === 'language') return voiceLanguage(ctx);
    switch (ctx.interaction.options.getSubcommand(true)) {
      case 'pool':
        return voicePool(ctx);
      case 'expressive':
        return voiceExpressive(ctx);
      case 'set':
        return set(ctx);
      case 'show':
        return show(ctx);
      case 'reset':
        return reset(ctx);
      case 'preview':
        return preview(ctx);
      case 'design':
        return designVoice(ctx, 'server');
      case 'cloning':
        return cloningSetting(ctx);
      default:
        return list(ctx);
    }
  },
  autocomplete: autocompleteVoiceOptions,
} satisfies Command;

function set(ctx: CommandContext): Reply {
  const refused = requireManageGuild(ctx.interaction, "change the server's voice");
  if (refused) return refused;
  const read = readVoiceOptions(ctx, null);
  if (!read.ok) return privately(read.message);
  if (read.changed.length === 0) return privately('Give at least one option to change (voice, model, speed, volume, pitch, emotion or language).');
  const guildId = ctx.interaction.guildId;
  const current = ctx.store.getGuildSettings(guildId).voice;
  const error = validateVoice(resolvedFor(ctx.config, applyPatch(current, read.patch)));
  if (error) return privately(error);
  const saved = ctx.store.updateGuildSettings(guildId, { voice: read.patch }).voice;
  return privately(`Server voice saved (used from the next message).\n${describeVoice(resolvedFor(ctx.config, saved), saved, 'server')}`);
}

function show(ctx: CommandContext): Reply {
  const server = ctx.store.getGuildSettings(ctx.interaction.guildId).voice;
  return privately(`**Server voice**\n${describeVoice(resolvedFor(ctx.config, server), server, 'server')}`);
}

function reset(ctx: CommandContext): Reply {
  const refused = requireManageGuild(ctx.interaction, "reset the server's voice");
  if (refused) return refused;
  ctx.store.resetGuildVoice(ctx.interaction.guildId);
  return privately("Server voice reset to the bot's defaults.");
}

async function preview(ctx: CommandContext): Promise<Reply> {
  // It reads into the voice channel and spends the server's characters: an admin action like the others.
  const refused = requireManageGuild(ctx.interaction, "preview the server's voice");
  if (refused) return refused;
  const text = ctx.interaction.options.getString('text') ?? PREVIEW_TEXT;
  const server = ctx.store.getGuildSettings(ctx.interaction.guildId).voice;
  // The server's voice as a whole, so the caller's own /myvoice does not colour the preview.
  return speakFor(ctx, text, resolvedFor(ctx.config, server));
}

function list(ctx: CommandContext): Reply {
  const filter = ctx.interaction.options.getString('filter')?.trim() ?? '';
  const voices = ctx.catalogue.search(filter, LIST_LIMIT);
  if (voices.length === 0) return privately(`No voice matches "${literal(filter)}". Try a language (English, Japanese) or a word like "narrator".`);
  const lines = voices.map((v) => `${codeSpan(v.voiceId)}${v.name && v.name !== v.voiceId ? ` ${literal(v.name)}` : ''}${v.language ? ` (${literal(v.language)})` : ''}`);
  const head = filter ? `Voices matching "${literal(filter)}"` : 'Some voices';
  return privately(fitMessage(`**${head}** (first ${LIST_LIMIT}; type in /voice set voice to search all):\n${lines.join('\n')}`));
}
