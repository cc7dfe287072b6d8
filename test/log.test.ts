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
});
