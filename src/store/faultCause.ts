/** Why the database failed, as a stable key (one log line per key) and in plain words (for /status). */

/** Plain words for the causes an operator meets; the log line carries the full error. */
const CAUSES: Record<string, string> = {
  SQLITE_FULL: 'the disk is full',
  SQLITE_READONLY: 'the database file is read-only',
  SQLITE_BUSY: 'the database is locked by another program',
  SQLITE_LOCKED: 'the database is locked',
  SQLITE_IOERR: 'the disk reported an input/output error',
  SQLITE_CANTOPEN: 'the database file cannot be opened',
  SQLITE_CORRUPT: 'the database file is damaged',
  SQLITE_PERM: 'the database file may not be written',
};

/** The stable key of an error: an SQLite code's family (SQLITE_IOERR_WRITE -> SQLITE_IOERR), else its name. */
export function faultCause(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    const family = Object.keys(CAUSES).find((c) => code === c || code.startsWith(`${c}_`));
    return family ?? code;
  }
  if (error instanceof Error) return error.name;
  return 'unknown';
}

/** What /status can say about a cause: plain words, no paths. */
export function describeFaultCause(cause: string): string {
  return CAUSES[cause] ?? `the database failed (${cause})`;
}
