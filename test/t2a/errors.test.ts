import { describe, expect, test } from 'vitest';
import { STATUS_CODES, T2AError, classifyStatus, redact, statusError, type T2AErrorCategory } from '../../src/t2a/errors.js';

/** The doc's whole status-code table with the category and retry the session relies on. */
const TABLE: [number, T2AErrorCategory, boolean][] = [
  [1000, 'transient', true],
  [1001, 'transient', true],
  [1002, 'rate_limit', true],
  [1004, 'auth', false],
  [1008, 'billing', false],
  [1013, 'transient', true],
  [1024, 'transient', true],
  [1026, 'content', false],
  [1027, 'content', false],
  [1033, 'transient', true],
  [1039, 'rate_limit', true],
  [1041, 'rate_limit', true],
  [1042, 'content', false],
  [1043, 'validation', false],
  [1044, 'validation', false],
  [2013, 'voice', false],
  [20132, 'voice', false],
  [2037, 'validation', false],
  [2038, 'voice', false],
  [2039, 'validation', false],
  [2048, 'validation', false],
  [2042, 'voice', false],
  [2045, 'rate_limit', true],
  [2049, 'auth', false],
  [2054, 'voice', false],
  [2056, 'billing', false],
  [2201, 'idle', true],
  [2202, 'client_bug', false],
  [2203, 'content', false],
  [2204, 'content', false],
  [2205, 'rate_limit', true],
];

describe('status classification', () => {
  test.each(TABLE)('status %i is %s (retryable %s)', (code, category, retryable) => {
    expect(classifyStatus(code)).toMatchObject({ category, retryable });
    const error = statusError(code, 'server says so', 'trace-1');
    expect(error).toBeInstanceOf(T2AError);
    expect(error).toMatchObject({ code, category, retryable, traceId: 'trace-1', kind: 'status' });
    expect(error.message).toContain(String(code));
    expect(error.message).toContain('server says so');
  });

  test('the table covers every documented code and nothing else', () => {
    expect(Object.keys(STATUS_CODES).map(Number).sort((a, b) => a - b)).toEqual(TABLE.map(([c]) => c).sort((a, b) => a - b));
  });

  test('an unlisted code is unknown and not retried', () => {
    expect(classifyStatus(4242)).toMatchObject({ category: 'unknown', retryable: false });
    expect(statusError(4242, undefined).message).toMatch(/status 4242\)$/);
  });
});

describe('T2AError', () => {
  test.each([
    ['timeout', 'transient', true],
    ['protocol', 'transient', true],
    ['closed', 'transient', true],
    ['aborted', 'aborted', false],
    ['auth', 'auth', false],
    ['validation', 'validation', false],
  ] as const)('local kind %s defaults to %s (retryable %s)', (kind, category, retryable) => {
    const cause = new Error('inner');
    const e = new T2AError('something', { code: kind, cause });
    expect(e).toMatchObject({ code: kind, kind, category, retryable, name: 'T2AError', message: 'something' });
    expect(e.cause).toBe(cause);
    expect(e).toBeInstanceOf(Error);
  });

  test('explicit category and retryable override the defaults', () => {
    const e = new T2AError('cut', { code: 'closed', retryable: false, category: 'transient' });
    expect(e).toMatchObject({ retryable: false, category: 'transient' });
    expect('traceId' in e).toBe(false);
  });

  test('redact removes a secret wherever it appears', () => {
    expect(redact('key sk-abcdef used; sk-abcdef again', 'sk-abcdef')).toBe('key [redacted] used; [redacted] again');
    expect(redact('nothing here', 'sk-abcdef')).toBe('nothing here');
  });
});
