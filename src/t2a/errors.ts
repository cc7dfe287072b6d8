/**
 * Typed failures of the T2A client. MiniMax status codes (shared/docs/minimax-t2a.md, "Status codes") are
 * classified into categories the session acts on; local failures carry a string kind instead of a number.
 * Messages are meant for people and never contain the API key.
 */

/** Failures that happen on this side of the wire (no MiniMax status code). */
export type T2AErrorKind = 'timeout' | 'protocol' | 'closed' | 'aborted' | 'auth' | 'validation';

/**
 * What the session should do about an error:
 * - rate_limit: back off, then retry;   - transient: retry (soon);   - idle: reconnect;
 * - auth / billing: stop speaking until the owner acts;   - content / voice: skip this text / voice;
 * - client_bug: a protocol misuse (report);   - validation: bad settings or text (report to the user);
 * - aborted: cancelled by the caller;   - unknown: a status code missing from the table.
 */
export type T2AErrorCategory =
  | 'rate_limit'
  | 'transient'
  | 'auth'
  | 'billing'
  | 'content'
  | 'voice'
  | 'idle'
  | 'client_bug'
  | 'validation'
  | 'aborted'
  | 'unknown';

export interface StatusInfo {
  meaning: string;
  category: T2AErrorCategory;
  retryable: boolean;
}

/** MiniMax's status-code table, classified. */
export const STATUS_CODES: Readonly<Record<number, StatusInfo>> = Object.freeze({
  1000: { meaning: 'unknown error', category: 'transient', retryable: true },
  1001: { meaning: 'timeout', category: 'transient', retryable: true },
  1002: { meaning: 'rate limit reached (requests per minute)', category: 'rate_limit', retryable: true },
  1004: { meaning: 'not authorized (check the API key and its region)', category: 'auth', retryable: false },
  1008: { meaning: 'insufficient account balance', category: 'billing', retryable: false },
  1013: { meaning: 'internal service error', category: 'transient', retryable: true },
  1024: { meaning: 'internal error', category: 'transient', retryable: true },
  1026: { meaning: 'input flagged as sensitive', category: 'content', retryable: false },
  1027: { meaning: 'output flagged as sensitive', category: 'content', retryable: false },
  1033: { meaning: 'system error', category: 'transient', retryable: true },
  1039: { meaning: 'tokens-per-minute limit reached', category: 'rate_limit', retryable: true },
  1041: { meaning: 'connection limit reached', category: 'rate_limit', retryable: true },
  1042: { meaning: 'too many invisible characters in the text', category: 'content', retryable: false },
  1043: { meaning: 'the voice sample failed the similarity check (ASR)', category: 'validation', retryable: false },
  1044: { meaning: 'the voice sample failed the similarity check (prompt)', category: 'validation', retryable: false },
  2013: { meaning: 'invalid parameters', category: 'voice', retryable: false },
  20132: { meaning: 'invalid voice_id or voice samples', category: 'voice', retryable: false },
  2037: { meaning: 'the voice sample is too short or too long (10 s to 5 min)', category: 'validation', retryable: false },
  2039: { meaning: 'this voice id already exists', category: 'validation', retryable: false },
  2048: { meaning: 'the prompt audio is too long (under 8 s)', category: 'validation', retryable: false },
  2038: { meaning: 'no cloning permission (real-name verification needed)', category: 'voice', retryable: false },
  2042: { meaning: 'no access to this voice_id', category: 'voice', retryable: false },
  2045: { meaning: 'request rate grew too fast', category: 'rate_limit', retryable: true },
  2049: { meaning: 'invalid API key', category: 'auth', retryable: false },
  2054: { meaning: 'voice id does not exist', category: 'voice', retryable: false },
  2056: { meaning: 'usage limit exceeded (5-hour window)', category: 'billing', retryable: false },
  2201: { meaning: 'idle timeout disconnect', category: 'idle', retryable: true },
  2202: { meaning: 'illegal event or event order', category: 'client_bug', retryable: false },
  2203: { meaning: 'empty text, skipped', category: 'content', retryable: false },
  2204: { meaning: 'text over 10,000 characters, skipped', category: 'content', retryable: false },
  2205: { meaning: 'too many requests queued', category: 'rate_limit', retryable: true },
});

/** Classifies a MiniMax status code; codes missing from the table are 'unknown' and not retried. */
export function classifyStatus(code: number): StatusInfo {
  return STATUS_CODES[code] ?? { meaning: `unlisted status code`, category: 'unknown', retryable: false };
}

const LOCAL: Record<T2AErrorKind, { category: T2AErrorCategory; retryable: boolean }> = {
  timeout: { category: 'transient', retryable: true },
  protocol: { category: 'transient', retryable: true },
  closed: { category: 'transient', retryable: true },
  aborted: { category: 'aborted', retryable: false },
  auth: { category: 'auth', retryable: false },
  validation: { category: 'validation', retryable: false },
};

export interface T2AErrorOptions {
  code: number | T2AErrorKind;
  /** Defaults from the status table (numbers) or the kind (strings). */
  category?: T2AErrorCategory;
  retryable?: boolean;
  traceId?: string | undefined;
  cause?: unknown;
}

/** The one error type of src/t2a. `code` is MiniMax's status code, or the local failure kind. */
export class T2AError extends Error {
  override readonly name = 'T2AError';
  readonly code: number | T2AErrorKind;
  readonly category: T2AErrorCategory;
  readonly retryable: boolean;
  declare readonly traceId?: string;

  constructor(message: string, options: T2AErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    const defaults = typeof options.code === 'number' ? classifyStatus(options.code) : LOCAL[options.code];
    this.category = options.category ?? defaults.category;
    this.retryable = options.retryable ?? defaults.retryable;
    if (options.traceId !== undefined) this.traceId = options.traceId;
  }

  /** 'status' for a MiniMax status code, else the local kind. */
  get kind(): T2AErrorKind | 'status' {
    return typeof this.code === 'number' ? 'status' : this.code;
  }
}

/** Builds the error for a MiniMax frame whose base_resp.status_code is not 0. */
export function statusError(code: number, statusMsg: string | undefined, traceId?: string): T2AError {
  const info = classifyStatus(code);
  const detail = statusMsg && statusMsg.trim() !== '' ? `: "${statusMsg.trim().slice(0, 200)}"` : '';
  return new T2AError(`MiniMax refused the request: ${info.meaning} (status ${code}${detail})`, {
    code,
    traceId,
  });
}

/** True for T2AError instances. */
export function isT2AError(error: unknown): error is T2AError {
  return error instanceof T2AError;
}

/** Removes a secret from a message that may echo it (server messages, library errors). */
export function redact(text: string, secret: string): string {
  return secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
}

/** The same error with `secret` removed from its message (the error itself when it did not contain it). */
export function scrubError(error: T2AError, secret: string): T2AError {
  const message = redact(error.message, secret);
  if (message === error.message) return error;
  return new T2AError(message, { code: error.code, category: error.category, retryable: error.retryable, traceId: error.traceId, cause: error.cause });
}
