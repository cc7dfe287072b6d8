/** Message -> speakable text: the text layer's public surface (pure functions, no discord.js, no I/O). */
export type { AttachmentKind, CleanOptions, CompiledDictionary, DictionaryEntry, MessageInput, NameResolver } from './types.js';
export { cleanMessage, sanitizeText, INPUT_SCAN_LIMIT } from './clean.js';
export { describeAttachments } from './attachments.js';
export { cleanName, MAX_NAME_LENGTH } from './names.js';
export {
  applyDictionary,
  compileDictionary,
  toPronunciationDict,
  validateDictionaryEntry,
  MAX_DICTIONARY_ENTRIES,
  MAX_DICTIONARY_TEXT_LENGTH,
} from './dictionary.js';
export {
  neutraliseMarkup,
  normaliseMarkup,
  containsMarkup,
  INTERJECTION_TAGS,
  MIN_PAUSE_SECONDS,
  MAX_PAUSE_SECONDS,
} from './markup.js';
export { splitSentences, splitForT2A, chunkForSpeech, MAX_T2A_CHARS, DEFAULT_CHUNK_TARGET } from './split.js';
export { truncateSpeech, cutToCodePoints, TRUNCATION_SUFFIX } from './truncate.js';
export { speakTimestamp, UNKNOWN_TIME, type TimeContext } from './timestamps.js';
export { codePointLength, invisibleRatio, hasLoneSurrogate, MAX_COMBINING_MARKS } from './unicode.js';
export { speakerPrefix, XSaidTracker, XSAID_WINDOW_MS } from './xsaid.js';
export { detectLanguage, type LanguageGuess } from './language.js';
export { emotionOf, laughterAsTags, type MessageEmotion } from './expression.js';
