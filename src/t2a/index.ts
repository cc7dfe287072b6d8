/** Public surface of the MiniMax T2A client (knows nothing of Discord). */
export * from './types.js';
export { T2AError, STATUS_CODES, classifyStatus, statusError, isT2AError, redact, scrubError } from './errors.js';
export type { T2AErrorKind, T2AErrorCategory, T2AErrorOptions, StatusInfo } from './errors.js';
export { T2A_URLS, resolveT2AUrl, getVoiceUrl } from './endpoint.js';
export type { T2ARegion, EndpointOptions } from './endpoint.js';
export { validateTaskSettings, checkText, MAX_TEXT_LENGTH } from './validate.js';
export { toTaskStart, settingsKey, parseServerFrame, DEFAULT_AUDIO } from './protocol.js';
export type { TaskStartMessage, ClientMessage, ServerFrame, ExtraInfo, ParseResult } from './protocol.js';
export { T2ASocket, DEFAULT_TIMEOUTS, defaultWebSocketFactory } from './T2ASocket.js';
export type { T2ATimeouts, WebSocketFactory, T2ASocketOptions, AudioFrame, T2ASocketEvents, T2ASocketState } from './T2ASocket.js';
export { createSynthesizer, T2ASynthesizer, DEFAULT_IDLE_CLOSE_MS } from './T2ASynthesizer.js';
export { abortError } from './jobFate.js';
export type { SynthesizerOptions } from './T2ASynthesizer.js';
export { BUILT_IN_VOICES, languageOfVoiceId } from './voiceList.js';
export type { VoiceInfo, VoiceSource } from './voiceList.js';
export { VoiceCatalogue, fetchVoices, parseVoiceList, MAX_CHOICES } from './voices.js';
export type { FetchVoicesOptions, FetchLike, RefreshResult, VoiceCatalogueOptions } from './voices.js';
