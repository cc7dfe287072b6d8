/**
 * The voice for one message (issue 19): the server, member and /speak layers (resolveVoice), then, for a member
 * who chose no voice, a voice of the message's language or the member's own pool voice. Pure.
 */
import { resolveVoice } from '../store/resolveVoice.js';
import type { GuildSettings, ResolvedVoice, VoiceProfile } from '../store/types.js';
import { BUILT_IN_VOICES, languageOfVoiceId } from '../t2a/voiceList.js';
import { LANGUAGE_BOOSTS, type LanguageBoost } from '../t2a/types.js';

/**
 * The voice a message in a language is read with when the server set none for it and its own voice speaks
 * another language (MiniMax system voices from the built-in catalogue).
 */
export const BUILT_IN_LANGUAGE_VOICES: Readonly<Partial<Record<LanguageBoost, string>>> = Object.freeze({
  English: 'English_expressive_narrator',
  Chinese: 'Chinese (Mandarin)_Warm_Girl',
  Japanese: 'Japanese_KindLady',
  Korean: 'Korean_CalmLady',
  Spanish: 'Spanish_SereneWoman',
  French: 'French_CasualMan',
  German: 'German_FriendlyMan',
  Portuguese: 'Portuguese_SentimentalLady',
  Russian: 'Russian_ReliableMan',
  Italian: 'Italian_Narrator',
  Arabic: 'Arabic_CalmWoman',
  Indonesian: 'Indonesian_SweetGirl',
  Turkish: 'Turkish_CalmWoman',
});

/** Voices too special to give someone for everyday chat. */
const NOT_FOR_POOL = new Set(['English_Whispering_girl', 'English_SadTeen', 'English_UpsetGirl', 'English_StressedLady', 'Japanese_Whisper_Belle']);

/** The catalogue's name for the language a voice speaks ("Chinese (Mandarin)" for the boost value "Chinese"). */
export function catalogueLanguage(language: LanguageBoost): string {
  if (language === 'Chinese') return 'Chinese (Mandarin)';
  if (language === 'Chinese,Yue') return 'Chinese (Cantonese)';
  return language;
}

/**
 * The language a voice speaks when that is known: a built-in voice, or a system voice named "Language_...".
 * Designed and cloned voices (ttv-voice-..., moss_audio_..., own ids) are unknown: such a voice is kept.
 */
export function knownLanguageOf(voiceId: string): string | undefined {
  const builtIn = BUILT_IN_VOICES.find((v) => v.voiceId === voiceId);
  if (builtIn !== undefined) return builtIn.language;
  return /^[A-Z][A-Za-z]*(?: \([A-Za-z]+\))?_/.test(voiceId) ? languageOfVoiceId(voiceId) : undefined;
}

/**
 * The language_boost value of the language a voice speaks, when known and MiniMax has one: the language a message
 * too short to tell is assumed to be in, for a member who has written nothing telling yet.
 */
export function boostOfVoice(voiceId: string): LanguageBoost | undefined {
  const language = knownLanguageOf(voiceId);
  if (language === undefined) return undefined;
  const boost = language === 'Chinese (Mandarin)' ? 'Chinese' : language === 'Chinese (Cantonese)' ? 'Chinese,Yue' : language;
  return (LANGUAGE_BOOSTS as readonly string[]).includes(boost) ? (boost as LanguageBoost) : undefined;
}

/**
 * The distinct voices a server gives its members: the built-in voices of the language of its voice (`serverVoiceId`),
 * or of the bot's default voice when the server's is a designed or cloned one.
 */
export function poolVoices(serverVoiceId: string, defaultVoiceId: string): string[] {
  const language = knownLanguageOf(serverVoiceId) ?? knownLanguageOf(defaultVoiceId) ?? 'English';
  return BUILT_IN_VOICES.filter((v) => v.language === language && !NOT_FOR_POOL.has(v.voiceId)).map((v) => v.voiceId);
}

/**
 * The pool voice for a member who has none yet: one no member has, else one the fewest members have (first in
 * catalogue order on a tie), so members sound different while the pool lasts. Undefined for an empty pool.
 */
export function pickPoolVoice(pool: readonly string[], given: Readonly<Record<string, string>>): string | undefined {
  const uses = new Map(pool.map((id) => [id, 0]));
  for (const id of Object.values(given)) if (uses.has(id)) uses.set(id, (uses.get(id) ?? 0) + 1);
  let best: string | undefined;
  for (const [id, n] of uses) if (best === undefined || n < (uses.get(best) ?? 0)) best = id;
  return best;
}

export interface MessageVoiceInput {
  defaults: ResolvedVoice;
  guild: GuildSettings;
  member: VoiceProfile;
  override?: VoiceProfile | undefined;
  /** The message's language (detected, or the member's previous one); undefined: unknown or mixed. */
  language?: LanguageBoost | undefined;
  /** The member's pool voice, when the server's pool is on. */
  poolVoice?: string | undefined;
}

export interface MessageVoice {
  voice: ResolvedVoice;
  /** Neither the /speak options nor the member chose the voice id (so it is the server's choice). */
  serverWide: boolean;
  /** The language whose server voice (a /voice language setting) this is; undefined for any other voice. */
  languageVoice?: LanguageBoost;
}

/** The voice a message is spoken with; see the file comment for the order. */
export function messageVoice(input: MessageVoiceInput): MessageVoice {
  const { defaults, guild, member, override, language, poolVoice } = input;
  const voice = resolveVoice(defaults, guild.voice, member, override);
  const serverWide = override?.voiceId === undefined && member.voiceId === undefined;
  if (language !== undefined && voice.languageBoost === undefined) voice.languageBoost = language;
  if (!serverWide) return { voice, serverWide };
  const serverVoiceLanguage = knownLanguageOf(voice.voiceId);
  const inServerLanguage = language === undefined || serverVoiceLanguage === undefined || catalogueLanguage(language) === serverVoiceLanguage;
  const set = language === undefined ? undefined : guild.voicing.languageVoices[language];
  if (set !== undefined && language !== undefined) {
    voice.voiceId = set;
    return { voice, serverWide, languageVoice: language };
  }
  const chosen = (inServerLanguage ? poolVoice : undefined) ?? (inServerLanguage || language === undefined ? undefined : BUILT_IN_LANGUAGE_VOICES[language]);
  if (chosen !== undefined) voice.voiceId = chosen;
  return { voice, serverWide };
}
