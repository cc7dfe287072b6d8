/** What SqliteStore's domain modules share for rows that hold something unusable: the event told, the checks. */

/** Reported when a stored row held something unusable; the store read defaults in its place. */
export interface InvalidDataEvent {
  table: string;
  /** The row's key, e.g. "123" or "123/456" (guild/user); ids only, never user text. */
  key: string;
  /** Paths of the dropped fields ("autoread.maxLength"), or ["*"] when the whole row was unreadable. */
  fields: string[];
}

/** Tells SqliteStore's onInvalidData about a row that held something unusable (ids only, never user text). */
export type Report = (table: string, key: string, fields: string[]) => void;

/** A text column that holds text, and not the empty string. */
export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** JSON.parse of a stored blob; unreadable data (corrupt JSON, a non-text value) is reported, not thrown. */
export function parseJson(data: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof data !== 'string') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(data) as unknown };
  } catch {
    // Corrupt JSON is not fatal: the row reads as "nothing set" and the next write replaces it.
    return { ok: false };
  }
}
