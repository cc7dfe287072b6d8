/**
 * The one levelled logger of the app edge. Inner layers never log; they emit events or return errors.
 * Every line passes through redaction of the configured secrets, whatever code path produced it, in either format:
 * `text` (one readable line) or `json` (one JSON object per line: time, level, msg, then the fields).
 *
 * Kept rather than pino: it writes synchronously (a line logged just before an exit is not lost), and it redacts a
 * secret wherever it appears, in the message and inside any field, where pino's redaction works by field path.
 */
import type { LogFormat, LogLevel } from './config.js';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Default text. */
  format?: LogFormat;
  secrets: readonly string[];
  write?: (line: string) => void;
  now?: () => Date;
}

/** Replaces every occurrence of each secret (and Bearer/Bot token headers) with [redacted]. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(/\b(Bearer|Bot)\s+[A-Za-z0-9._-]{20,}/g, '$1 [redacted]');
}

/** An error's trace id (MiniMax's, on T2A errors), when it has one. */
function traceIdOf(error: Error): string | undefined {
  const trace = (error as { traceId?: unknown }).traceId;
  return typeof trace === 'string' && trace !== '' ? trace : undefined;
}

function describe(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    const trace = traceIdOf(value);
    const shown = typeof code === 'string' || typeof code === 'number' ? String(code) : JSON.stringify(code);
    return `${value.name}${code !== undefined ? `(${shown})` : ''}: ${value.message}${trace ? ` trace=${trace}` : ''}`;
  }
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A field value for a JSON line, secrets removed from every string in it (before escaping could hide one). */
function jsonValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    const trace = traceIdOf(value);
    return { name: value.name, message: redact(value.message, secrets), ...(code !== undefined ? { code: jsonValue(code, secrets) } : {}), ...(trace ? { traceId: trace } : {}) };
  }
  if (depth < 4 && Array.isArray(value)) return value.map((v) => jsonValue(v, secrets, depth + 1));
  if (depth < 4 && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, jsonValue(v, secrets, depth + 1)]));
  }
  return redact(describe(value), secrets);
}

function textLine(time: Date, level: LogLevel, msg: string, fields: [string, unknown][], secrets: readonly string[]): string {
  // Objects are written as JSON, whose escaping could hide a secret from the line's redaction: redacted before.
  const show = (v: unknown): string => (typeof v === 'object' && v !== null && !(v instanceof Error) ? describe(jsonValue(v, secrets)) : describe(v));
  const tail = fields.map(([k, v]) => `${k}=${show(v)}`).join(' ');
  return `${time.toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${tail ? ` ${tail}` : ''}`;
}

function jsonLine(time: Date, level: LogLevel, msg: string, fields: [string, unknown][], secrets: readonly string[]): string {
  const record: Record<string, unknown> = { time: time.toISOString(), level, msg: redact(msg, secrets) };
  for (const [k, v] of fields) if (!(k in record)) record[k] = jsonValue(v, secrets);
  return JSON.stringify(record);
}

export function createLogger(options: LoggerOptions, bound: Record<string, unknown> = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const min = ORDER[options.level];
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const all = Object.entries({ ...bound, ...fields }).filter(([, v]) => v !== undefined);
    const line = options.format === 'json' ? jsonLine(now(), level, msg, all, options.secrets) : textLine(now(), level, msg, all, options.secrets);
    // The whole line once more: whatever a field's own rendering let through.
    write(redact(line, options.secrets));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}
