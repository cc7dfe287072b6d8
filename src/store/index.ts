/** The store's public surface: import from here, not from the files behind it. */
export type * from './types.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { AUTOREAD_MAX_LENGTH, DEFAULT_GUILD_SETTINGS } from './settings.js';
export { resolveVoice } from './resolveVoice.js';
export { MemoryStore } from './MemoryStore.js';
export { SqliteStore, openSqliteStore, SQLITE_FILENAME, type SqliteStoreOptions, type InvalidDataEvent } from './SqliteStore.js';
export { claimDataDir, checkDataDir, dataDirProblem, LOCK_FILENAME, PID_FILENAME, type DataDirClaim } from './dataDir.js';
export { MIGRATIONS, migrate, type Migration } from './migrations.js';
export { ResilientStore, type ResilientStoreOptions, type StoreFault } from './ResilientStore.js';
export { describeFaultCause, faultCause } from './faultCause.js';
