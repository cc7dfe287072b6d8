/** SqliteStore's bot-wide values (bot_state, one JSON value per name): the learned playout delay. */
import { parseJson, type Report } from './sqliteRows.js';
import type { Statements } from './sqliteStatements.js';
import { assertCount, isCount } from './validate.js';

/** bot_state's row for the learned playout delay. */
const PLAYOUT_DELAY = 'playout_delay_ms';

export class SqliteBotState {
  constructor(
    private readonly stmt: Statements,
    private readonly report: Report,
  ) {}

  getPlayoutDelay(): number | null {
    const row = this.stmt.getState.get(PLAYOUT_DELAY);
    if (row === undefined) return null;
    const parsed = parseJson(row.value);
    if (parsed.ok && isCount(parsed.value)) return parsed.value;
    this.report('bot_state', PLAYOUT_DELAY, ['*']);
    return null;
  }

  setPlayoutDelay(ms: number): void {
    assertCount('ms', ms);
    this.stmt.putState.run(PLAYOUT_DELAY, JSON.stringify(ms));
  }
}
