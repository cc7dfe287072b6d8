/**
 * The common path of /speak and /voice preview: the caller's voice channel, the rate limit, text cleanup, the
 * join (deferred: it can take seconds), the enqueue, and a private answer for every outcome.
 */
import type { EnqueueResult, VoiceOverride } from '../session/index.js';
import { describeRateLimit } from './rateLimit.js';
import { privately, type Reply } from './reply.js';
import { cleanSlashText } from './speakText.js';
import type { CommandContext } from './types.js';
import { joinVoiceChannelOf, memberVoiceChannel, needsJoin } from './voiceJoin.js';

export async function speakFor(ctx: CommandContext, rawText: string, override: VoiceOverride | undefined): Promise<Reply> {
  const { interaction, sessions, config } = ctx;
  const receivedAt = ctx.now();
  const guild = interaction.guild;
  const channel = memberVoiceChannel(guild, interaction.user.id);
  if (!channel) return privately('Join a voice channel first: I read into the voice channel you are in.');

  const text = cleanSlashText(guild, rawText, ctx.store.getGuildSettings(guild.id), ctx.now());
  if (!text) return privately("There's nothing I can read in that text. Write some words.");

  const rate = ctx.rateLimiter.take(guild.id, interaction.user.id);
  if (!rate.ok) return privately(describeRateLimit(rate));

  // Deferring (joining can take seconds) and joining are both round trips to Discord: a cold /speak waits for
  // the slower of the two, not their sum.
  const deferring = needsJoin(sessions, guild.id, channel.id) ? ctx.defer() : Promise.resolve();
  // The caller's speech task opens during the join, so the text is not held up by it afterwards.
  const warmFor = { authorId: interaction.user.id, text: rawText, ...(override ? { override } : {}) };
  const [, joined] = await Promise.all([deferring, joinVoiceChannelOf(sessions, guild, channel, warmFor)]);
  if (!joined.ok) return privately(joined.message);

  const result = joined.session.enqueue({
    authorId: interaction.user.id,
    authorName: interaction.member.displayName,
    text,
    authorText: rawText,
    ...(override ? { override } : {}),
    source: { kind: 'command', channelId: interaction.channelId },
    receivedAt,
  });
  if (!result.ok) return privately(describeEnqueue(result, config.queue));
  if (result.position === 1) return privately('Reading it now.');
  return privately(`Queued (position ${result.position}).`);
}

/** The answer for an enqueue: the position, or what to do when it was refused. */
export function describeEnqueue(result: EnqueueResult, limits: { maxPerGuild: number; maxPerUser: number }): string {
  if (result.ok) return `Queued (position ${result.position}).`;
  switch (result.reason) {
    case 'guild_queue_full':
      return `The queue is full (${limits.maxPerGuild} messages). Wait a little, or use /skip or /clear.`;
    case 'user_queue_full':
      return `You already have ${limits.maxPerUser} ${limits.maxPerUser === 1 ? 'message' : 'messages'} waiting. Wait for ${limits.maxPerUser === 1 ? 'it' : 'them'} to be read.`;
    case 'paused':
      return `Speech is paused on this server${result.detail ? `: ${result.detail}` : ''}. See /status.`;
    case 'destroyed':
      return 'My voice session just ended. Try again.';
  }
}
