/**
 * Money with the account-wide budget on (BUDGET_ACCOUNT_MONTHLY_CHARS), end to end: whatever ends a text, its
 * reservation in the database is replaced by exactly what it was billed (the characters the fake MiniMax received),
 * nothing stays reserved, and the ledger agrees with the servers' own usage. Endings as in usage.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

const LONG = 'This long message is read at the pace it is spoken, so it is still streaming when it ends. '.repeat(2).trim();
const NEXT = 'The next message waits right behind it.';
const THIRD = 'A third one sits in the queue.';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(): Promise<Harness> {
  h = await startHarness({ minimax: { realtimeFactor: 1 }, env: { MINIMAX_TASKS_PER_GUILD: '1', BUDGET_ACCOUNT_MONTHLY_CHARS: '1000000' } });
  return h;
}

/** LONG is being heard and NEXT has reached MiniMax behind it (prefetched); THIRD is queued. */
async function readingWithTwoBehind(x: Harness): Promise<void> {
  for (const text of [LONG, NEXT, THIRD]) await x.run({ command: 'speak', options: { text } });
  await x.minimax.waitFor(() => x.minimax.texts.includes(NEXT), 5_000, 'NEXT sent');
  await x.discord.audio.waitForAudio({ minMs: 200 });
}

const endings: { name: string; sent: string[]; end: (x: Harness) => Promise<void> }[] = [
  {
    name: 'finished',
    sent: [NEXT],
    end: async (x) => {
      await x.run({ command: 'speak', options: { text: NEXT } });
      await x.discord.audio.waitForSilence({ quietMs: 400, timeoutMs: 8_000 });
    },
  },
  {
    name: '/skip mid-read',
    sent: [LONG, NEXT],
    end: async (x) => {
      await x.run({ command: 'speak', options: { text: LONG } });
      await x.run({ command: 'speak', options: { text: NEXT } });
      await x.discord.audio.waitForAudio({ minMs: 200 });
      await x.run({ command: 'skip' });
      await x.discord.audio.waitForSilence({ quietMs: 400, timeoutMs: 8_000 });
    },
  },
  {
    name: '/clear (the queued text is never sent nor reserved)',
    sent: [LONG, NEXT],
    end: async (x) => {
      await readingWithTwoBehind(x);
      await x.run({ command: 'clear' });
    },
  },
  {
    name: '/leave',
    sent: [LONG, NEXT],
    end: async (x) => {
      await readingWithTwoBehind(x);
      await x.run({ command: 'leave' });
    },
  },
  {
    name: 'shutdown (settled before the store closes; read back after a restart)',
    sent: [LONG, NEXT],
    end: async (x) => {
      await readingWithTwoBehind(x);
      await x.restart();
    },
  },
];

describe('the account budget settles every text at what it was billed, whatever ends it', () => {
  it.each(endings)('$name', async ({ sent, end }) => {
    const x = await start();
    await end(x);
    // A text re-sent after its task was closed under it is billed once (as in usage.test.ts).
    expect([...new Set(x.minimax.texts)].sort()).toStrictEqual([...sent].sort());
    const billed = sent.reduce((n, t) => n + t.length, 0);
    const month = new Date().toISOString().slice(0, 7);
    await expect.poll(() => x.bot.store.accountLedger().month(month), { timeout: 5_000 }).toStrictEqual({ used: billed, reserved: 0 });
    expect(x.bot.store.getUsage(x.discord.guild().id, new Date()).month).toBe(billed);
  });
});
