/**
 * Defaults and merge rules for guild settings and voice profiles, shared by every Store implementation.
 * A store keeps only the fields that were set (StoredGuildSettings), so a changed default reaches every guild
 * that never chose otherwise.
 */
import { StoreError } from './errors.js';
import type {
  AutoreadSettings,
  BudgetSettings,
  GuildSettings,
  GuildSettingsPatch,
  VoiceProfile,
  VoiceProfilePatch,
  VoicingSettings,
} from './types.js';
import {
  AUTOREAD_CHECKS,
  BUDGET_CHECKS,
  VOICE_PROFILE_CHECKS,
  VOICING_CHECKS,
  isPlainObject,
  patchFields,
  readFields,
} from './validate.js';

/** Bounds the commands should allow for `autoread.maxLength` (the store itself only requires a positive integer). */
export const AUTOREAD_MAX_LENGTH = Object.freeze({ min: 10, max: 2000, default: 300 });
/**
 * Longest `autoread.ignorePrefix` the commands should allow (the store itself only requires a short non-empty
 * string).
 */
export const AUTOREAD_IGNORE_PREFIX_MAX = 10;

const DEFAULT_AUTOREAD: Readonly<AutoreadSettings> = Object.freeze({
  channelId: null,
  xsaid: true,
  requireVoice: true,
  readBots: false,
  autojoin: false,
  maxLength: AUTOREAD_MAX_LENGTH.default,
  skipEmoji: false,
  textInVoice: true,
  ignorePrefix: null,
});

const DEFAULT_BUDGET: Readonly<BudgetSettings> = Object.freeze({ dailyChars: null, monthlyChars: null });

const DEFAULT_VOICING: Readonly<VoicingSettings> = Object.freeze({
  detectLanguage: true,
  languageVoices: Object.freeze({}),
  pool: false,
  expressive: false,
});

/** Settings of a guild nobody has configured. */
export const DEFAULT_GUILD_SETTINGS: Readonly<GuildSettings> = Object.freeze({
  voice: Object.freeze({}),
  autoread: DEFAULT_AUTOREAD,
  budget: DEFAULT_BUDGET,
  allowSpecialMarkup: false,
  voicing: DEFAULT_VOICING,
  allowVoiceCloning: false,
});

/** What a store keeps for a guild: only the fields that were set. */
export interface StoredGuildSettings {
  voice: VoiceProfile;
  autoread: Partial<AutoreadSettings>;
  budget: Partial<BudgetSettings>;
  allowSpecialMarkup?: boolean;
  voicing: Partial<VoicingSettings>;
  allowVoiceCloning?: boolean;
}

export function emptyStoredGuildSettings(): StoredGuildSettings {
  return { voice: {}, autoread: {}, budget: {}, voicing: {} };
}

const TOP_LEVEL_KEYS = new Set(['voice', 'autoread', 'budget', 'allowSpecialMarkup', 'allowVoiceCloning', 'voicing']);
/** Top-level boolean settings (absent: the default). */
const FLAGS = ['allowSpecialMarkup', 'allowVoiceCloning'] as const;

/** Reads stored settings from untrusted data (e.g. parsed JSON); invalid fields are dropped and their paths recorded. */
export function readStoredGuildSettings(raw: unknown, dropped: string[]): StoredGuildSettings {
  const stored = emptyStoredGuildSettings();
  if (!isPlainObject(raw)) {
    dropped.push('settings');
    return stored;
  }
  for (const key of Object.keys(raw)) if (!TOP_LEVEL_KEYS.has(key)) dropped.push(key);
  stored.voice = readVoiceProfile(raw['voice'], 'voice', dropped);
  stored.autoread = readFields(raw['autoread'], AUTOREAD_CHECKS, 'autoread', dropped);
  stored.budget = readFields(raw['budget'], BUDGET_CHECKS, 'budget', dropped);
  stored.voicing = readFields(raw['voicing'], VOICING_CHECKS, 'voicing', dropped);
  for (const flag of FLAGS) {
    const value = raw[flag];
    if (typeof value === 'boolean') stored[flag] = value;
    else if (value !== undefined) dropped.push(flag);
  }
  return stored;
}

/** Returns `stored` with `patch` merged in; throws StoreError('invalid_value') for a malformed patch. */
export function applyGuildSettingsPatch(stored: StoredGuildSettings, patch: GuildSettingsPatch): StoredGuildSettings {
  const raw: unknown = patch;
  if (!isPlainObject(raw)) throw new StoreError('invalid_value', 'The settings patch must be an object');
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw new StoreError('invalid_value', `Unknown setting ${key}`);
  }
  const next: StoredGuildSettings = {
    voice: patch.voice === undefined ? { ...stored.voice } : applyVoicePatch(stored.voice, patch.voice, 'voice'),
    autoread:
      patch.autoread === undefined
        ? { ...stored.autoread }
        : patchFields(stored.autoread, patch.autoread, AUTOREAD_CHECKS, 'autoread', false),
    budget:
      patch.budget === undefined ? { ...stored.budget } : patchFields(stored.budget, patch.budget, BUDGET_CHECKS, 'budget', false),
    voicing:
      patch.voicing === undefined ? { ...stored.voicing } : patchFields(stored.voicing, patch.voicing, VOICING_CHECKS, 'voicing', false),
  };
  for (const flag of FLAGS) {
    const value: unknown = patch[flag];
    const kept = stored[flag];
    if (value === undefined) {
      if (kept !== undefined) next[flag] = kept;
    } else if (typeof value === 'boolean') {
      next[flag] = value;
    } else {
      throw new StoreError('invalid_value', `${flag} must be a boolean`);
    }
  }
  return next;
}

/** Full settings: the stored fields over the defaults (fresh objects, safe for the caller to keep or mutate). */
export function withDefaults(stored: StoredGuildSettings): GuildSettings {
  return {
    voice: { ...stored.voice },
    autoread: { ...DEFAULT_AUTOREAD, ...stored.autoread },
    budget: { ...DEFAULT_BUDGET, ...stored.budget },
    allowSpecialMarkup: stored.allowSpecialMarkup ?? DEFAULT_GUILD_SETTINGS.allowSpecialMarkup,
    voicing: { ...DEFAULT_VOICING, ...stored.voicing, languageVoices: { ...(stored.voicing.languageVoices ?? {}) } },
    allowVoiceCloning: stored.allowVoiceCloning ?? DEFAULT_GUILD_SETTINGS.allowVoiceCloning,
  };
}

/** Reads a voice profile from untrusted data; invalid fields are dropped and their paths recorded. */
export function readVoiceProfile(raw: unknown, path: string, dropped: string[]): VoiceProfile {
  return readFields(raw, VOICE_PROFILE_CHECKS, path, dropped);
}

/** Returns `profile` with `patch` merged in (`null` clears a field); throws StoreError('invalid_value') on bad types. */
export function applyVoicePatch(profile: VoiceProfile, patch: VoiceProfilePatch, path = 'voice'): VoiceProfile {
  return patchFields(profile, patch, VOICE_PROFILE_CHECKS, path, true);
}
