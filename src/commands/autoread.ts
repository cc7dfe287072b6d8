import {
  ChannelType,
  InteractionContextType,
  PermissionFlagsBits,
  SlashCommandBuilder,
  escapeMarkdown,
  type GuildBasedChannel,
  type GuildMember,
} from 'discord.js';
import { AUTOREAD_IGNORE_PREFIX_MAX, AUTOREAD_MAX_LENGTH } from '../store/settings.js';
import type { AutoreadSettings } from '../store/types.js';
import { requireManageGuild } from './permissions.js';
import { privately } from './reply.js';
import type { Command, CommandContext } from './types.js';
import type { Reply } from './reply.js';

const READABLE_CHANNELS = [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.GuildVoice] as const;

/** Boolean options of `/autoread options`, by option name. */
const FLAGS = {
  xsaid: { key: 'xsaid', description: 'Say "<name> said" before a message (not repeated within a minute)' },
  require_voice: { key: 'requireVoice', description: "Only read people who are in my voice channel" },
  read_bots: { key: 'readBots', description: 'Also read messages from bots and webhooks' },
  autojoin: { key: 'autojoin', description: "Join the author's voice channel when someone writes in the read channel" },
  skip_emoji: { key: 'skipEmoji', description: 'Leave emoji out instead of naming them' },
  text_in_voice: { key: 'textInVoice', description: "Also read the text chat of my voice channel" },
} as const satisfies Record<string, { key: keyof AutoreadSettings; description: string }>;

/** `/autoread set|off|options`: which text channel is read aloud, and how. Needs Manage Server. */
export const autoread = {
  data: new SlashCommandBuilder()
    .setName('autoread')
    .setDescription('Read a text channel aloud automatically')
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) =>
      s
        .setName('set')
        .setDescription('Read this text channel aloud')
        .addChannelOption((o) => o.setName('channel').setDescription('The channel to read').setRequired(true).addChannelTypes(...READABLE_CHANNELS)),
    )
    .addSubcommand((s) => s.setName('off').setDescription('Stop reading a channel automatically'))
    .addSubcommand((s) => {
      s.setName('options').setDescription('How messages are read (no options: show the current ones)');
      for (const [name, flag] of Object.entries(FLAGS)) s.addBooleanOption((o) => o.setName(name).setDescription(flag.description));
      return s
        .addIntegerOption((o) =>
          o
            .setName('max_length')
            .setDescription(`Longest message read, in characters (${AUTOREAD_MAX_LENGTH.min} to ${AUTOREAD_MAX_LENGTH.max})`)
            .setMinValue(AUTOREAD_MAX_LENGTH.min)
            .setMaxValue(AUTOREAD_MAX_LENGTH.max),
        )
        .addStringOption((o) =>
          o
            .setName('ignore_prefix')
            .setDescription('Messages starting with this are not read, e.g. ; or // ("none": read them all)')
            .setMinLength(1)
            .setMaxLength(AUTOREAD_IGNORE_PREFIX_MAX),
        );
    }),
  execute(ctx) {
    const refused = requireManageGuild(ctx.interaction, 'change auto-read');
    if (refused) return refused;
    const subcommand = ctx.interaction.options.getSubcommand(true);
    if (!ctx.config.autoRead && subcommand !== 'off') return privately(AUTOREAD_OFF);
    switch (subcommand) {
      case 'set':
        return setChannel(ctx);
      case 'off':
        ctx.store.updateGuildSettings(ctx.interaction.guildId, { autoread: { channelId: null } });
        return privately('Auto-read is off. /speak still works.');
      default:
        return setOptions(ctx);
    }
  },
} satisfies Command;

/** Why /autoread cannot read on a bot started with AUTOREAD=off. */
export const AUTOREAD_OFF =
  "Auto-read is turned off on this bot (AUTOREAD=off): Discord gives it no message text without the Message Content intent. The bot's owner can enable Message Content Intent in the Discord developer portal (your application > Bot > Privileged Gateway Intents), then remove AUTOREAD=off and restart. /speak works meanwhile.";

function setChannel({ interaction, store }: CommandContext): Reply {
  const channel = interaction.options.getChannel('channel', true);
  if (!(READABLE_CHANNELS as readonly ChannelType[]).includes(channel.type)) {
    return privately('Pick a text channel (or the text chat of a voice channel) for /autoread set.');
  }
  const missing = missingReadPermissions(channel, interaction.guild.members.me);
  if (missing.includes('View Channel')) {
    return privately(`I can't see <#${channel.id}>. Give me the View Channel permission there, then try again.`);
  }
  store.updateGuildSettings(interaction.guildId, { autoread: { channelId: channel.id } });
  const warn = missing.length > 0 ? `\nNote: I'm missing ${missing.join(' and ')} there, so I can't flag messages I fail to read.` : '';
  return privately(`I'll read new messages in <#${channel.id}> aloud while I'm in a voice channel (/join, or turn on autojoin in /autoread options).${warn}`);
}

function missingReadPermissions(channel: GuildBasedChannel, me: GuildMember | null): string[] {
  const perms = me ? channel.permissionsFor(me) : null;
  const wanted = [
    { flag: PermissionFlagsBits.ViewChannel, name: 'View Channel' },
    { flag: PermissionFlagsBits.SendMessages, name: 'Send Messages' },
    { flag: PermissionFlagsBits.AddReactions, name: 'Add Reactions' },
  ];
  return wanted.filter((w) => perms?.has(w.flag) !== true).map((w) => w.name);
}

function setOptions({ interaction, store }: CommandContext): Reply {
  const patch: Partial<AutoreadSettings> = {};
  for (const [name, flag] of Object.entries(FLAGS)) {
    const value = interaction.options.getBoolean(name);
    if (value !== null) patch[flag.key] = value;
  }
  const maxLength = interaction.options.getInteger('max_length');
  if (maxLength !== null) {
    if (!Number.isInteger(maxLength) || maxLength < AUTOREAD_MAX_LENGTH.min || maxLength > AUTOREAD_MAX_LENGTH.max) {
      return privately(`max_length must be a whole number from ${AUTOREAD_MAX_LENGTH.min} to ${AUTOREAD_MAX_LENGTH.max}. Nothing was changed.`);
    }
    patch.maxLength = maxLength;
  }
  const ignorePrefix = interaction.options.getString('ignore_prefix');
  if (ignorePrefix !== null) {
    const prefix = ignorePrefix.trim();
    if (prefix.length === 0 || [...prefix].length > AUTOREAD_IGNORE_PREFIX_MAX) {
      return privately(`ignore_prefix must be 1 to ${AUTOREAD_IGNORE_PREFIX_MAX} characters other than spaces, or "none". Nothing was changed.`);
    }
    patch.ignorePrefix = prefix.toLowerCase() === 'none' ? null : prefix;
  }
  const changed = Object.keys(patch).length > 0;
  const settings = changed
    ? store.updateGuildSettings(interaction.guildId, { autoread: patch }).autoread
    : store.getGuildSettings(interaction.guildId).autoread;
  return privately(`${changed ? 'Auto-read options saved.' : 'Auto-read options:'}\n${describe(settings)}`);
}

function describe(s: AutoreadSettings): string {
  const onOff = (v: boolean): string => (v ? 'on' : 'off');
  return [
    `channel: ${s.channelId ? `<#${s.channelId}>` : 'none'}`,
    ...Object.entries(FLAGS).map(([name, flag]) => `${name}: ${onOff(s[flag.key])}`),
    `max_length: ${s.maxLength}`,
    `ignore_prefix: ${s.ignorePrefix === null ? 'none' : escapeMarkdown(s.ignorePrefix)}`,
  ].join('\n');
}
