import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { MAX_DICTIONARY_ENTRIES, MAX_DICTIONARY_TEXT_LENGTH, validateDictionaryEntry } from '../text/index.js';
import { requireManageGuild } from './permissions.js';
import { fitMessage, literal, privately, type Reply } from './reply.js';
import type { Command, CommandContext } from './types.js';

/**
 * `/dictionary add|remove|list`: the server's pronunciations (plain words, never patterns), sent to MiniMax as
 * its pronunciation dictionary and applied to the text. Changing it needs Manage Server.
 */
export const dictionary = {
  data: new SlashCommandBuilder()
    .setName('dictionary')
    .setDescription("This server's pronunciations")
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) =>
      s
        .setName('add')
        .setDescription('Say a word differently (replaces an existing entry for the same word)')
        .addStringOption((o) => o.setName('from').setDescription('The word or phrase as written').setRequired(true).setMaxLength(MAX_DICTIONARY_TEXT_LENGTH))
        .addStringOption((o) => o.setName('to').setDescription('How to say it').setRequired(true).setMaxLength(MAX_DICTIONARY_TEXT_LENGTH)),
    )
    .addSubcommand((s) =>
      s
        .setName('remove')
        .setDescription('Remove a pronunciation')
        .addStringOption((o) => o.setName('from').setDescription('The word or phrase as written').setRequired(true).setMaxLength(MAX_DICTIONARY_TEXT_LENGTH)),
    )
    .addSubcommand((s) => s.setName('list').setDescription("List this server's pronunciations")),
  execute(ctx) {
    switch (ctx.interaction.options.getSubcommand(true)) {
      case 'add':
        return add(ctx);
      case 'remove':
        return remove(ctx);
      default:
        return list(ctx);
    }
  },
} satisfies Command;

function add({ interaction, store }: CommandContext): Reply {
  const refused = requireManageGuild(interaction, 'change the dictionary');
  if (refused) return refused;
  const from = interaction.options.getString('from', true);
  const to = interaction.options.getString('to', true);
  const invalid = validateDictionaryEntry(from, to);
  if (invalid) return privately(`${invalid} Nothing was changed.`);
  const result = store.addDictionaryEntry(interaction.guildId, { from: from.trim(), to: to.trim() }, { maxEntries: MAX_DICTIONARY_ENTRIES });
  if (!result.ok) {
    return privately(
      result.reason === 'full'
        ? `The dictionary is full (${MAX_DICTIONARY_ENTRIES} entries). Remove one with /dictionary remove first.`
        : 'The word to replace is empty. Nothing was changed.',
    );
  }
  return privately(`${result.replaced ? 'Updated' : 'Added'}: "${literal(from.trim())}" is now said as "${literal(to.trim())}" (from the next message).`);
}

function remove({ interaction, store }: CommandContext): Reply {
  const refused = requireManageGuild(interaction, 'change the dictionary');
  if (refused) return refused;
  const from = interaction.options.getString('from', true).trim();
  return store.removeDictionaryEntry(interaction.guildId, from)
    ? privately(`Removed "${literal(from)}".`)
    : privately(`"${literal(from)}" is not in the dictionary. See /dictionary list.`);
}

function list({ interaction, store }: CommandContext): Reply {
  const entries = store.listDictionary(interaction.guildId);
  if (entries.length === 0) return privately('The dictionary is empty. Add words with /dictionary add.');
  const lines = entries.map((e) => `${literal(e.from)} → ${e.to === '' ? '(silent)' : literal(e.to)}`);
  return privately(fitMessage(`**Dictionary** (${entries.length}/${MAX_DICTIONARY_ENTRIES})\n${lines.join('\n')}`));
}
