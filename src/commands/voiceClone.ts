/**
 * Cloned voices: `/myvoice clone sample:<attachment>` clones the caller's own voice, only when the owner
 * (VOICE_CLONING=on) and the server (`/voice cloning allow`) allow it, and only after the member pressed the
 * consent button under a message that states what they agree to and what it costs. Nothing is uploaded before
 * that press. `/myvoice forget` (or the button under `/myvoice reset`) deletes the clone at MiniMax and here.
 */
import { randomBytes } from 'node:crypto';
import { shortReason } from '../session/failures.js';
import type { Store } from '../store/types.js';
import { isT2AError, type VoiceStudio } from '../t2a/index.js';
import { expiresAt } from './ownVoices.js';
import { requireManageGuild } from './permissions.js';
import { privately, type Reply } from './reply.js';
import type { ButtonContext, ButtonHandler, CommandContext } from './types.js';
import { attachmentProblem, downloadSample, durationProblem, measureSample, sampleFormat } from './voiceSample.js';

const CONSENT_PREFIX = 'vs:clone:';
const FORGET_PREFIX = 'vs:forget';
/** How long a consent button stays valid (the sample waits in memory meanwhile). */
const CONSENT_MS = 10 * 60_000;

interface PendingClone {
  guildId: string;
  userId: string;
  bytes: Buffer;
  filename: string;
  contentType: string;
  createdAt: number;
}

/** Samples waiting for their owner's consent, by token; one per member, dropped after CONSENT_MS (checked lazily). */
const pending = new Map<string, PendingClone>();

function putPending(token: string, clone: PendingClone): void {
  for (const [key, p] of pending) {
    if (clone.createdAt - p.createdAt > CONSENT_MS || (p.guildId === clone.guildId && p.userId === clone.userId)) pending.delete(key);
  }
  pending.set(token, clone);
}

/** Refusal when the owner or the server does not allow cloning; null when allowed. */
function cloningRefusal(config: CommandContext['config'], store: Store, studio: VoiceStudio | undefined, guildId: string): string | null {
  if (!config.voiceStudio.cloning || !studio) return 'Voice cloning is off on this bot. The bot owner can turn it on with VOICE_CLONING=on (each cloned voice costs about $3 at MiniMax).';
  if (!store.getGuildSettings(guildId).allowVoiceCloning) return 'This server does not allow cloned voices. A server admin can allow them with /voice cloning allow.';
  return null;
}

/** `/myvoice clone sample:<attachment>`: checks the sample, then asks for consent (nothing is uploaded yet). */
export async function cloneVoice(ctx: CommandContext): Promise<Reply> {
  const { interaction } = ctx;
  const refused = cloningRefusal(ctx.config, ctx.store, ctx.studio, interaction.guildId);
  if (refused) return privately(refused);
  const sample = interaction.options.getAttachment('sample', true);
  const problem = attachmentProblem(sample.name, sample.size, sample.contentType);
  if (problem) return privately(problem);
  const format = sampleFormat(sample.name, sample.contentType);
  if (!format) return privately('The sample must be an MP3, M4A or WAV recording.');
  await ctx.defer();
  let bytes: Buffer;
  try {
    bytes = await downloadSample(sample.url);
  } catch (error) {
    return privately(error instanceof Error ? error.message : 'I could not download the sample.');
  }
  const tooLong = attachmentProblem(sample.name, bytes.length, sample.contentType) ?? durationProblem(format, measureSample(format, bytes));
  if (tooLong) return privately(tooLong);
  const token = randomBytes(9).toString('base64url');
  putPending(token, {
    guildId: interaction.guildId, userId: interaction.user.id, bytes, filename: sample.name,
    contentType: sample.contentType ?? `audio/${format === 'mp3' ? 'mpeg' : format === 'm4a' ? 'mp4' : 'wav'}`, createdAt: ctx.now(),
  });
  return {
    ...privately([
      '**Before I clone your voice**, please confirm:',
      '• This recording is **your own voice**, and nobody else speaks in it.',
      '• You agree that I send it to MiniMax to make a voice that reads **your** messages on this server (only yours).',
      '• Cost: about **$3** at MiniMax when the voice is first used (the bot owner pays).',
      '• MiniMax deletes a cloned voice unused for 7 days; `/myvoice forget` deletes it whenever you want.',
      'Nothing has been sent yet. This button works for 10 minutes.',
    ].join('\n')),
    buttons: [
      { customId: `${CONSENT_PREFIX}yes:${token}`, label: 'I agree: this is my own voice', style: 'primary' },
      { customId: `${CONSENT_PREFIX}no:${token}`, label: 'Cancel', style: 'secondary' },
    ],
  };
}

/** The consent buttons under `/myvoice clone`'s question. */
export const cloneConsent: ButtonHandler = {
  prefix: CONSENT_PREFIX,
  async press(ctx: ButtonContext): Promise<Reply> {
    const [answer, token = ''] = ctx.interaction.customId.slice(CONSENT_PREFIX.length).split(':');
    const clone = pending.get(token);
    if (!clone || ctx.now() - clone.createdAt > CONSENT_MS) {
      pending.delete(token);
      return privately('This request has expired. Run /myvoice clone again with your sample.');
    }
    if (clone.userId !== ctx.interaction.user.id || clone.guildId !== ctx.interaction.guildId) {
      return privately('Only the member who sent the sample can answer this: a voice can only be cloned by its owner.');
    }
    pending.delete(token);
    if (answer !== 'yes') return privately('Cancelled: your sample was not sent anywhere and is forgotten.');
    const refused = cloningRefusal(ctx.config, ctx.store, ctx.studio, clone.guildId);
    if (refused || !ctx.studio) return privately(refused ?? 'Voice cloning is not available.');
    await ctx.defer();
    return makeClone(ctx, ctx.studio, clone);
  },
};

async function makeClone(ctx: ButtonContext, studio: VoiceStudio, clone: PendingClone): Promise<Reply> {
  const voiceId = `parrot${randomBytes(8).toString('hex')}`;
  try {
    const fileId = await studio.uploadSample({ bytes: clone.bytes, filename: clone.filename, contentType: clone.contentType });
    await studio.cloneVoice({ fileId, voiceId });
  } catch (error) {
    if (!isT2AError(error)) throw error;
    ctx.logger.warn('voice cloning failed', { code: String(error.code) });
    return privately(cloneFailure(error.code, shortReason(error)));
  }
  const now = ctx.now();
  const { guildId, userId } = clone;
  const old = ctx.store.listOwnedVoices(guildId, userId).filter((v) => v.kind === 'cloned');
  const voice = { voiceId, kind: 'cloned' as const, guildId, userId, description: clone.filename.slice(0, 200), createdAt: now, lastUsedAt: null };
  ctx.store.saveOwnedVoice(voice);
  ctx.store.setMemberVoice(guildId, userId, { voiceId });
  for (const v of old) await forgetOne(ctx.store, studio, v.voiceId, guildId, userId).catch(() => undefined);
  return privately(
    'Your own voice is ready: it reads your messages from now on (only yours). MiniMax charges about $3 when it is first used.\n' +
      `If it goes unused for 7 days MiniMax deletes it: speak with it before ${new Date(expiresAt(voice)).toUTCString()} to keep it. ` +
      '`/myvoice forget` deletes it now.',
  );
}

function cloneFailure(code: number | string, reason: string): string {
  switch (code) {
    case 2037:
      return 'MiniMax says the sample is too short or too long: it must be 10 seconds to 5 minutes of your voice. Nothing was cloned.';
    case 1043:
    case 1044:
      return 'MiniMax could not match the recording to one clear voice. Record yourself alone, clearly, in a quiet room, and try again. Nothing was cloned.';
    case 2038:
      return "MiniMax does not allow cloning on the bot's account (it needs verification). Tell the bot owner. Nothing was cloned.";
    default:
      return `MiniMax could not clone the voice (${reason}). Nothing was cloned; try again later.`;
  }
}

/** Deletes one cloned voice at MiniMax (already gone is fine) and here, and unsets it as the member's voice. */
async function forgetOne(store: Store, studio: VoiceStudio, voiceId: string, guildId: string, userId: string): Promise<void> {
  await studio.deleteVoice('voice_cloning', voiceId);
  store.deleteOwnedVoice(voiceId);
  if (store.getMemberVoice(guildId, userId).voiceId === voiceId) store.setMemberVoice(guildId, userId, { voiceId: null });
}

/** Deletes the member's cloned voices; the reply says what happened. */
async function forgetClones(ctx: { store: Store; studio?: VoiceStudio | undefined; now: () => number }, guildId: string, userId: string): Promise<Reply> {
  const clones = ctx.store.listOwnedVoices(guildId, userId).filter((v) => v.kind === 'cloned');
  if (clones.length === 0) return privately('You have no cloned voice on this server: there is nothing to delete.');
  if (!ctx.studio) return privately('I cannot reach MiniMax to delete your cloned voice right now. Try again later.');
  try {
    for (const v of clones) await forgetOne(ctx.store, ctx.studio, v.voiceId, guildId, userId);
  } catch (error) {
    if (!isT2AError(error)) throw error;
    return privately(`MiniMax could not delete your cloned voice just now (${shortReason(error)}). It is kept; try /myvoice forget again later.`);
  }
  return privately('Your cloned voice is deleted at MiniMax and forgotten here. Your messages use the server voice.');
}

/** `/myvoice forget`. */
export async function forgetCommand(ctx: CommandContext): Promise<Reply> {
  await ctx.defer();
  return forgetClones(ctx, ctx.interaction.guildId, ctx.interaction.user.id);
}

/** The button under `/myvoice reset` that also deletes the member's clone. */
export const forgetButton: ButtonHandler = {
  prefix: FORGET_PREFIX,
  async press(ctx: ButtonContext): Promise<Reply> {
    await ctx.defer();
    return forgetClones(ctx, ctx.interaction.guildId, ctx.interaction.user.id);
  },
};

/** Added to `/myvoice reset`'s answer when the member has a cloned voice: the offer to delete it. */
export function forgetOffer(store: Store, guildId: string, userId: string): Pick<Reply, 'buttons'> {
  const has = store.listOwnedVoices(guildId, userId).some((v) => v.kind === 'cloned');
  return has ? { buttons: [{ customId: FORGET_PREFIX, label: 'Also delete my cloned voice', style: 'danger' }] } : {};
}

/** `/voice cloning allow|deny` (Manage Server). */
export function cloningSetting(ctx: CommandContext): Reply {
  const refused = requireManageGuild(ctx.interaction, 'change whether members may clone their voice');
  if (refused) return refused;
  const allow = ctx.interaction.options.getString('setting', true) === 'allow';
  ctx.store.updateGuildSettings(ctx.interaction.guildId, { allowVoiceCloning: allow });
  const owner = ctx.config.voiceStudio.cloning ? '' : ' (the bot owner has not turned cloning on yet: VOICE_CLONING=on)';
  return privately(allow
    ? `Members may now clone their own voice with /myvoice clone${owner}. Each cloned voice costs about $3 at MiniMax, and only its owner's messages use it.`
    : 'Cloned voices are no longer allowed here: /myvoice clone is refused. Existing cloned voices stay until their owners forget them.');
}
