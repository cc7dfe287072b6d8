import type { DictionaryEntry, ResolvedVoice } from '../store/types.js';
import type { TaskSettings } from '../t2a/types.js';

/**
 * The T2A task settings for a resolved voice and the guild's dictionary. Audio is fixed to what the pipeline
 * expects (MP3, mono, 32 kHz, 128 kbps); two items share a warm task when this returns equal settings.
 */
export function toTaskSettings(voice: ResolvedVoice, dictionary: readonly DictionaryEntry[]): TaskSettings {
  const settings: TaskSettings = {
    model: voice.model,
    voice: { voiceId: voice.voiceId, speed: voice.speed, vol: voice.volume, pitch: voice.pitch },
    audio: { format: 'mp3', sampleRate: 32000, bitrate: 128000, channel: 1 },
  };
  if (voice.emotion !== undefined) settings.voice.emotion = voice.emotion;
  if (voice.languageBoost !== undefined) settings.languageBoost = voice.languageBoost;
  if (dictionary.length > 0) settings.pronunciation = dictionary.map((e) => `${e.from}/${e.to}`);
  return settings;
}
