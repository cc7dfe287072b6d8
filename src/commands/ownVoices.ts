/**
 * Rules shared by the commands about voices made at MiniMax for this bot (OwnedVoice): a cloned voice is its
 * owner's only, and how a designed or cloned voice is named in replies.
 */
import type { OwnedVoice, Store } from '../store/types.js';
import { isId } from '../store/validate.js';

/** How long MiniMax keeps a voice unused in speech (cloned: 168 h, documented; designed: thin, the same assumed). */
export const VOICE_KEEP_MS = 7 * 24 * 3600_000;

/** `id` (designed: "description") for replies; the description is cut short and never pings (replies disable mentions). */
export function describeVoiceId(voiceId: string, owned: OwnedVoice | null): string {
  if (!owned) return `\`${voiceId}\``;
  if (owned.kind === 'cloned') return `your own voice (\`${voiceId}\`)`;
  const text = owned.description.length > 60 ? `${owned.description.slice(0, 59)}…` : owned.description;
  return `\`${voiceId}\` ("${text.replace(/[`"]/g, "'")}")`;
}

/**
 * A refusal when `voiceId` is someone's cloned voice and `forUserId` is not that someone (null for the server's
 * voice: a clone is never a server voice); null when the voice may be used.
 */
export function cloneRefusal(store: Store, voiceId: string | null | undefined, forUserId: string | null): string | null {
  // Not a possible id (e.g. 5000 characters): not a voice Parrot made; the voice check that follows refuses it.
  if (!voiceId || !isId(voiceId)) return null;
  const owned = store.getOwnedVoice(voiceId);
  if (owned?.kind !== 'cloned') return null;
  if (forUserId !== null && owned.userId === forUserId) return null;
  return forUserId === null
    ? "That voice is a member's cloned voice: it can only read its owner's messages, never be the server's voice. Nothing was changed."
    : "That voice is someone else's cloned voice: only its owner's messages can use it. Nothing was changed.";
}

/** When MiniMax will delete the voice if it stays unused (last use, else creation, plus 7 days). */
export function expiresAt(owned: OwnedVoice): number {
  return (owned.lastUsedAt ?? owned.createdAt) + VOICE_KEEP_MS;
}

/** For /myvoice show: when the member's cloned voice will be deleted if unused (empty for other voices). */
export function cloneExpiryLine(store: Store, voiceId: string | undefined): string {
  const owned = voiceId ? store.getOwnedVoice(voiceId) : null;
  if (owned?.kind !== 'cloned') return '';
  return `\nThis is your cloned voice. MiniMax deletes it if unused for 7 days: on ${new Date(expiresAt(owned)).toUTCString()} unless you speak with it before.`;
}
