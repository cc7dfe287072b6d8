/**
 * Voices made at MiniMax for this bot (designed or cloned) disappear when unused for days. When T2A says such
 * a voice no longer exists (2054 / 20132), Parrot forgets it — the member's or the server's choice of it
 * included — so the item and every later one fall back to the server's voice, and says so once.
 */
import type { Store } from '../store/types.js';

const GONE_CODES = new Set([2054, 20132]);

/**
 * Forgets `voiceId` when `error` says it no longer exists and it is one Parrot made; returns the one notice to
 * send, or null when this failure is not that (the item is then reported as usual).
 */
export function forgetGoneVoice(store: Store, guildId: string, authorId: string, voiceId: string | undefined, error: unknown): string | null {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (voiceId === undefined || typeof code !== 'number' || !GONE_CODES.has(code)) return null;
  const owned = store.getOwnedVoice(voiceId);
  if (!owned) return null;
  store.deleteOwnedVoice(voiceId);
  if (store.getMemberVoice(guildId, authorId).voiceId === voiceId) store.setMemberVoice(guildId, authorId, { voiceId: null });
  if (owned.userId !== authorId && store.getMemberVoice(guildId, owned.userId).voiceId === voiceId) {
    store.setMemberVoice(guildId, owned.userId, { voiceId: null });
  }
  const server = store.getGuildSettings(guildId).voice.voiceId === voiceId;
  if (server) store.updateGuildSettings(guildId, { voice: { voiceId: null } });
  const what = owned.kind === 'cloned' ? 'cloned voice' : 'designed voice';
  return `The ${what} "${voiceId.slice(0, 100)}" no longer exists at MiniMax (it was unused for days, or deleted), so it was removed: ` +
    `messages that used it are read in the server's voice from now on. Design or clone a new one to get a voice of your own back.`;
}

/** Notes that an item played in `voiceId` (a made voice's expiry counts from its last use). */
export function touchOwnedVoice(store: Store, voiceId: string | undefined, at: number): void {
  if (voiceId === undefined || store.getOwnedVoice(voiceId) === null) return;
  store.touchOwnedVoice(voiceId, at);
}
