/**
 * Replies that tell the truth, end to end: a text is said to be queued only when it is, failures are reported
 * even when the reaction cannot be added, public messages carry no internal error text, echoed names are
 * escaped, and Manage Server is checked when an action runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('replies that tell the truth', () => {
  it('a /speak refused because the budget was spent since the last check gets the reason, is never sent and costs nothing', async () => {
    const x = (h = await startHarness({ env: { BUDGET_DAILY_CHARS: '20' } }));
    const first = 'Counting these characters.';
    await x.run({ command: 'speak', options: { text: first } });
    await x.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 5_000 });
    const guildId = x.discord.guild().id;
    await x.minimax.waitFor(() => x.bot.store.getUsage(guildId, new Date()).day === first.length);
    const refused = await x.run({ command: 'speak', options: { text: 'This should not be read.' } });
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toMatch(/^Speech is paused on this server: this server's daily character budget is spent \(26\/20\); see \/usage\. See \/status\.$/);
    expect(refused.content).not.toContain('Queued');
    expect(x.minimax.texts).toEqual([first]);
    expect(x.bot.store.getUsage(guildId, new Date()).day).toBe(first.length);
  });
});
