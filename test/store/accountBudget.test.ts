import { describe, expect, it } from 'vitest';
import { AccountBudget } from '../../src/store/accountBudget.js';

describe('AccountBudget over an asynchronous total (PostgreSQL)', () => {
  it('adds what this process counted since the read began, and what it has not written yet', async () => {
    let total = 100;
    let pending = 0;
    const now = Date.parse('2025-03-10T12:00:00Z');
    const budget = new AccountBudget({ cap: 120, read: () => Promise.resolve(total), pending: () => pending, now: () => now });
    await budget.refresh();
    expect(budget.usage()).toStrictEqual({ used: 100, cap: 120 });
    budget.add(15);
    expect(budget.spent()).toBeNull();
    budget.add(5);
    expect(budget.spent()).toStrictEqual({ used: 120, cap: 120 });
    // The database now has 110 of them; 10 are still on their way: counted, not lost between reads.
    total = 110;
    pending = 10;
    await budget.refresh();
    expect(budget.usage().used).toBe(120);
  });

  it('counts during a read on top of it, keeps the last total when a read fails, and starts a new month from zero', async () => {
    let at = Date.parse('2025-03-31T23:59:00Z');
    let answer: (n: number) => void = () => undefined;
    let fail = false;
    const errors: unknown[] = [];
    const budget = new AccountBudget({
      cap: 1000,
      read: () => (fail ? Promise.reject(new Error('server away')) : new Promise<number>((resolve) => (answer = resolve))),
      now: () => at,
      onError: (e) => errors.push(e),
    });
    const first = budget.refresh();
    budget.add(7);
    answer(50);
    await first;
    expect(budget.usage().used).toBe(57);
    fail = true;
    await budget.refresh();
    expect(errors).toHaveLength(1);
    expect(budget.usage().used).toBe(57);
    at = Date.parse('2025-04-01T00:01:00Z');
    // March's total no longer counts; only what was counted since the last read (this process's own).
    expect(budget.usage().used).toBe(7);
  });
});

describe('AccountBudget over a synchronous total (SQLite)', () => {
  it('reads the total on every check', () => {
    let total = 10;
    const budget = AccountBudget.synchronous({ cap: 20, read: () => total });
    expect(budget.spent()).toBeNull();
    total = 20;
    expect(budget.spent()).toStrictEqual({ used: 20, cap: 20 });
  });
});
