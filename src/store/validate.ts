/**
 * Type checks shared by every Store implementation: patches with a wrong type are refused on write, fields with a
 * wrong type are dropped on read. Ranges are the caller's business, so these check only shape and type.
 */
import { EMOTIONS, LANGUAGE_BOOSTS, MODELS } from '../t2a/types.js';
import { StoreError } from './errors.js';
import type { AutoreadSettings, BudgetSettings, VoiceProfile, VoicingSettings } from './types.js';

/** A check per field of T. */
export type FieldChecks<T> = { readonly [K in keyof T]-?: (value: unknown) => boolean };

/** Longest id or voice id accepted; Discord snowflakes have at most 20 digits, MiniMax voice ids are short too. */
const MAX_ID_LENGTH = 256;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

function oneOf(list: readonly string[]): (value: unknown) => boolean {
  return (value) => typeof value === 'string' && list.includes(value);
}

export const VOICE_PROFILE_CHECKS: FieldChecks<VoiceProfile> = {
  voiceId: isId,
  model: oneOf(MODELS),
  speed: isFiniteNumber,
  volume: isFiniteNumber,
  pitch: Number.isSafeInteger,
  emotion: oneOf(EMOTIONS),
  languageBoost: oneOf(LANGUAGE_BOOSTS),
};

export const AUTOREAD_CHECKS: FieldChecks<AutoreadSettings> = {
  channelId: (value) => value === null || isId(value),
  xsaid: isBoolean,
  requireVoice: isBoolean,
  readBots: isBoolean,
  autojoin: isBoolean,
  maxLength: (value) => isCount(value) && value > 0,
  skipEmoji: isBoolean,
  textInVoice: isBoolean,
  ignorePrefix: (value) => value === null || (typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH),
};

export const VOICING_CHECKS: FieldChecks<VoicingSettings> = {
  detectLanguage: isBoolean,
  languageVoices: (value) =>
    isPlainObject(value) && Object.entries(value).every(([language, voiceId]) => LANGUAGE_BOOSTS.includes(language as never) && isId(voiceId)),
  pool: isBoolean,
  expressive: isBoolean,
};

export const BUDGET_CHECKS: FieldChecks<BudgetSettings> = {
  dailyChars: (value) => value === null || isCount(value),
  monthlyChars: (value) => value === null || isCount(value),
};

/**
 * Keeps the fields of `raw` that pass their check; records the path of every other field in `dropped`.
 * `undefined` (missing) yields `{}`; a non-object yields `{}` and is recorded.
 */
export function readFields<T extends object>(raw: unknown, checks: FieldChecks<T>, path: string, dropped: string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  if (raw === undefined) return out as Partial<T>;
  if (!isPlainObject(raw)) {
    dropped.push(path);
    return out as Partial<T>;
  }
  for (const [key, value] of Object.entries(raw)) {
    const check = Object.hasOwn(checks, key) ? (checks as Record<string, (v: unknown) => boolean>)[key] : undefined;
    if (check?.(value) === true) out[key] = value;
    else dropped.push(`${path}.${key}`);
  }
  return out as Partial<T>;
}

/**
 * Applies `patch` to a copy of `current`. An `undefined` value leaves the field alone; with `nullClears`, `null`
 * removes the field. Unknown keys and values failing their check throw StoreError('invalid_value').
 */
export function patchFields<T extends object>(
  current: Partial<T>,
  patch: unknown,
  checks: FieldChecks<T>,
  path: string,
  nullClears: boolean,
): Partial<T> {
  if (!isPlainObject(patch)) throw new StoreError('invalid_value', `${path} must be an object`);
  const out: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (!Object.hasOwn(checks, key)) throw new StoreError('invalid_value', `Unknown setting ${path}.${key}`);
    if (value === undefined) continue;
    if (value === null && nullClears) {
      delete out[key];
      continue;
    }
    const check = (checks as Record<string, (v: unknown) => boolean>)[key];
    if (check?.(value) !== true) {
      throw new StoreError('invalid_value', `Invalid value for ${path}.${key} (got ${describe(value)})`);
    }
    out[key] = value;
  }
  return out as Partial<T>;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}

/** Throws unless `value` is a usable id (non-empty string of sane length). */
export function assertId(name: string, value: unknown): asserts value is string {
  if (!isId(value)) throw new StoreError('invalid_value', `${name} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
}

/** Throws unless `value` is a valid Date. */
export function assertDate(name: string, value: unknown): asserts value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new StoreError('invalid_value', `${name} must be a valid Date`);
}

/** Throws unless `value` is a non-negative safe integer. */
export function assertCount(name: string, value: unknown): asserts value is number {
  if (!isCount(value)) throw new StoreError('invalid_value', `${name} must be a non-negative integer (got ${describe(value)})`);
}

/** Throws unless `value` is a string. */
export function assertString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new StoreError('invalid_value', `${name} must be a string (got ${describe(value)})`);
}
