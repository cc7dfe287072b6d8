import type { BudgetSettings } from './types.js';

/** The cap that applies: the lower of the owner's and the admins' (null: no cap). */
export function effectiveCap(owner: number | null, admin: number | null): number | null {
  if (owner === null) return admin;
  if (admin === null) return owner;
  return Math.min(owner, admin);
}

/** The daily and monthly caps in force for a guild: the owner's (environment) bound the admins' (stored). */
export function effectiveCaps(owner: BudgetSettings, admin: BudgetSettings): BudgetSettings {
  return { dailyChars: effectiveCap(owner.dailyChars, admin.dailyChars), monthlyChars: effectiveCap(owner.monthlyChars, admin.monthlyChars) };
}

/**
 * The oldest day whose usage is kept: the 1st of the previous UTC month. Budgets read only the current day and
 * month; the month before is kept for whoever looks at the database.
 */
export function usageRetentionStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
}
