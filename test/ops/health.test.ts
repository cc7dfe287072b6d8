import { describe, expect, it } from 'vitest';
import { loadBotConfig } from '../../src/config.js';
import { LoopWatch } from '../../src/ops/health.js';

const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // holds the event loop, as a runaway computation would
  }
};
const turn = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('LoopWatch (/healthz)', () => {
  it('is healthy while the event loop turns, unhealthy with the stall in words after it was held past the limit', async () => {
    // Limits well above what a loaded test machine's own delays reach.
    const watch = new LoopWatch({ stallMs: 1000, sampleMs: 50, windowSamples: 4 });
    try {
      await turn(120);
      expect(watch.check()).toEqual({ ok: true, reasons: [] });
      busy(1300);
      await turn();
      const verdict = watch.check();
      expect(verdict.ok).toBe(false);
      expect(verdict.reasons[0]).toMatch(/^the event loop was stalled for \d+ ms \(limit 1000 ms\)$/);
      // The delay histogram's timer ticks every 20 ms and counts what is late beyond its period, so a 1,300 ms hold
      // reads as the hold less up to two periods (1,267 ms was seen on a fresh CI clone).
      expect(watch.worstDelayMs).toBeGreaterThanOrEqual(1300 - 2 * 20 - 10);
    } finally {
      watch.close();
    }
  });

  it('forgets a stall once it is older than the window', async () => {
    const watch = new LoopWatch({ stallMs: 500, sampleMs: 20, windowSamples: 2 });
    try {
      busy(700);
      await turn();
      expect(watch.check().ok).toBe(false);
      // Samples come once per 20 ms; two of them (plus slack for a loaded machine) push the stall out.
      for (let i = 0; i < 250 && !watch.check().ok; i++) await turn(20);
      expect(watch.check().ok).toBe(true);
    } finally {
      watch.close();
    }
  });
});

describe('HTTP_PORT, HTTP_HOST, LOG_FORMAT', () => {
  const base = { DISCORD_TOKEN: 't', MINIMAX_API_KEY: 'k' };
  it('no HTTP server unless HTTP_PORT is set; loopback by default', () => {
    expect(loadBotConfig(base).http).toBeNull();
    expect(loadBotConfig({ ...base, HTTP_PORT: '9100' }).http).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(loadBotConfig({ ...base, HTTP_PORT: '0', HTTP_HOST: '0.0.0.0' }).http).toEqual({ host: '0.0.0.0', port: 0 });
  });

  it('a bad port or format is one line naming the variable', () => {
    expect(() => loadBotConfig({ ...base, HTTP_PORT: '70000' })).toThrow('HTTP_PORT must be a whole number from 0 to 65535 (got "70000")');
    expect(() => loadBotConfig({ ...base, HTTP_PORT: 'metrics' })).toThrow(/^HTTP_PORT must be/);
    expect(() => loadBotConfig({ ...base, LOG_FORMAT: 'xml' })).toThrow('LOG_FORMAT must be one of text, json (got "xml")');
    expect(loadBotConfig(base).logFormat).toBe('text');
    expect(loadBotConfig({ ...base, LOG_FORMAT: 'json' }).logFormat).toBe('json');
  });
});
