/**
 * Cloned voices: `/myvoice clone sample:<attachment>` clones the caller's own voice, only when the owner
 * (VOICE_CLONING=on) and the server (`/voice cloning allow`) allow it, and only after the member pressed the
 * consent button under a message that states what they agree to and what it costs. Nothing is uploaded before
 * that press; the pending consent is kept in the store (the sample's URL, never its audio), so a restart between
 * the question and the press loses nothing. Deleting a clone is in cloneForget.ts.
 */
import { randomBytes } from 'node:crypto';
import { shortReason } from '../session/failures.js';
import type { PendingConsent, Store } from '../store/types.js';
import { forgetOne } from './cloneForget.js';
import { isT2AError, type VoiceStudio } from '../t2a/index.js';
import { expiresAt } from './ownVoices.js';
import { requireManageGuild } from './permissions.js';
import { privately, type Reply } from './reply.js';
import type { ButtonContext, ButtonHandler, CommandContext } from './types.js';
import { attachmentProblem, downloadSample, durationProblem, measureSample, sampleFormat } from './voiceSample.js';

const CONSENT_PREFIX = 'vs:clone:';
/** How long a consent button stays valid (the consent waits in the store meanwhile: no audio, only the sample's URL). */
const CONSENT_MS = 10 * 60_000;

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
  const now = ctx.now();
  ctx.store.savePendingConsent({
    token, guildId: interaction.guildId, userId: interaction.user.id, sampleUrl: sample.url, filename: sample.name,
    contentType: sample.contentType ?? `audio/${format === 'mp3' ? 'mpeg' : format === 'm4a' ? 'mp4' : 'wav'}`, size: bytes.length,
    createdAt: now, expiresAt: now + CONSENT_MS,
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

const EXPIRED = 'This consent request has expired or was replaced by a newer one: nothing was sent. Run /myvoice clone again with your sample.';

/** The consent buttons under `/myvoice clone`'s question (the consent is read from the store: a restart loses nothing). */
export const cloneConsent: ButtonHandler = {
  prefix: CONSENT_PREFIX,
  async press(ctx: ButtonContext): Promise<Reply> {
    const [answer, token = ''] = ctx.interaction.customId.slice(CONSENT_PREFIX.length).split(':');
    const consent = token ? ctx.store.getPendingConsent(token) : null;
    if (!consent || ctx.now() > consent.expiresAt) {
      if (consent) ctx.store.deletePendingConsent(token);
      return privately(EXPIRED);
    }
    if (consent.userId !== ctx.interaction.user.id || consent.guildId !== ctx.interaction.guildId) {
      return privately('Only the member who sent the sample can answer this: a voice can only be cloned by its owner.');
    }
    ctx.store.deletePendingConsent(token);
    if (answer !== 'yes') return privately('Cancelled: your sample was not sent anywhere and is forgotten.');
    const refused = cloningRefusal(ctx.config, ctx.store, ctx.studio, consent.guildId);
    if (refused || !ctx.studio) return privately(refused ?? 'Voice cloning is not available.');
    await ctx.defer();
    const sample = await fetchAgain(consent);
    if ('problem' in sample) return privately(sample.problem);
    return makeClone(ctx, ctx.studio, consent, sample.bytes);
  },
};

/** The sample downloaded again from Discord at the press, and checked again; a problem that says what to do otherwise. */
async function fetchAgain(consent: PendingConsent): Promise<{ bytes: Buffer } | { problem: string }> {
  const format = sampleFormat(consent.filename, consent.contentType);
  if (!format) return { problem: EXPIRED };
  let bytes: Buffer;
  try {
    bytes = await downloadSample(consent.sampleUrl);
  } catch (error) {
    const why = error instanceof Error ? error.message : 'I could not download the sample.';
    return { problem: `${why} Nothing was sent to MiniMax; run /myvoice clone again with your sample.` };
  }
  const problem = attachmentProblem(consent.filename, bytes.length, consent.contentType) ?? durationProblem(format, measureSample(format, bytes));
  return problem ? { problem: `${problem} Nothing was sent to MiniMax.` } : { bytes };
}

async function makeClone(ctx: ButtonContext, studio: VoiceStudio, clone: PendingConsent, bytes: Buffer): Promise<Reply> {
  const voiceId = `parrot${randomBytes(8).toString('hex')}`;
  try {
    const fileId = await studio.uploadSample({ bytes, filename: clone.filename, contentType: clone.contentType });
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
