/**
 * Voices made at MiniMax for this bot (designed or cloned) disappear when unused for days. When T2A says a voice
 * no longer exists (2054 / 20132) and it is one Parrot made, or the server's voice for a language, Parrot forgets
 * it — every setting that chose it included — so the item and every later one fall back to the server's voices,
 * and says so once.
 */
import type { Store } from '../store/types.js';
import type { LanguageBoost } from '../t2a/types.js';

const GONE_CODES = new Set([2054, 20132]);

/** The voice an item was read with, and how it was chosen. */
export interface GoneVoiceUse {
  authorId: string;
  voiceId: string | undefined;
  /** The item's voice is the server's voice for this language (/voice language set). */
  language?: LanguageBoost | undefined;
}

/**
 * Forgets the item's voice when `error` says it no longer exists and it is one Parrot made or the server's voice for
 * the item's language; returns the one notice to send, or null when this failure is not that (the item is then
 * reported as usual).
 */
export function forgetGoneVoice(store: Store, guildId: string, use: GoneVoiceUse, error: unknown): string | null {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const { voiceId, authorId, language } = use;
  if (voiceId === undefined || typeof code !== 'number' || !GONE_CODES.has(code)) return null;
  const owned = store.getOwnedVoice(voiceId);
  const languageVoices = store.getGuildSettings(guildId).voicing.languageVoices;
  const languages = language !== undefined && languageVoices[language] === voiceId ? languagesOf(languageVoices, voiceId) : [];
  if (!owned && languages.length === 0) return null;
  if (languages.length > 0) {
    const kept = Object.fromEntries(Object.entries(languageVoices).filter(([, id]) => id !== voiceId));
    store.updateGuildSettings(guildId, { voicing: { languageVoices: kept } });
  }
  if (owned) {
    store.deleteOwnedVoice(voiceId);
    if (store.getMemberVoice(guildId, authorId).voiceId === voiceId) store.setMemberVoice(guildId, authorId, { voiceId: null });
    if (owned.userId !== authorId && store.getMemberVoice(guildId, owned.userId).voiceId === voiceId) {
      store.setMemberVoice(guildId, owned.userId, { voiceId: null });
    }
    if (store.getGuildSettings(guildId).voice.voiceId === voiceId) store.updateGuildSettings(guildId, { voice: { voiceId: null } });
  }
  const shown = voiceId.slice(0, 100).replace(/`/g, "'");
  if (languages.length > 0) {
    const named = languages.join(', ');
    return `The voice for ${named} messages \`${shown}\` no longer exists at MiniMax (it was unused for days, or deleted), so it was removed: ` +
      `${named} messages of members who chose no voice are read with the server's voices again (see /voice language show). ` +
      'Server admins: pick another with /voice language set.';
  }
  const what = owned?.kind === 'cloned' ? 'cloned voice' : 'designed voice';
  return `The ${what} "${voiceId.slice(0, 100)}" no longer exists at MiniMax (it was unused for days, or deleted), so it was removed: ` +
    `messages that used it are read in the server's voice from now on. Design or clone a new one to get a voice of your own back.`;
}

/** The languages whose server voice is `voiceId`. */
function languagesOf(languageVoices: Partial<Record<LanguageBoost, string>>, voiceId: string): LanguageBoost[] {
  return (Object.entries(languageVoices) as [LanguageBoost, string][]).filter(([, id]) => id === voiceId).map(([l]) => l);
}

/** Notes that an item played in `voiceId` (a made voice's expiry counts from its last use). */
export function touchOwnedVoice(store: Store, voiceId: string | undefined, at: number): void {
  if (voiceId === undefined || store.getOwnedVoice(voiceId) === null) return;
  store.touchOwnedVoice(voiceId, at);
}
