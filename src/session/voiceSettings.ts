import type { AudioInput } from '../audio/types.js';
import type { DictionaryEntry, ResolvedVoice } from '../store/types.js';
import type { AudioSetting, TaskSettings } from '../t2a/types.js';

/**
 * What MiniMax is asked for, by what the transcoders take in. MP3: mono, 32 kHz (MiniMax's default), 128 kbps.
 * Opus: mono at 24 kHz, the highest rate both MiniMax and Opus offer (12 kHz of audio bandwidth, plenty for speech).
 */
const AUDIO: Record<AudioInput, AudioSetting> = {
  mp3: { format: 'mp3', sampleRate: 32000, bitrate: 128000, channel: 1 },
  'ogg-opus': { format: 'opus', sampleRate: 24000, channel: 1 },
};

/**
 * The T2A task settings for a resolved voice and the guild's dictionary, with the audio the pipeline takes in
 * (`input`, default MP3); two items share a warm task when this returns equal settings.
 */
export function toTaskSettings(voice: ResolvedVoice, dictionary: readonly DictionaryEntry[], input: AudioInput = 'mp3'): TaskSettings {
  const settings: TaskSettings = {
    model: voice.model,
    voice: { voiceId: voice.voiceId, speed: voice.speed, vol: voice.volume, pitch: voice.pitch },
    audio: { ...AUDIO[input] },
  };
  if (voice.emotion !== undefined) settings.voice.emotion = voice.emotion;
  if (voice.languageBoost !== undefined) settings.languageBoost = voice.languageBoost;
  if (dictionary.length > 0) settings.pronunciation = dictionary.map((e) => `${e.from}/${e.to}`);
  return settings;
}
