/**
 * Checks TaskSettings and texts against MiniMax's documented limits before anything is sent, so a bad value
 * becomes a clear message naming the field and the allowed range instead of a task_failed 2013.
 * Values may come from storage or user input, so every check also guards the runtime type.
 */
import { T2AError } from './errors.js';
import {
  AUDIO_FORMATS,
  BITRATES,
  EMOTIONS,
  LANGUAGE_BOOSTS,
  MODELS,
  SAMPLE_RATES,
  SOUND_EFFECTS,
  type TaskSettings,
} from './types.js';

/** MiniMax skips texts longer than this with status 2204. */
export const MAX_TEXT_LENGTH = 10_000;
const MAX_TIMBRE_WEIGHTS = 4;

function fail(message: string): never {
  throw new T2AError(message, { code: 'validation' });
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function range(field: string, value: unknown, min: number, max: number, integer: boolean): void {
  if (value === undefined) return;
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
  if (!ok || (integer && !Number.isInteger(value))) {
    fail(`${field} must be ${integer ? 'an integer ' : ''}between ${min} and ${max} (got ${show(value)})`);
  }
}

function oneOf(field: string, value: unknown, allowed: readonly (string | number)[]): void {
  if (value === undefined) return;
  if (!allowed.includes(value as string | number)) {
    fail(`${field} must be one of ${allowed.join(', ')} (got ${show(value)})`);
  }
}

function bool(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') fail(`${field} must be true or false (got ${show(value)})`);
}

/** Throws T2AError (code 'validation') naming the first field outside MiniMax's limits. */
export function validateTaskSettings(settings: TaskSettings): void {
  if (typeof settings !== 'object' || settings === null) fail('settings must be an object');
  oneOf('model', settings.model, MODELS);
  if (settings.model === undefined) fail(`model is required (one of ${MODELS.join(', ')})`);

  const voice = settings.voice as TaskSettings['voice'] | undefined;
  if (typeof voice !== 'object' || voice === null) fail('voice settings are required');
  const weights = settings.timbreWeights;
  const mixing = weights !== undefined && weights.length > 0;
  if (voice.voiceId !== undefined && typeof voice.voiceId !== 'string') fail(`voiceId must be a string (got ${show(voice.voiceId)})`);
  if (!mixing && (voice.voiceId === undefined || voice.voiceId.trim() === '')) {
    fail('voiceId is required unless timbreWeights mixes voices');
  }
  range('speed', voice.speed, 0.5, 2, false);
  if (voice.vol !== undefined && !(typeof voice.vol === 'number' && Number.isFinite(voice.vol) && voice.vol > 0 && voice.vol <= 10)) {
    fail(`vol must be greater than 0 and at most 10 (got ${show(voice.vol)})`);
  }
  range('pitch', voice.pitch, -12, 12, true);
  oneOf('emotion', voice.emotion, EMOTIONS);
  if ((voice.emotion === 'fluent' || voice.emotion === 'whisper') && !settings.model.startsWith('speech-2.6')) {
    fail(`emotion ${voice.emotion} is only available on speech-2.6 models (got model ${settings.model})`);
  }
  bool('englishNormalization', voice.englishNormalization);
  bool('latexRead', voice.latexRead);

  const audio = settings.audio;
  if (audio !== undefined) {
    oneOf('audio.sampleRate', audio.sampleRate, SAMPLE_RATES);
    oneOf('audio.bitrate', audio.bitrate, BITRATES);
    oneOf('audio.format', audio.format, AUDIO_FORMATS);
    oneOf('audio.channel', audio.channel, [1, 2]);
  }

  oneOf('languageBoost', settings.languageBoost, LANGUAGE_BOOSTS);

  const modify = settings.voiceModify;
  if (modify !== undefined) {
    range('voiceModify.pitch', modify.pitch, -100, 100, true);
    range('voiceModify.intensity', modify.intensity, -100, 100, true);
    range('voiceModify.timbre', modify.timbre, -100, 100, true);
    oneOf('voiceModify.soundEffects', modify.soundEffects, SOUND_EFFECTS);
    if (modify.soundEffects !== undefined && (audio?.format ?? 'mp3') !== 'mp3') {
      fail(`voiceModify.soundEffects needs audio.format mp3 when streaming (got ${audio?.format ?? 'mp3'})`);
    }
  }

  if (weights !== undefined) {
    if (!Array.isArray(weights)) fail('timbreWeights must be a list');
    if (weights.length > MAX_TIMBRE_WEIGHTS) fail(`timbreWeights may mix at most ${MAX_TIMBRE_WEIGHTS} voices (got ${weights.length})`);
    // The settings may come from JSON (the CLI, the store): an entry is checked as unknown, not trusted as typed.
    (weights as readonly unknown[]).forEach((entry, i) => {
      const w: { voiceId?: unknown; weight?: unknown } = typeof entry === 'object' && entry !== null ? entry : {};
      if (typeof w.voiceId !== 'string' || w.voiceId.trim() === '') fail(`timbreWeights[${i}].voiceId is required`);
      range(`timbreWeights[${i}].weight`, w.weight, 1, 100, true);
      if (w.weight === undefined) fail(`timbreWeights[${i}].weight must be an integer between 1 and 100 (got undefined)`);
    });
  }

  const dict = settings.pronunciation;
  if (dict !== undefined) {
    if (!Array.isArray(dict)) fail('pronunciation must be a list of "from/to" entries');
    dict.forEach((entry, i) => {
      if (typeof entry !== 'string' || !entry.includes('/')) {
        fail(`pronunciation[${i}] must look like "from/to" (got ${show(entry)})`);
      }
    });
  }

  bool('continuousSound', settings.continuousSound);
  if (settings.continuousSound === true && !settings.model.startsWith('speech-2.8')) {
    fail(`continuousSound is only available on speech-2.8 models (got model ${settings.model})`);
  }
}

/**
 * Rejects texts MiniMax would skip: empty (2203) or longer than 10,000 characters (2204). Returns the error
 * rather than throwing, since speak() reports it through the utterance.
 */
export function checkText(text: string): T2AError | undefined {
  if (typeof text !== 'string' || text.trim() === '') {
    return new T2AError('the text is empty: there is nothing to read', { code: 2203 });
  }
  if (text.length > MAX_TEXT_LENGTH) {
    return new T2AError(`the text is too long: at most ${MAX_TEXT_LENGTH} characters per request (got ${text.length}); split it`, {
      code: 2204,
    });
  }
  return undefined;
}
