/**
 * `/voice design` and `/myvoice design`: MiniMax makes a voice from a description (about $3 per voice, so off
 * unless the owner set VOICE_DESIGN=on, and limited per server and UTC month). MiniMax's preview of the new voice
 * (its trial audio) plays in the caller's voice channel when the bot is there, queued like any item but costing no
 * T2A characters; otherwise it is attached. Buttons keep the voice as the server's or the member's.
 */
import { PermissionFlagsBits, type SlashCommandSubcommandBuilder } from 'discord.js';
import { shortReason } from '../session/failures.js';
import { isT2AError } from '../t2a/index.js';
import { requireManageGuild } from './permissions.js';
import { privately, type Reply, type ReplyButton } from './reply.js';
import { describeEnqueue } from './speakFlow.js';
import type { ButtonContext, ButtonHandler, CommandContext } from './types.js';
import { memberVoiceChannel } from './voiceJoin.js';
import { describeVoiceId } from './ownVoices.js';

export const DEFAULT_PREVIEW = 'Hello! This is the voice you designed, reading for Parrot.';
export const DESIGN_DESCRIPTION_MAX = 1000;
export const PREVIEW_TEXT_MAX = 500;
const KEEP_PREFIX = 'vs:keep:';

/** The `description` and `preview_text` options of both design subcommands. */
export function addDesignOptions(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .addStringOption((o) => o.setName('description').setDescription('What the voice sounds like, e.g. "a calm old sailor, deep and slow"').setRequired(true).setMaxLength(DESIGN_DESCRIPTION_MAX))
    .addStringOption((o) => o.setName('preview_text').setDescription('What the new voice says first').setMaxLength(PREVIEW_TEXT_MAX));
}

/** Refusal when designs are off or the server's monthly designs are used up; null when allowed. */
function designRefusal(ctx: CommandContext): Reply | null {
  const { voiceStudio } = ctx.config;
  if (!voiceStudio.design || !ctx.studio) {
    return privately('Voice design is off on this bot: each designed voice costs about $3 at MiniMax. The bot owner can turn it on with VOICE_DESIGN=on.');
  }
  const used = ctx.store.getVoiceDesigns(ctx.interaction.guildId, new Date(ctx.now()));
  if (used >= voiceStudio.designsPerGuildMonthly) {
    return privately(`This server has used its ${voiceStudio.designsPerGuildMonthly} voice ${voiceStudio.designsPerGuildMonthly === 1 ? 'design' : 'designs'} for this month (UTC); more can be designed from the 1st. Designed voices stay usable.`);
  }
  return null;
}

/** Runs a design for the server (`scope` 'server', Manage Server) or for the caller ('member'). */
export async function designVoice(ctx: CommandContext, scope: 'server' | 'member'): Promise<Reply> {
  if (scope === 'server') {
    const refused = requireManageGuild(ctx.interaction, 'design a voice for the server');
    if (refused) return refused;
  }
  const refused = designRefusal(ctx);
  if (refused || !ctx.studio) return refused ?? privately('Voice design is not available.');
  const { interaction } = ctx;
  const description = interaction.options.getString('description', true).trim();
  const previewText = interaction.options.getString('preview_text')?.trim() || DEFAULT_PREVIEW;
  if (description === '') return privately('Describe the voice in a few words, e.g. "a calm old sailor, deep and slow".');
  await ctx.defer();
  let designed;
  try {
    designed = await ctx.studio.designVoice({ prompt: description, previewText });
  } catch (error) {
    if (!isT2AError(error)) throw error;
    ctx.logger.warn('voice design failed', { code: String(error.code) });
    return privately(`MiniMax could not design that voice (${shortReason(error)}). Nothing was counted; try another description.`);
  }
  const now = ctx.now();
  ctx.store.addVoiceDesign(interaction.guildId, new Date(now));
  ctx.store.saveOwnedVoice({
    voiceId: designed.voiceId, kind: 'designed', guildId: interaction.guildId, userId: interaction.user.id,
    description, createdAt: now, lastUsedAt: null,
  });
  const buttons = keepButtons(designed.voiceId, scope);
  const head = `Designed a new voice: \`${designed.voiceId}\`.`;
  const played = playPreview(ctx, designed.voiceId, designed.trialAudio, now);
  if (played.ok) return { ...privately(`${head} Its preview plays in the voice channel (${played.position === 1 ? 'now' : `position ${played.position} in the queue`}).\nKeep it?`), buttons };
  const files = designed.trialAudio.length > 0 ? [{ name: 'voice-preview.mp3', data: designed.trialAudio }] : [];
  const why = played.why === undefined ? '' : ` (${played.why})`;
  return { ...privately(`${head} ${files.length > 0 ? `Its preview is attached${why}.` : 'MiniMax sent no preview.'}\nKeep it?`), files, buttons };
}

/**
 * Queues MiniMax's preview (ready MP3: no characters, nothing sent to MiniMax) in the caller's voice channel when
 * the bot is there; otherwise says why it is not played (undefined: the bot is not in the caller's channel).
 */
function playPreview(ctx: CommandContext, voiceId: string, mp3: Buffer, receivedAt: number): { ok: true; position: number } | { ok: false; why?: string } {
  const { interaction, sessions, config } = ctx;
  const channel = memberVoiceChannel(interaction.guild, interaction.user.id);
  const session = sessions.get(interaction.guildId);
  if (mp3.length === 0 || !channel || !session || session.isDestroyed || session.channelId !== channel.id) return { ok: false };
  const queued = session.enqueue({
    authorId: interaction.user.id,
    authorName: interaction.member.displayName,
    text: `the preview of ${voiceId}`,
    audio: mp3,
    source: { kind: 'command', channelId: interaction.channelId },
    receivedAt,
  });
  if (queued.ok) return { ok: true, position: queued.position };
  return { ok: false, why: `not played in the voice channel: ${describeEnqueue(queued, config.queue)}` };
}

function keepButtons(voiceId: string, scope: 'server' | 'member'): ReplyButton[] {
  const mine: ReplyButton = { customId: `${KEEP_PREFIX}me:${voiceId}`, label: 'Use it for my messages', style: scope === 'member' ? 'primary' : 'secondary' };
  const server: ReplyButton = { customId: `${KEEP_PREFIX}server:${voiceId}`, label: "Make it the server's voice", style: scope === 'server' ? 'primary' : 'secondary' };
  return scope === 'server' ? [server, mine] : [mine, server];
}

/** The "keep it" buttons under a design's reply. */
export const keepDesignedVoice: ButtonHandler = {
  prefix: KEEP_PREFIX,
  press(ctx: ButtonContext): Promise<Reply> {
    const [target, ...rest] = ctx.interaction.customId.slice(KEEP_PREFIX.length).split(':');
    const voiceId = rest.join(':');
    const { guildId, user } = ctx.interaction;
    const owned = ctx.store.getOwnedVoice(voiceId);
    if (!owned || owned.kind !== 'designed' || owned.guildId !== guildId) {
      return Promise.resolve(privately('That designed voice is gone (deleted or expired at MiniMax). Design a new one.'));
    }
    if (target === 'server') {
      if (!ctx.interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) {
        return Promise.resolve(privately("You need the Manage Server permission to change the server's voice. Ask a server admin."));
      }
      ctx.store.updateGuildSettings(guildId, { voice: { voiceId } });
      return Promise.resolve(privately(`The server's voice is now ${describeVoiceId(voiceId, owned)} (from the next message).`));
    }
    ctx.store.setMemberVoice(guildId, user.id, { voiceId });
    return Promise.resolve(privately(`Your messages now use ${describeVoiceId(voiceId, owned)} (from your next message).`));
  },
};
