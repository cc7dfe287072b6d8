/**
 * Character budgets as users see them: the owner's caps (environment) bound the admins' caps (stored), the
 * lower one wins; prices turn characters into an estimated bill.
 */
import type { BudgetSettings } from '../store/types.js';
import type { Model } from '../t2a/types.js';

/** MiniMax's list prices in US dollars per million billed characters. */
export const PRICE_PER_MILLION = Object.freeze({ turbo: 60, hd: 100 });

/** The cap that applies: the lower of the owner's and the admins' (null: no cap). */
export function effectiveCap(owner: number | null, admin: number | null): number | null {
  if (owner === null) return admin;
  if (admin === null) return owner;
  return Math.min(owner, admin);
}

export function effectiveCaps(owner: BudgetSettings, admin: BudgetSettings): BudgetSettings {
  return { dailyChars: effectiveCap(owner.dailyChars, admin.dailyChars), monthlyChars: effectiveCap(owner.monthlyChars, admin.monthlyChars) };
}

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
