/**
 * Deleting a member's cloned voice at MiniMax and here: `/myvoice forget`, and the offer with two buttons (delete,
 * keep) under `/myvoice reset` and in the direct message sent to a member who left the server. The buttons carry
 * the guild and the clone, so a press from a direct message (no guild) knows what it is about, and only the
 * clone's owner may press them. Nothing is deleted without that press.
 *
 * Discord delivers a direct message's press to shard 0, whose memory holds only its own shards' servers; a clone
 * from another shard's server is read from the database (Store.findOwnedVoice) and deleted there. That shard still
 * holds it in memory until it next speaks with it: MiniMax then answers that the voice is gone, and the fallback
 * (session/goneVoice.ts) forgets it with one notice.
 */
import { shortReason } from '../session/failures.js';
import type { OwnedVoice, Store } from '../store/types.js';
import { isT2AError, type VoiceStudio } from '../t2a/index.js';
import { expiresAt } from './ownVoices.js';
import { privately, type Reply, type ReplyButton } from './reply.js';
import type { ButtonHandler, CommandContext, PressContext } from './types.js';

const DROP_PREFIX = 'vs:clone-drop:';
const KEEP_PREFIX = 'vs:clone-keep:';

interface ForgetDeps {
  store: Store;
  studio?: VoiceStudio | undefined;
}

/** Deletes one cloned voice at MiniMax (already gone is fine) and here, and unsets it as the member's voice. */
export async function forgetOne(store: Store, studio: VoiceStudio, voiceId: string, guildId: string, userId: string): Promise<void> {
  await studio.deleteVoice('voice_cloning', voiceId);
  store.deleteOwnedVoice(voiceId);
  if (store.getMemberVoice(guildId, userId).voiceId === voiceId) store.setMemberVoice(guildId, userId, { voiceId: null });
}

/** Deletes these cloned voices; the reply says what happened. */
async function forgetClones(deps: ForgetDeps, clones: OwnedVoice[], inGuild: boolean): Promise<Reply> {
  if (clones.length === 0) return privately('You have no cloned voice on this server: there is nothing to delete.');
  if (!deps.studio) return privately('I cannot reach MiniMax to delete your cloned voice right now. Try again later.');
  try {
    for (const v of clones) await forgetOne(deps.store, deps.studio, v.voiceId, v.guildId, v.userId);
  } catch (error) {
    if (!isT2AError(error)) throw error;
    const retry = inGuild ? 'try /myvoice forget again later' : 'press the button again later';
    return privately(`MiniMax could not delete your cloned voice just now (${shortReason(error)}). It is kept; ${retry}.`);
  }
  return privately(`Your cloned voice is deleted at MiniMax and forgotten here.${inGuild ? ' Your messages use the server voice.' : ''}`);
}

/** `/myvoice forget`. */
export async function forgetCommand(ctx: CommandContext): Promise<Reply> {
  await ctx.defer();
  const clones = ctx.store.listOwnedVoices(ctx.interaction.guildId, ctx.interaction.user.id).filter((v) => v.kind === 'cloned');
  return forgetClones(ctx, clones, true);
}

/** The member's newest cloned voice in the guild, or undefined. */
export function cloneOf(store: Store, guildId: string, userId: string): OwnedVoice | undefined {
  return store.listOwnedVoices(guildId, userId).filter((v) => v.kind === 'cloned').at(-1);
}

/** The two buttons of the offer: delete the clone at MiniMax and here, or keep it. */
export function forgetButtons(clone: OwnedVoice): ReplyButton[] {
  const about = `${clone.guildId}:${clone.voiceId}`;
  return [
    { customId: `${DROP_PREFIX}${about}`, label: 'Also delete my cloned voice at MiniMax', style: 'danger' },
    { customId: `${KEEP_PREFIX}${about}`, label: 'Keep it', style: 'secondary' },
  ];
}

/** When MiniMax deletes the clone if it stays unused, for the offer's text. */
export function expiryText(clone: OwnedVoice): string {
  return `MiniMax deletes it if unused for 7 days (on ${new Date(expiresAt(clone)).toUTCString()})`;
}

/** Added to `/myvoice reset`'s answer when the member has a cloned voice: the offer to delete it. */
export function forgetOffer(store: Store, guildId: string, userId: string): { text: string; buttons: ReplyButton[] } | null {
  const clone = cloneOf(store, guildId, userId);
  if (!clone) return null;
  return { text: `Your cloned voice still exists at MiniMax; ${expiryText(clone)}. Delete it too?`, buttons: forgetButtons(clone) };
}

/**
 * The clone a drop/keep button is about, and whether the presser owns it; a refusal Reply otherwise. A clone not in
 * this process's memory is looked up in the database, after deferring (Discord waits 3 s for the first answer).
 */
async function clonePressed(ctx: PressContext, prefix: string): Promise<{ clone: OwnedVoice } | { refused: Reply }> {
  const [guildId = '', voiceId = ''] = ctx.customId.slice(prefix.length).split(':');
  let clone = voiceId ? ctx.store.getOwnedVoice(voiceId) : null;
  if (voiceId && !clone) {
    await ctx.defer();
    clone = await ctx.store.findOwnedVoice(voiceId);
  }
  if (!clone || clone.kind !== 'cloned' || clone.guildId !== guildId) {
    return { refused: privately('That cloned voice is already deleted: there is nothing left to do.') };
  }
  if (clone.userId !== ctx.userId) {
    return { refused: privately('Only the member whose voice this is can answer this. Nothing was changed.') };
  }
  return { clone };
}

/** "Also delete my cloned voice at MiniMax": exactly what /myvoice forget does, from the server or a direct message. */
export const dropButton: ButtonHandler = {
  prefix: DROP_PREFIX,
  async pressAnywhere(ctx: PressContext): Promise<Reply> {
    const pressed = await clonePressed(ctx, DROP_PREFIX);
    if ('refused' in pressed) return pressed.refused;
    await ctx.defer();
    ctx.logger.info('a member asked to delete their cloned voice', { guild: pressed.clone.guildId, from: ctx.guildId === null ? 'dm' : 'server' });
    return forgetClones(ctx, [pressed.clone], ctx.guildId !== null);
  },
};

/** "Keep it": nothing changes; says until when MiniMax keeps it. */
export const keepButton: ButtonHandler = {
  prefix: KEEP_PREFIX,
  async pressAnywhere(ctx: PressContext): Promise<Reply> {
    const pressed = await clonePressed(ctx, KEEP_PREFIX);
    if ('refused' in pressed) return pressed.refused;
    const later = ctx.guildId === null ? 'the delete button above still works until then' : '/myvoice forget deletes it whenever you want';
    return privately(`Kept: your cloned voice stays. ${expiryText(pressed.clone)}; ${later}.`);
  },
};
