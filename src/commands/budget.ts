/**
 * Character budgets as users see them: prices turn characters into an estimated bill, and spend is phrased
 * against the caps in force (src/store/budget.ts decides which cap applies).
 */
import type { Model } from '../t2a/types.js';

/** MiniMax's list prices in US dollars per million billed characters. */
export const PRICE_PER_MILLION = Object.freeze({ turbo: 60, hd: 100 });

/** Price per million characters for a model (hd or turbo). */
export function pricePerMillion(model: Model): number {
  return model.endsWith('-hd') ? PRICE_PER_MILLION.hd : PRICE_PER_MILLION.turbo;
}

/** Dollars for `chars` characters at `perMillion`, e.g. "$0.12". */
export function formatCost(chars: number, perMillion: number): string {
  const dollars = (chars * perMillion) / 1_000_000;
  return dollars > 0 && dollars < 0.01 ? '< $0.01' : `$${dollars.toFixed(2)}`;
}

/** "1,234 of 10,000 (8,766 left)" or "1,234 (no cap)". */
export function formatSpend(used: number, cap: number | null): string {
  if (cap === null) return `${n(used)} (no cap)`;
  return `${n(used)} of ${n(cap)} (${n(Math.max(0, cap - used))} left)`;
}

/** A count with thousands separators, locale-independent. */
export function n(value: number): string {
  return value.toLocaleString('en-US');
}
