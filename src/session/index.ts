export { SessionManager, type SessionManagerOptions, type SessionManagerEvents } from './SessionManager.js';
export { GuildSession, DEFAULT_TIMINGS, type SessionTimings } from './GuildSession.js';
export { PlayoutDelay, DEFAULT_PLAYOUT_DELAY } from './PlayoutDelay.js';
export type * from './types.js';
