/**
 * The owner's account-wide budget (BUDGET_ACCOUNT_MONTHLY_CHARS): billed characters across every server and every
 * process in the UTC month, counted in the database (the sum of every guild's usage rows).
 *
 * The session's check is synchronous (it runs before each text), so the total is read from the database in the
 * background: with a synchronous store (SQLite, one process) it is read on every check; with PostgreSQL every
 * `refreshMs`, and the characters this process counted since that read began are added on top (counted twice
 * rather than missed until the next read shows them).
 */
import { utcMonthBounds } from './records.js';

export interface AccountBudgetOptions {
  /** The cap (characters per UTC month). */
  cap: number;
  /** The month's total over every guild, as the database has it. */
  read: (at: Date) => number | Promise<number>;
  now?: () => number;
  /** Characters counted here but not yet written to the database (they are not in a read's total). */
  pending?: () => number;
  /** How often an asynchronous total is read again. Default 1 s. */
  refreshMs?: number;
  /** A read failed (the database is away): the last total plus local counts stand meanwhile. Must not throw. */
  onError?: (error: unknown) => void;
}

export interface AccountUsage {
  used: number;
  cap: number;
}

export class AccountBudget {
  readonly cap: number;
  readonly #options: AccountBudgetOptions;
  readonly #now: () => number;
  /** The last total read, the month it belongs to, and the characters counted here since that read began. */
  #known = 0;
  #month = '';
  #sinceRead = 0;
  /** Characters counted while a read is on its way (they become #sinceRead of that read). */
  #duringRead = 0;
  #reading = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: AccountBudgetOptions) {
    this.cap = options.cap;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Reads the total once (awaited: the first check already knows it), then keeps it fresh. */
  async start(): Promise<void> {
    if (this.#syncRead) return;
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#options.refreshMs ?? 1_000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Characters this process just counted (the session's usage). */
  add(chars: number): void {
    this.#sinceRead += chars;
    if (this.#reading) this.#duringRead += chars;
  }

  /** The month's total as well as this process knows it. */
  usage(): AccountUsage {
    const at = new Date(this.#now());
    if (this.#syncRead) return { used: this.#options.read(at) as number, cap: this.cap };
    // A new month: the old total no longer counts (the next read brings the new one).
    if (utcMonthBounds(at).first !== this.#month) return { used: this.#sinceRead, cap: this.cap };
    return { used: this.#known + this.#sinceRead, cap: this.cap };
  }

  /** Whether the cap is reached: no new text may start. */
  spent(): AccountUsage | null {
    const u = this.usage();
    return u.used >= u.cap ? u : null;
  }

  /** Reads the total from the database now. */
  async refresh(): Promise<void> {
    if (this.#reading) return;
    const at = new Date(this.#now());
    this.#reading = true;
    this.#duringRead = this.#options.pending?.() ?? 0;
    try {
      const total = await this.#options.read(at);
      this.#known = total;
      this.#month = utcMonthBounds(at).first;
      this.#sinceRead = this.#duringRead;
    } catch (error) {
      this.#options.onError?.(error);
    } finally {
      this.#reading = false;
    }
  }

  #syncRead = false;

  /** A budget over a synchronous total (SQLite, one process): exact on every check, nothing to refresh. */
  static synchronous(options: Omit<AccountBudgetOptions, 'read'> & { read: (at: Date) => number }): AccountBudget {
    const budget = new AccountBudget(options);
    budget.#syncRead = true;
    return budget;
  }
}
