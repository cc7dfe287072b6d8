import { describe, expect, it } from 'vitest';
import { createLogger, redact } from '../src/log.js';

describe('logger', () => {
  it('redacts configured secrets wherever they appear, including in error fields', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', secrets: ['sk-secret-123456'], write: (l) => lines.push(l) });
    log.error('failed with sk-secret-123456', { error: new Error('key sk-secret-123456 rejected'), extra: { k: 'sk-secret-123456' } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('sk-secret-123456');
    expect(lines[0]).toContain('[redacted]');
  });

  it('redacts Bearer and Bot authorization values even when not configured', () => {
    expect(redact('Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345', [])).toBe('Authorization: Bearer [redacted]');
    expect(redact('Bot MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.abcdefghijklmnop', [])).toBe('Bot [redacted]');
  });

  it('drops lines below the level and carries bound fields in children', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', secrets: [], write: (l) => lines.push(l) }).child({ guild: '42' });
    log.info('quiet');
    log.warn('loud', { n: 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/WARN {2}loud guild=42 n=1$/);
  });

  it('with format json, writes one JSON object per line: time, level, msg, then bound and given fields', () => {
    const lines: string[] = [];
    const at = new Date('2026-12-07T04:00:00.000Z');
    const log = createLogger({ level: 'info', format: 'json', secrets: [], write: (l) => lines.push(l), now: () => at }).child({ guild: '42' });
    log.debug('quiet');
    log.info('item not read', { kind: 'cut', attempt: 2, ok: false, nested: { a: [1, 'b'] } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(JSON.parse(lines[0]!)).toEqual({ time: at.toISOString(), level: 'info', msg: 'item not read', guild: '42', kind: 'cut', attempt: 2, ok: false, nested: { a: [1, 'b'] } });
  });

  it("carries MiniMax's trace id of an error, in both formats", () => {
    const error = Object.assign(new Error('MiniMax refused the request'), { name: 'T2AError', code: 1004, traceId: 'trace-0a1b2c' });
    const text: string[] = [];
    createLogger({ level: 'info', secrets: [], write: (l) => text.push(l) }).warn('failed', { error });
    expect(text[0]).toContain('error=T2AError(1004): MiniMax refused the request trace=trace-0a1b2c');
    const json: string[] = [];
    createLogger({ level: 'info', format: 'json', secrets: [], write: (l) => json.push(l) }).warn('failed', { error });
    expect(JSON.parse(json[0]!)).toMatchObject({ error: { name: 'T2AError', code: 1004, message: 'MiniMax refused the request', traceId: 'trace-0a1b2c' } });
  });

  it.each(['text', 'json'] as const)('with format %s, redacts secrets in the message, in fields, in errors and in nested values', (format) => {
    // A secret with characters JSON escapes: redacted before escaping could hide it from a match on the line.
    const secrets = ['sk-secret-123456', 'tok"en\\with-quotes'];
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', format, secrets, write: (l) => lines.push(l) });
    for (const secret of secrets) {
      log.error(`failed with ${secret}`, { error: new Error(`key ${secret} rejected`), extra: { k: [secret] }, raw: secret, header: 'Bearer abcdefghijklmnopqrstuvwxyz012345' });
    }
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      if (format === 'json') expect(() => JSON.parse(line) as unknown).not.toThrow();
      for (const secret of secrets) {
        expect(line).not.toContain(secret);
        expect(line).not.toContain(JSON.stringify(secret).slice(1, -1));
      }
      expect(line).not.toContain('abcdefghijklmnopqrstuvwxyz012345');
      expect(line.split('[redacted]').length - 1).toBeGreaterThanOrEqual(5);
    }
  });
});
