import type { ResolvedVoice, VoiceProfile } from './types.js';

/**
 * The voice to speak with: for each field, the first layer that sets it wins, in the order
 * `override` (a /speak option) > `member` > `server` > `defaults`. Pure; none of the inputs are changed.
 */
export function resolveVoice(
  defaults: ResolvedVoice,
  server?: VoiceProfile,
  member?: VoiceProfile,
  override?: VoiceProfile,
): ResolvedVoice {
  const layers: readonly VoiceProfile[] = [override ?? {}, member ?? {}, server ?? {}, defaults];
  const pick = <K extends keyof VoiceProfile>(key: K): VoiceProfile[K] | undefined => {
    for (const layer of layers) {
      const value = layer[key];
      if (value !== undefined) return value;
    }
    return undefined;
  };
  const resolved: ResolvedVoice = {
    voiceId: pick('voiceId') ?? defaults.voiceId,
    model: pick('model') ?? defaults.model,
    speed: pick('speed') ?? defaults.speed,
    volume: pick('volume') ?? defaults.volume,
    pitch: pick('pitch') ?? defaults.pitch,
  };
  const emotion = pick('emotion');
  if (emotion !== undefined) resolved.emotion = emotion;
  const languageBoost = pick('languageBoost');
  if (languageBoost !== undefined) resolved.languageBoost = languageBoost;
  return resolved;
}
