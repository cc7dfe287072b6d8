/** Why a store operation failed. */
export type StoreErrorCode =
  /** A value of the wrong type or shape was passed in (a programming error in the caller). */
  | 'invalid_value'
  /** The database was written by a newer Parrot (its schema version is higher than this code knows). */
  | 'newer_schema'
  /** The database file could not be opened or migrated, or the data directory cannot be used. */
  | 'open_failed'
  /** Another Parrot process holds the data directory. */
  | 'in_use'
  /** The store was used after close(). */
  | 'closed'
  /** The database could not be written just now (disk full, locked, read-only); trying later may work. */
  | 'unavailable';

/** A typed store failure. Only 'unavailable' may go away by trying again later. */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return this.code === 'unavailable';
  }
}
