/**
 * Faults table, row 4: a bad key (1004 / 2049, or HTTP 401 on connect), no balance (1008) and the usage limit
 * (2056). No retry storm; speech pauses for every server; the admins hear once; /status says why; speech comes
 * back by itself after the cooldown once MiniMax accepts again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { GuildSpec } from '../fakes/discord/index.js';
import type { FakeMiniMaxOptions } from '../fakes/minimax/types.js';
import { GUILD, startHarness as startBot, type Harness as BotHarness } from '../bot/harness.js';
import { startHarness, type Harness } from '../session/harness.js';
import { until } from './helpers.js';

let h: Harness | undefined;
let bot: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  await bot?.close();
  h = undefined;
  bot = undefined;
});

const guild = (name: string): GuildSpec => ({
  name,
  channels: [{ name: 'general' }, { name: 'Voice', type: 'voice' }],
  members: [{ username: 'alice' }],
  voiceStates: [{ user: 'alice', channel: 'Voice' }],
});
const COOLDOWN = { authPauseMs: 700, billingPauseMs: 700, usageLimitPauseMs: 700 };
const KEY = 'test-key-not-secret'; // the session harness's key

interface Case {
  name: string;
  minimax: FakeMiniMaxOptions;
  fix: (h: Harness) => void;
  reason: string;
  message: RegExp;
}
const continueFault = (code: number): FakeMiniMaxOptions => ({ faults: { taskContinueStatus: { code, times: 1_000 } } });
const CASES: Case[] = [
  { name: '1004 at task_start', minimax: { apiKey: 'another-key', badKey: 'task_failed', badKeyCode: 1004 }, fix: (x) => x.minimax.configure({ apiKey: KEY }), reason: 'auth', message: /MINIMAX_API_KEY/ },
  { name: '2049 at task_start', minimax: { apiKey: 'another-key', badKey: 'task_failed', badKeyCode: 2049 }, fix: (x) => x.minimax.configure({ apiKey: KEY }), reason: 'auth', message: /MINIMAX_API_KEY/ },
  { name: 'HTTP 401 on connect', minimax: { apiKey: 'another-key', badKey: 'http401' }, fix: (x) => x.minimax.configure({ apiKey: KEY }), reason: 'auth', message: /MINIMAX_API_KEY/ },
  { name: '1008 no balance', minimax: continueFault(1008), fix: (x) => (x.minimax.faults.taskContinueStatus!.times = 0), reason: 'billing', message: /top it up/ },
  { name: '2056 usage limit', minimax: continueFault(2056), fix: (x) => (x.minimax.faults.taskContinueStatus!.times = 0), reason: 'usage_limit', message: /usage limit/ },
];

describe('account-wide refusals pause speech', () => {
  it.each(CASES)('$name: no retry storm, every server paused, one notice, back by itself after the cooldown', async (c) => {
    const x = (h = await startHarness({ guilds: [guild('One'), guild('Two')], minimax: c.minimax, timings: COOLDOWN }));
    const [one, two] = x.discord.guilds.map((g) => g.id) as [string, string];
    await x.manager.join(x.target(one));
    await x.manager.join(x.target(two));
    const s1 = x.manager.get(one)!;
    for (const t of ['one', 'two', 'three']) s1.enqueue(x.item(`Text ${t}.`, 'u1', one));
    await until(() => x.reports.length === 3, 5_000, 'three reports');

    // Every item is flagged 'paused'; the item behind the first shared its connection: one attempt in all.
    expect(x.reports.map((r) => r.kind)).toEqual(['paused', 'paused', 'paused']);
    expect(x.minimax.connections.length).toBe(1);
    expect(x.minimax.taskStarts.length).toBeLessThanOrEqual(1);
    expect(x.notices).toHaveLength(1);
    expect(x.notices[0]).toMatch(c.message);
    // The other server is paused too, and says why.
    const refusedThere = x.manager.get(two)!.enqueue(x.item('Refused.', 'u2', two));
    expect(refusedThere).toMatchObject({ ok: false, reason: 'paused' });
    expect((refusedThere as { detail?: unknown }).detail).toMatch(c.message);
    expect(x.manager.get(two)!.status().paused).toMatchObject({ reason: c.reason });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(x.minimax.connections.length).toBe(1);

    // After the cooldown one item probes; MiniMax still refuses: paused again, no second notice.
    await until(() => x.manager.pauseState(one) === null, 2_000, 'the cooldown to end');
    expect(s1.enqueue(x.item('Probe.', 'u1', one))).toMatchObject({ ok: true });
    await until(() => x.reports.length === 4, 5_000, 'the probe to fail');
    expect(x.minimax.connections.length).toBe(2);
    expect(x.notices).toHaveLength(1);

    // The owner fixes it; after the cooldown speech resumes without anyone doing anything.
    c.fix(x);
    await until(() => x.manager.pauseState(two) === null, 2_000, 'the second cooldown to end');
    expect(x.manager.get(two)!.enqueue(x.item('Back again.', 'u2', two))).toMatchObject({ ok: true });
    await until(() => x.played.length === 1, 5_000, 'speech to resume');
    await x.discord.audio.waitForAudio({ guildId: two, minMs: 250, timeoutMs: 5_000 });
    expect(x.notices).toHaveLength(1);
  });

  it('through the bot: one notice in the channel, /status in another server says why, and it recovers', async () => {
    const second: GuildSpec = { ...GUILD, name: 'Second Guild' };
    const x = (bot = await startBot({
      guilds: [GUILD, second],
      minimax: { apiKey: 'the-fixed-key-0123456789', badKey: 'task_failed', badKeyCode: 2049 },
      timings: { authPauseMs: 1_000 },
    }));
    const first = await x.run({ command: 'speak', options: { text: 'This needs a valid key.' } });
    expect(first.content).toMatch(/^(Reading it now\.|Queued \(position 1\)\.)$/);
    const notice = await x.discord.rest.waitForCall((call) => call.method === 'POST' && /\/channels\/\d+\/messages$/.test(call.path));
    expect(JSON.stringify(notice.body)).toContain('Speech is paused: MiniMax rejected the API key');
    expect(notice.body).toMatchObject({ allowed_mentions: { parse: [] } });

    const refused = await x.run({ command: 'speak', guild: 'Second Guild', options: { text: 'And here?' } });
    expect(refused).toMatchObject({ ephemeral: true });
    expect(refused.content).toMatch(/^Speech is paused on this server: MiniMax rejected the API key.*See \/status\.$/);
    const status = await x.run({ command: 'status', guild: 'Second Guild' });
    expect(status.content).toMatch(/\*\*Paused:\*\* MiniMax rejected the API key: the bot owner must check MINIMAX_API_KEY/);
    expect(x.minimax.connections.length).toBe(1);
    expect(x.discord.botMessages).toHaveLength(1);

    // The owner fixes the key (here: MiniMax starts accepting it); the next text after the cooldown is read.
    x.minimax.configure({ apiKey: undefined });
    await until(() => x.bot.sessions.pauseState(x.discord.guild('Second Guild').id) === null, 3_000, 'the cooldown to end');
    await x.run({ command: 'speak', guild: 'Second Guild', options: { text: 'Fixed now.' } });
    await x.discord.audio.waitForAudio({ guildId: x.discord.guild('Second Guild').id, minMs: 150, timeoutMs: 5_000 });
    expect((await x.run({ command: 'status' })).content).toContain('**Paused:** no');
    expect(x.discord.botMessages).toHaveLength(1);
  });
});
