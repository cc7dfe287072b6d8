/**
 * Security: over a full bot session (commands, auto-read, a gateway resume, a refused text, a bad-key pause and
 * its notice), neither the Discord token nor the MiniMax key appears anywhere but where it belongs: the
 * Authorization headers, and the gateway's IDENTIFY / RESUME. The logger runs WITHOUT its list of secrets, so
 * this checks what the code writes, not what the logger's redaction hides. MiniMax is hostile here: its error
 * messages echo the key. (test/bot/admin.test.ts checks the same on a shorter run with the production logger.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { opt } from '../fakes/discord/index.js';
import { DISCORD_TOKEN, MINIMAX_KEY, startHarness, type Harness } from '../bot/harness.js';
import { until } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SECRETS = { token: DISCORD_TOKEN, key: MINIMAX_KEY };

function leaks(where: string, value: unknown): string[] {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return Object.entries(SECRETS).flatMap(([name, secret]) => (text?.includes(secret) ? [`${name} in ${where}: ${text.slice(0, 200)}`] : []));
}

describe('secrets stay where they belong', () => {
  it('a full session leaks neither the token nor the key into logs, replies, messages or MiniMax frames', async () => {
    const x = (h = await startHarness({ logSecrets: [], timings: { authPauseMs: 60_000 } }));
    const replies: string[] = [];
    const run = async (spec: Parameters<Harness['run']>[0]): Promise<void> => {
      replies.push((await x.run(spec)).content);
    };
    await run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    await run({ command: 'voice', subcommand: 'set', options: { speed: 1.1 } });
    await run({ command: 'join' });
    x.discord.message({ channel: 'reading', author: 'alice', content: 'Hello from the read channel.' });
    await x.minimax.waitFor(() => x.minimax.texts.length === 1);
    await run({ command: 'speak', user: 'bob', options: { text: 'And a slash command.' } });
    await x.minimax.waitFor(() => x.minimax.texts.length === 2);

    // The gateway drops and resumes (the token goes out again, in RESUME).
    x.discord.closeGateway(4000);
    await until(() => x.discord.gateway.sessions[0]!.resumes === 1 && x.discord.gateway.sessions[0]!.socket !== undefined, 10_000, 'the resume');

    // MiniMax rate-limits a text (the retry is logged with the error), then refuses one, echoing the key each time.
    x.minimax.configure({ faults: { taskContinueStatus: { code: 1002, times: 1, msg: `slow down, ${MINIMAX_KEY}` } } });
    x.discord.message({ channel: 'reading', author: 'alice', content: 'Rate limited once.' });
    await x.minimax.waitFor(() => x.minimax.texts.length === 4);
    x.minimax.configure({ faults: { taskContinueStatus: { code: 1026, times: 1, msg: `flagged (request by ${MINIMAX_KEY})` } } });
    x.discord.message({ channel: 'reading', author: 'bob', content: 'Something it will not read.' });
    await until(() => x.logs.some((l) => l.includes('item not read')), 5_000, 'the refusal');

    // Then it rejects the key, echoing it again: speech pauses with a notice in the channel.
    x.minimax.configure({ faults: { taskStartStatus: { code: 2049, times: 10, msg: `invalid api key ${MINIMAX_KEY}` } } });
    x.minimax.disconnectAll('close');
    await x.minimax.waitFor(() => x.minimax.connections.every((c) => c.closed));
    await run({ command: 'speak', options: { text: 'This meets the bad key.' } });
    await x.discord.rest.waitForCall((c) => c.method === 'POST' && JSON.stringify(c.body).includes('Speech is paused'));
    await run({ command: 'status' });
    await run({ command: 'usage' });
    await run({ command: 'speak', options: { text: 'Refused while paused.' } });
    await x.bot.stop();

    const found: string[] = [];
    x.logs.forEach((line, i) => found.push(...leaks(`log line ${i}`, line)));
    replies.forEach((r, i) => found.push(...leaks(`reply ${i}`, r)));
    for (const call of x.discord.rest.calls) found.push(...leaks(`REST ${call.method} ${call.path}`, { path: call.path, query: call.query, body: call.body }));
    for (const m of x.discord.botMessages) found.push(...leaks('a channel message', m.body));
    for (const c of x.minimax.connections) {
      expect(c.authorization).toBe(`Bearer ${MINIMAX_KEY}`);
      for (const e of c.received) found.push(...leaks(`MiniMax ${e.event}`, e.body));
    }
    for (const r of x.minimax.voiceRequests) {
      expect(r.authorization).toBe(`Bearer ${MINIMAX_KEY}`);
      found.push(...leaks('get_voice body', r.body));
    }
    const tokens: string[] = [];
    for (const p of x.discord.gateway.received) {
      const d = (p.d ?? {}) as Record<string, unknown>;
      if ((p.op === 2 || p.op === 6) && typeof d['token'] === 'string') tokens.push(d['token']);
      found.push(...leaks(`gateway op ${p.op}`, { ...d, token: undefined }));
    }
    expect(found).toEqual([]);
    // Where they belong: IDENTIFY and RESUME carry the token.
    expect(tokens).toEqual([DISCORD_TOKEN, DISCORD_TOKEN]);

    // The run did exercise every path the secrets could leak through.
    expect(x.logs.some((l) => l.includes('retrying an item') && l.includes('status 1002: "slow down, [redacted]"'))).toBe(true);
    expect(x.logs.some((l) => l.includes('item not read') && l.includes('kind=skipped_content'))).toBe(true);
    expect(x.logs.some((l) => l.includes('notice') && l.includes('MiniMax rejected the API key'))).toBe(true);
    expect(x.discord.botMessages.some((m) => m.content.includes('Speech is paused'))).toBe(true);
    expect(replies.at(-1)).toMatch(/^Speech is paused on this server/);
    expect(x.minimax.connections.some((c) => c.sent.some((f) => f.statusCode === 2049))).toBe(true);
  });
});
