/**
 * `/voice language set|reset|show|detect`, `/voice pool` and `/voice expressive`: how each message picks its voice (issue 19) — the
 * server's voice per language, whether languages are detected at all, a distinct voice per member, and emotion
 * from the message.
 * Changes need Manage Server (checked at run time too).
 */
import type { SlashCommandSubcommandBuilder, SlashCommandSubcommandGroupBuilder } from 'discord.js';
import { BUILT_IN_LANGUAGE_VOICES } from '../session/messageVoice.js';
import type { VoicingSettings } from '../store/types.js';
import { LANGUAGE_BOOSTS, type LanguageBoost } from '../t2a/types.js';
import { requireManageGuild } from './permissions.js';
import { fitMessage, privately, type Reply } from './reply.js';
import type { CommandContext } from './types.js';
import { pickVoice } from './voiceOptions.js';

/** The `language` subcommand group of /voice. */
export function addLanguageGroup(group: SlashCommandSubcommandGroupBuilder): SlashCommandSubcommandGroupBuilder {
  const language = (s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder =>
    s.addStringOption((o) =>
      o.setName('language').setDescription('Language (start typing to search)').setRequired(true).setAutocomplete(true).setMaxLength(40),
    );
  return group
    .setName('language')
    .setDescription('Voices per language, for messages of members who chose no voice')
    .addSubcommand((s) =>
      language(s.setName('set').setDescription('Read messages in a language with this voice')).addStringOption((o) =>
        o.setName('voice').setDescription('Voice (start typing to search)').setRequired(true).setAutocomplete(true).setMaxLength(200),
      ),
    )
    .addSubcommand((s) => language(s.setName('reset').setDescription("Go back to the bot's voice for a language")))
    .addSubcommand((s) => s.setName('show').setDescription('Show the voice for each language'))
    .addSubcommand((s) =>
      s
        .setName('detect')
        .setDescription("Detect each message's language (on by default)")
        .addBooleanOption((o) => o.setName('enabled').setDescription('On: detect; off: always the usual voice').setRequired(true)),
    );
}

/** The `pool` subcommand of /voice. */
export function addPoolSubcommand(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return sub
    .setName('pool')
    .setDescription('Give each member who chose no voice a distinct voice of their own')
    .addBooleanOption((o) => o.setName('enabled').setDescription('On: a voice per member; off: the server voice').setRequired(true));
}

/** The `expressive` subcommand of /voice. */
export function addExpressiveSubcommand(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return sub
    .setName('expressive')
    .setDescription('Emoji and punctuation set the emotion; "lol" laughs (with markup allowed, speech-2.8)')
    .addBooleanOption((o) => o.setName('enabled').setDescription('On: expressive; off: the voice as set').setRequired(true));
}

/** Runs a `/voice language ...` subcommand. */
export function voiceLanguage(ctx: CommandContext): Reply {
  switch (ctx.interaction.options.getSubcommand(true)) {
    case 'set':
      return set(ctx);
    case 'reset':
      return reset(ctx);
    case 'detect':
      return toggle(ctx, 'detectLanguage', 'Language detection is on: each message is read in its language.', 'Language detection is off: messages are read with the usual voice and language.');
    default:
      return show(ctx);
  }
}

/** Runs `/voice expressive`. */
export function voiceExpressive(ctx: CommandContext): Reply {
  return toggle(
    ctx,
    'expressive',
    'Expressive reading is on: emoji and punctuation set the emotion (unless a voice sets one), and with MiniMax markup allowed, written laughter laughs on speech-2.8 models.',
    'Expressive reading is off: messages are read with the emotion the voice sets.',
  );
}

/** Runs `/voice pool`. */
export function voicePool(ctx: CommandContext): Reply {
  return toggle(
    ctx,
    'pool',
    'The voice pool is on: each member who chose no voice gets a voice of their own, kept from now on.',
    'The voice pool is off: members who chose no voice use the server voice again (their pool voice is kept for later).',
  );
}

function languageOption(ctx: CommandContext): LanguageBoost | null {
  const wanted = ctx.interaction.options.getString('language', true).trim().toLowerCase();
  return LANGUAGE_BOOSTS.find((l) => l !== 'auto' && l.toLowerCase() === wanted) ?? null;
}

const UNKNOWN_LANGUAGE = "language must be one of MiniMax's languages (e.g. English, Japanese, Korean); pick one from the list. Nothing was changed.";

function set(ctx: CommandContext): Reply {
  const refused = requireManageGuild(ctx.interaction, 'change the voices per language');
  if (refused) return refused;
  const language = languageOption(ctx);
  if (language === null) return privately(UNKNOWN_LANGUAGE);
  const voice = pickVoice(ctx, ctx.interaction.options.getString('voice', true), null);
  if (!voice.ok) return privately(voice.message);
  const guildId = ctx.interaction.guildId;
  const voices = { ...ctx.store.getGuildSettings(guildId).voicing.languageVoices, [language]: voice.voiceId };
  ctx.store.updateGuildSettings(guildId, { voicing: { languageVoices: voices } });
  return privately(`${language} messages of members who chose no voice are read by \`${voice.voiceId}\` (from the next message).`);
}

function reset(ctx: CommandContext): Reply {
  const refused = requireManageGuild(ctx.interaction, 'change the voices per language');
  if (refused) return refused;
  const language = languageOption(ctx);
  if (language === null) return privately(UNKNOWN_LANGUAGE);
  const guildId = ctx.interaction.guildId;
  const voices = { ...ctx.store.getGuildSettings(guildId).voicing.languageVoices };
  delete voices[language];
  ctx.store.updateGuildSettings(guildId, { voicing: { languageVoices: voices } });
  const builtIn = BUILT_IN_LANGUAGE_VOICES[language];
  return privately(`${language} is read by ${builtIn === undefined ? 'the server voice' : `the bot's voice \`${builtIn}\``} again.`);
}

function show(ctx: CommandContext): Reply {
  const { voicing } = ctx.store.getGuildSettings(ctx.interaction.guildId);
  const languages = new Set<LanguageBoost>([...(Object.keys(BUILT_IN_LANGUAGE_VOICES) as LanguageBoost[]), ...(Object.keys(voicing.languageVoices) as LanguageBoost[])]);
  const lines = [...languages].map((l) => {
    const own = voicing.languageVoices[l];
    return `${l}: \`${own ?? BUILT_IN_LANGUAGE_VOICES[l] ?? ''}\` (${own === undefined ? 'built-in' : 'server'})`;
  });
  const head = [
    `Language detection: ${voicing.detectLanguage ? 'on' : 'off'}`,
    `Voice pool: ${voicing.pool ? 'on' : 'off'}`,
    `Expressive reading: ${voicing.expressive ? 'on' : 'off'}`,
    'A language not listed is read by the server voice. Voices per language apply to members who chose no voice.',
  ];
  return privately(fitMessage(`**Voices per language**\n${head.join('\n')}\n${lines.join('\n')}`));
}

function toggle(ctx: CommandContext, key: 'detectLanguage' | 'pool' | 'expressive', on: string, off: string): Reply {
  const refused = requireManageGuild(ctx.interaction, 'change how voices are picked');
  if (refused) return refused;
  const enabled = ctx.interaction.options.getBoolean('enabled', true);
  const patch: Partial<VoicingSettings> = { [key]: enabled };
  ctx.store.updateGuildSettings(ctx.interaction.guildId, { voicing: patch });
  return privately(enabled ? on : off);
}
