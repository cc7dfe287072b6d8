/**
 * Public shapes of the MiniMax T2A client. The session layer depends on these, not on the socket code.
 * Field names follow MiniMax's protocol where they are sent as-is (see shared/docs/minimax-t2a.md).
 */

export const MODELS = [
  'speech-2.8-hd',
  'speech-2.8-turbo',
  'speech-2.6-hd',
  'speech-2.6-turbo',
  'speech-02-hd',
  'speech-02-turbo',
  'speech-01-hd',
  'speech-01-turbo',
] as const;
export type Model = (typeof MODELS)[number];

export const EMOTIONS = ['happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised', 'calm', 'fluent', 'whisper'] as const;
export type Emotion = (typeof EMOTIONS)[number];

export const LANGUAGE_BOOSTS = [
  'Chinese', 'Chinese,Yue', 'English', 'Arabic', 'Russian', 'Spanish', 'French', 'Portuguese', 'German', 'Turkish',
  'Dutch', 'Ukrainian', 'Vietnamese', 'Indonesian', 'Japanese', 'Italian', 'Korean', 'Thai', 'Polish', 'Romanian',
  'Greek', 'Czech', 'Finnish', 'Hindi', 'Bulgarian', 'Danish', 'Hebrew', 'Malay', 'Persian', 'Slovak', 'Swedish',
  'Croatian', 'Filipino', 'Hungarian', 'Norwegian', 'Slovenian', 'Catalan', 'Nynorsk', 'Tamil', 'Afrikaans', 'auto',
] as const;
export type LanguageBoost = (typeof LANGUAGE_BOOSTS)[number];

export const SAMPLE_RATES = [8000, 16000, 22050, 24000, 32000, 44100] as const;
export const BITRATES = [32000, 64000, 128000, 256000] as const;
export const AUDIO_FORMATS = ['mp3', 'pcm', 'flac', 'wav', 'pcmu_raw', 'pcmu_wav', 'opus'] as const;
export const SOUND_EFFECTS = ['spacious_echo', 'auditorium_echo', 'lofi_telephone', 'robotic'] as const;

export interface VoiceSetting {
  voiceId?: string;
  /** 0.5..2, default 1 */
  speed?: number;
  /** (0, 10], default 1 */
  vol?: number;
  /** integer -12..12, default 0 */
  pitch?: number;
  emotion?: Emotion;
  englishNormalization?: boolean;
  latexRead?: boolean;
}

export interface AudioSetting {
  sampleRate?: (typeof SAMPLE_RATES)[number];
  bitrate?: (typeof BITRATES)[number];
  format?: (typeof AUDIO_FORMATS)[number];
  channel?: 1 | 2;
}

export interface VoiceModify {
  pitch?: number;
  intensity?: number;
  timbre?: number;
  soundEffects?: (typeof SOUND_EFFECTS)[number];
}

export interface TimbreWeight {
  voiceId: string;
  /** 1..100 */
  weight: number;
}

/** Everything fixed at task_start. Two utterances can share a task only when their settings are equal. */
export interface TaskSettings {
  model: Model;
  voice: VoiceSetting;
  audio?: AudioSetting;
  /** entries "from/to", sent as pronunciation_dict.tone */
  pronunciation?: readonly string[];
  languageBoost?: LanguageBoost;
  voiceModify?: VoiceModify;
  timbreWeights?: readonly TimbreWeight[];
  continuousSound?: boolean;
}

/** What MiniMax reported for one utterance (from extra_info, when present). */
export interface UtteranceResult {
  usageCharacters?: number;
  audioLengthMs?: number;
  audioSize?: number;
  traceId?: string;
}

/**
 * One text being synthesized: iterate it for MP3 chunks as they stream (ends after the is_final frame);
 * `result` settles when the utterance ends (rejects with a T2AError on failure or cancellation).
 */
export interface Utterance extends AsyncIterable<Buffer> {
  readonly result: Promise<UtteranceResult>;
  /**
   * Whether the text has reached MiniMax (a task_continue carried it). MiniMax bills a sent text even when it is
   * cancelled or cut afterwards; a text refused or dropped before it was sent costs nothing.
   */
  readonly sent: boolean;
  /** MiniMax's usage_characters for the text as soon as a frame carried it (even if the text is then cut). */
  readonly reportedUsage?: number | undefined;
}

export interface SpeakOptions {
  /** Aborting cancels the utterance: T2A cannot interrupt a text, so the client closes that socket. */
  signal?: AbortSignal;
}

/**
 * What the T2A client lets the app edge count (metrics); it never logs. Every callback is optional and must not
 * throw.
 */
export interface T2AObserver {
  /** A task started: MiniMax accepted the key and the settings. */
  taskStarted?(): void;
  /** A text's first audio chunk arrived, `ms` after MiniMax could start on it (sent, and the text before it done). */
  firstChunk?(ms: number): void;
  /** A connection ended on a failure (a MiniMax status code or a local kind), before any retry. Not cancellations. */
  error?(error: { code: number | string; category: string }): void;
}

/**
 * A warm MiniMax connection (or several) that turns texts into streamed audio. Calls may overlap: utterances
 * with equal settings are pipelined on one task in call order; the caller iterates them in order.
 */
export interface Synthesizer {
  speak(text: string, settings: TaskSettings, options?: SpeakOptions): Utterance;
  /**
   * Opens a task for these settings now, so the next speak() with equal settings finds it ready. No text is
   * sent (nothing is billed); failures are silent (the next speak() meets and reports them). A no-op when a
   * usable task for these settings exists or the synthesizer is closed.
   */
  warm?(settings: TaskSettings): void;
  /** Sends task_finish where a task is open and closes every socket. */
  close(): Promise<void>;
}
