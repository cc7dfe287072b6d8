/**
 * Per-user and per-server limits on what reaches a guild's queue (slash commands and auto-read alike), as
 * sliding one-minute windows. A refusal says how long to wait, so the caller can tell the user.
 */

export interface RateLimits {
  perUserPerMinute: number;
  perGuildPerMinute: number;
}

export type RateDecision = { ok: true } | { ok: false; scope: 'user' | 'guild'; limit: number; retryAfterMs: number };

const WINDOW_MS = 60_000;

/** Sliding-window counters keyed by guild and by guild+user; stale keys are pruned as time passes. */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();
  private lastPrune = 0;

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one item for the user and the guild if both are under their limits; otherwise counts nothing. */
  take(guildId: string, userId: string): RateDecision {
    const t = this.now();
    this.prune(t);
    const userKey = `u:${guildId}:${userId}`;
    const guildKey = `g:${guildId}`;
    const user = this.window(userKey, t);
    if (user.length >= this.limits.perUserPerMinute) {
      return { ok: false, scope: 'user', limit: this.limits.perUserPerMinute, retryAfterMs: retryAfter(user, t) };
    }
    const guild = this.window(guildKey, t);
    if (guild.length >= this.limits.perGuildPerMinute) {
      return { ok: false, scope: 'guild', limit: this.limits.perGuildPerMinute, retryAfterMs: retryAfter(guild, t) };
    }
    user.push(t);
    guild.push(t);
    this.hits.set(userKey, user);
    this.hits.set(guildKey, guild);
    return { ok: true };
  }

  /** Number of keys held (for tests: the map does not grow without bound). */
  get size(): number {
    return this.hits.size;
  }

  private window(key: string, t: number): number[] {
    const list = this.hits.get(key) ?? [];
    while (list.length > 0 && (list[0] as number) <= t - WINDOW_MS) list.shift();
    return list;
  }

  private prune(t: number): void {
    if (t - this.lastPrune < WINDOW_MS) return;
    this.lastPrune = t;
    for (const [key, list] of this.hits) {
      const last = list[list.length - 1];
      if (last === undefined || last <= t - WINDOW_MS) this.hits.delete(key);
    }
  }
}

function retryAfter(window: readonly number[], t: number): number {
  const oldest = window[0] ?? t;
  return Math.max(0, oldest + WINDOW_MS - t);
}

/** The user-facing line for a refusal. */
export function describeRateLimit(decision: Extract<RateDecision, { ok: false }>): string {
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  return decision.scope === 'user'
    ? `You're sending too fast (at most ${decision.limit} a minute). Try again in ${seconds} s.`
    : `This server is sending too fast (at most ${decision.limit} a minute). Try again in ${seconds} s.`;
}
