/**
 * Rules shared by the commands about voices made at MiniMax for this bot (OwnedVoice): who may choose which (a
 * cloned voice is its owner's only), and how a designed or cloned voice is named in replies and autocomplete.
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

/**
 * The voices made at MiniMax that can be chosen in a guild, oldest first. For the server (`forUserId` null: its
 * voice, its voices per language): every voice designed on this server, whoever designed it (the keep button of a
 * design offers the same). For a member: their own designed and cloned voices, and the designed voices the server
 * uses now (its voice or a voice per language). Never a clone for anyone but its owner, never another server's.
 */
export function madeVoicesFor(store: Store, guildId: string, forUserId: string | null): OwnedVoice[] {
  const made = store.listOwnedVoices(guildId);
  if (forUserId === null) return made.filter((v) => v.kind === 'designed');
  const { voice, voicing } = store.getGuildSettings(guildId);
  const serverUses = new Set([voice.voiceId, ...Object.values(voicing.languageVoices)]);
  return made.filter((v) => v.userId === forUserId || (v.kind === 'designed' && serverUses.has(v.voiceId)));
}

/**
 * Whether `voiceId` may be chosen in the guild for `forUserId` (null: for the server) when it is a voice Parrot
 * made: `{ ok: true }` with the id, or a refusal that says why; null when it is no voice Parrot made (the catalogue
 * decides then).
 */
export function madeVoiceChoice(
  store: Store, guildId: string, voiceId: string, forUserId: string | null,
): { ok: true; voiceId: string } | { ok: false; message: string } | null {
  const id = voiceId.trim();
  if (!isId(id)) return null;
  const owned = store.getOwnedVoice(id);
  if (!owned) return null;
  const clone = cloneRefusal(store, id, forUserId);
  if (clone) return { ok: false, message: clone };
  if (owned.guildId !== guildId) return { ok: false, message: 'That voice was made on another server: it can only be used there. Nothing was changed.' };
  if (madeVoicesFor(store, guildId, forUserId).some((v) => v.voiceId === id)) return { ok: true, voiceId: id };
  return {
    ok: false,
    message: 'That voice is one another member designed for themselves. A server admin can make it a server voice with /voice set, or design your own with /myvoice design. Nothing was changed.',
  };
}

/** An autocomplete label for a made voice: what it is, then its id (at most 100 characters, Discord's limit). */
export function madeVoiceLabel(voice: OwnedVoice, forUserId: string | null): string {
  const what = voice.kind === 'cloned' ? 'Your own voice' : `Designed${voice.userId === forUserId ? ' by you' : ''}: ${voice.description}`;
  const id = ` (${voice.voiceId})`;
  const room = 100 - id.length;
  return `${what.length <= room ? what : `${what.slice(0, Math.max(0, room - 1))}…`}${id}`;
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
