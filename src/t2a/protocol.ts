/**
 * MiniMax T2A wire messages: building client events from TaskSettings and parsing server frames.
 * Parsing never throws: a malformed frame becomes a T2AError with code 'protocol'.
 */
import { T2AError, statusError } from './errors.js';
import type { TaskSettings } from './types.js';

/** Audio defaults sent when TaskSettings leaves them out (MiniMax's own defaults). */
export const DEFAULT_AUDIO = Object.freeze({ format: 'mp3', sampleRate: 32000, bitrate: 128000, channel: 1 } as const);

export interface WireVoiceSetting {
  voice_id?: string;
  speed: number;
  vol: number;
  pitch: number;
  emotion?: string;
  english_normalization?: boolean;
  latex_read?: boolean;
}

export interface TaskStartMessage {
  event: 'task_start';
  model: string;
  voice_setting: WireVoiceSetting;
  audio_setting: { sample_rate: number; bitrate: number; format: string; channel: number };
  pronunciation_dict?: { tone: string[] };
  timbre_weights?: { voice_id: string; weight: number }[];
  language_boost?: string;
  voice_modify?: { pitch?: number; intensity?: number; timbre?: number; sound_effects?: string };
  continuous_sound?: boolean;
}

export interface TaskContinueMessage {
  event: 'task_continue';
  text: string;
}

export interface TaskFinishMessage {
  event: 'task_finish';
}

export type ClientMessage = TaskStartMessage | TaskContinueMessage | TaskFinishMessage;

/** Maps camelCase TaskSettings to the task_start body. Field order is fixed, so equal settings give equal JSON. */
export function toTaskStart(settings: TaskSettings): TaskStartMessage {
  const v = settings.voice;
  const voice: WireVoiceSetting = { speed: v.speed ?? 1, vol: v.vol ?? 1, pitch: v.pitch ?? 0 };
  if (v.voiceId !== undefined) voice.voice_id = v.voiceId;
  if (v.emotion !== undefined) voice.emotion = v.emotion;
  if (v.englishNormalization !== undefined) voice.english_normalization = v.englishNormalization;
  if (v.latexRead !== undefined) voice.latex_read = v.latexRead;
  const a = settings.audio ?? {};
  const msg: TaskStartMessage = {
    event: 'task_start',
    model: settings.model,
    voice_setting: voice,
    audio_setting: {
      sample_rate: a.sampleRate ?? DEFAULT_AUDIO.sampleRate,
      bitrate: a.bitrate ?? DEFAULT_AUDIO.bitrate,
      format: a.format ?? DEFAULT_AUDIO.format,
      channel: a.channel ?? DEFAULT_AUDIO.channel,
    },
  };
  if (settings.pronunciation !== undefined && settings.pronunciation.length > 0) {
    msg.pronunciation_dict = { tone: [...settings.pronunciation] };
  }
  if (settings.timbreWeights !== undefined && settings.timbreWeights.length > 0) {
    msg.timbre_weights = settings.timbreWeights.map((w) => ({ voice_id: w.voiceId, weight: w.weight }));
  }
  if (settings.languageBoost !== undefined) msg.language_boost = settings.languageBoost;
  const m = settings.voiceModify;
  if (m !== undefined) {
    const modify: NonNullable<TaskStartMessage['voice_modify']> = {};
    if (m.pitch !== undefined) modify.pitch = m.pitch;
    if (m.intensity !== undefined) modify.intensity = m.intensity;
    if (m.timbre !== undefined) modify.timbre = m.timbre;
    if (m.soundEffects !== undefined) modify.sound_effects = m.soundEffects;
    if (Object.keys(modify).length > 0) msg.voice_modify = modify;
  }
  if (settings.continuousSound !== undefined) msg.continuous_sound = settings.continuousSound;
  return msg;
}

/** A canonical string of the settings as sent: two settings share a task exactly when their keys are equal. */
export function settingsKey(settings: TaskSettings): string {
  return JSON.stringify(toTaskStart(settings));
}

/** MiniMax's extra_info, camelCased; every field optional. */
export interface ExtraInfo {
  audioLength?: number;
  audioSampleRate?: number;
  audioSize?: number;
  bitrate?: number;
  audioFormat?: string;
  audioChannel?: number;
  invisibleCharacterRatio?: number;
  usageCharacters?: number;
  wordCount?: number;
}

interface Common {
  sessionId?: string;
  traceId?: string;
}

export type ServerFrame =
  | ({ event: 'connected_success' } & Common)
  | ({ event: 'task_started' } & Common)
  | ({ event: 'task_continued'; audio: Buffer; isFinal: boolean; extraInfo?: ExtraInfo } & Common)
  | ({ event: 'task_finished' } & Common)
  /** Any other event name: tolerated (forward compatibility), carries nothing we use. */
  | ({ event: 'unknown'; name: string } & Common);

export type ParseResult = { ok: true; frame: ServerFrame } | { ok: false; error: T2AError };

const HEX = /^[0-9a-fA-F]*$/;

function protocolError(message: string, traceId?: string, cause?: unknown): ParseResult {
  return { ok: false, error: new T2AError(`MiniMax sent a malformed frame: ${message}`, { code: 'protocol', traceId, cause }) };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

const EXTRA_FIELDS: [keyof ExtraInfo, string][] = [
  ['audioLength', 'audio_length'],
  ['audioSampleRate', 'audio_sample_rate'],
  ['audioSize', 'audio_size'],
  ['bitrate', 'bitrate'],
  ['audioChannel', 'audio_channel'],
  ['invisibleCharacterRatio', 'invisible_character_ratio'],
  ['usageCharacters', 'usage_characters'],
  ['wordCount', 'word_count'],
];

function parseExtraInfo(raw: unknown): ExtraInfo | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const info: ExtraInfo = {};
  for (const [ours, theirs] of EXTRA_FIELDS) {
    const value = num(r[theirs]);
    if (value !== undefined) (info as Record<string, number>)[ours] = value;
  }
  const format = str(r['audio_format']);
  if (format !== undefined) info.audioFormat = format;
  return info;
}

/**
 * Parses one server text frame. A non-zero base_resp.status_code becomes the classified status error,
 * whatever the event (task_failed, or a status carried by another frame).
 */
export function parseServerFrame(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return protocolError(`not JSON (${text.length} characters)`, undefined, error);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return protocolError('not a JSON object');
  const r = raw as Record<string, unknown>;
  const common: Common = {};
  const sessionId = str(r['session_id']);
  const traceId = str(r['trace_id']);
  if (sessionId !== undefined) common.sessionId = sessionId;
  if (traceId !== undefined) common.traceId = traceId;

  const base = r['base_resp'];
  if (typeof base === 'object' && base !== null) {
    const code = (base as Record<string, unknown>)['status_code'];
    if (code !== undefined && code !== 0) {
      if (typeof code !== 'number') return protocolError('base_resp.status_code is not a number', traceId);
      return { ok: false, error: statusError(code, str((base as Record<string, unknown>)['status_msg']), traceId) };
    }
  }

  const event = r['event'];
  switch (event) {
    case 'connected_success':
    case 'task_started':
    case 'task_finished':
      return { ok: true, frame: { event, ...common } };
    case 'task_failed':
      // A task_failed without a status code still means the task is over.
      return { ok: false, error: statusError(1000, 'task_failed without a status code', traceId) };
    case 'task_continued': {
      const data = r['data'];
      let hex = '';
      if (data !== null && data !== undefined) {
        if (typeof data !== 'object') return protocolError('data is not an object', traceId);
        const audio = (data as Record<string, unknown>)['audio'];
        if (audio !== undefined && audio !== null) {
          if (typeof audio !== 'string') return protocolError('data.audio is not a string', traceId);
          hex = audio;
        }
      }
      if (hex.length % 2 !== 0) return protocolError(`audio hex has an odd length (${hex.length})`, traceId);
      if (!HEX.test(hex)) return protocolError('audio is not hexadecimal', traceId);
      const frame: ServerFrame = {
        event,
        audio: Buffer.from(hex, 'hex'),
        isFinal: r['is_final'] === true,
        ...common,
      };
      const extra = parseExtraInfo(r['extra_info']);
      if (extra !== undefined) frame.extraInfo = extra;
      return { ok: true, frame };
    }
    default:
      if (typeof event !== 'string') return protocolError('no event name', traceId);
      return { ok: true, frame: { event: 'unknown', name: event, ...common } };
  }
}
