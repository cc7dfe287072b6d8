import { describe, expect, it } from 'vitest';
import { RateLimiter, describeRateLimit } from '../../src/commands/rateLimit.js';
import { formatCost, formatSpend, pricePerMillion } from '../../src/commands/budget.js';
import { effectiveCap } from '../../src/store/budget.js';

describe('rate limiter', () => {
  it('allows a user up to the limit per minute, then says how long to wait', () => {
    let t = 0;
    const limiter = new RateLimiter({ perUserPerMinute: 3, perGuildPerMinute: 100 }, () => t);
    expect([1, 2, 3].map(() => limiter.take('g', 'u').ok)).toEqual([true, true, true]);
    t = 15_000;
    const refused = limiter.take('g', 'u');
    expect(refused).toMatchObject({ ok: false, scope: 'user', limit: 3, retryAfterMs: 45_000 });
    if (!refused.ok) expect(describeRateLimit(refused)).toBe("You're sending too fast (at most 3 a minute). Try again in 45 s.");
    expect(limiter.take('g', 'other').ok).toBe(true);
    t = 60_001;
    expect(limiter.take('g', 'u').ok).toBe(true);
  });

  it('limits the whole server across users, and each server on its own', () => {
    const limiter = new RateLimiter({ perUserPerMinute: 10, perGuildPerMinute: 2 }, () => 0);
    expect(limiter.take('g', 'a').ok).toBe(true);
    expect(limiter.take('g', 'b').ok).toBe(true);
    expect(limiter.take('g', 'c')).toMatchObject({ ok: false, scope: 'guild' });
    expect(limiter.take('h', 'c').ok).toBe(true);
  });

  it('a refused text counts toward neither the user nor the server', () => {
    let t = 0;
    const limiter = new RateLimiter({ perUserPerMinute: 2, perGuildPerMinute: 3 }, () => t);
    expect([limiter.take('g', 'a').ok, limiter.take('g', 'a').ok]).toEqual([true, true]);
    t = 10;
    expect(limiter.take('g', 'a')).toMatchObject({ ok: false, scope: 'user' });
    t = 20;
    // Had a's refusal counted for the server, it would be full (3) and refuse b.
    expect(limiter.take('g', 'b').ok).toBe(true);
    t = 30;
    expect(limiter.take('g', 'b')).toMatchObject({ ok: false, scope: 'guild', retryAfterMs: 59_970 });
    t = 60_001; // a's two texts left the window; b's one at 20 is still in it
    // Had b's refusal at 30 counted for b, b would have 2 in the window and be refused.
    expect(limiter.take('g', 'b').ok).toBe(true);
    // Had it counted for the server, the server would hold 20, 30 and 60 001 and refuse c.
    expect(limiter.take('g', 'c').ok).toBe(true);
    expect(limiter.take('g', 'd')).toMatchObject({ ok: false, scope: 'guild' });
  });

  it('forgets idle keys so the map does not grow without bound', () => {
    let t = 0;
    const limiter = new RateLimiter({ perUserPerMinute: 5, perGuildPerMinute: 500 }, () => t);
    for (let i = 0; i < 100; i += 1) limiter.take('g', `u${i}`);
    expect(limiter.size).toBe(101);
    t = 200_000;
    limiter.take('g', 'late');
    expect(limiter.size).toBe(2);
  });
});

describe('budget display', () => {
  it('takes the lower of the owner and admin caps', () => {
    expect(effectiveCap(null, null)).toBeNull();
    expect(effectiveCap(1000, null)).toBe(1000);
    expect(effectiveCap(null, 50)).toBe(50);
    expect(effectiveCap(1000, 5000)).toBe(1000);
  });

  it('prices turbo at $60 and hd at $100 per million characters', () => {
    expect(pricePerMillion('speech-2.8-turbo')).toBe(60);
    expect(pricePerMillion('speech-02-hd')).toBe(100);
    expect(formatCost(1_000_000, 60)).toBe('$60.00');
    expect(formatCost(50, 60)).toBe('< $0.01');
    expect(formatCost(0, 100)).toBe('$0.00');
    expect(formatSpend(1234, 10_000)).toBe('1,234 of 10,000 (8,766 left)');
    expect(formatSpend(12, null)).toBe('12 (no cap)');
  });
});
