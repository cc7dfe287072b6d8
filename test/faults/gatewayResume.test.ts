/**
 * Faults table, row 9: the gateway drops and the bot resumes. Messages missed meanwhile are read once; messages
 * Discord replays although the bot already had them are not read twice, even when discord.js's own message
 * cache has forgotten them (it keeps 50 per channel).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { opt } from '../fakes/discord/index.js';
import { startHarness, type Harness } from '../bot/harness.js';
import { until } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('gateway resume', () => {
  it('reads messages missed during the drop once, and never re-reads a replayed one', async () => {
    // No audio cache: a repeated text must reach MiniMax, so a double read shows in what it received.
    const x = (h = await startHarness({ env: { AUDIO_CACHE_MB: '0' } }));
    await x.run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    await x.run({ command: 'autoread', subcommand: 'options', options: { xsaid: false } });
    await x.run({ command: 'join' });
    const gateway = x.discord.gateway.live[0]!;
    const received: string[] = [];
    x.bot.client.on('raw', (packet: { t?: string; d?: { id?: string } }) => {
      if (packet.t === 'MESSAGE_CREATE' && packet.d?.id) received.push(packet.d.id);
    });
    const seqOf = (id: string): number => gateway.log.find((e) => e.t === 'MESSAGE_CREATE' && (e.d as { id?: string }).id === id)!.s;
    const resumed = async (n: number): Promise<void> => until(() => gateway.resumes === n && gateway.socket !== undefined, 10_000, `resume ${n}`);

    const first = x.discord.message({ channel: 'reading', author: 'alice', content: 'First message.' });
    await x.minimax.waitFor(() => x.minimax.texts.length === 1);

    // Drop; Discord replays from before the first message. A second message arrives while the bot is away.
    x.discord.closeGateway(4000, { replayFrom: seqOf(first.id) - 1 });
    x.discord.message({ channel: 'reading', author: 'bob', content: 'Sent while you were away.' });
    await resumed(1);
    await x.minimax.waitFor(() => x.minimax.texts.length >= 2);

    // Again, with discord.js's message cache emptied (as after 50 newer messages): only the bot's own memory is left.
    const reading = x.bot.client.channels.cache.get(x.discord.guild().channel('reading').id);
    if (!reading?.isTextBased()) throw new Error('reading channel not cached');
    reading.messages.cache.clear();
    x.discord.closeGateway(4000, { replayFrom: seqOf(first.id) - 1 });
    await resumed(2);
    x.discord.message({ channel: 'reading', author: 'alice', content: 'After the second resume.' });
    await x.minimax.waitFor(() => x.minimax.texts.length >= 3);
    const heard = await x.discord.audio.waitForSilence({ quietMs: 500, timeoutMs: 10_000 });

    const texts = ['First message.', 'Sent while you were away.', 'After the second resume.'];
    expect(x.minimax.texts).toEqual(texts);
    // The harness's fake makes 20 ms of audio per character.
    expect(Math.abs(heard.voiceMs - texts.join('').length * 20)).toBeLessThan(150);
    // The replays did happen: the bot received the first message twice more.
    expect(received.filter((id) => id === first.id)).toHaveLength(3);
    expect(gateway.resumes).toBe(2);
    expect(x.discord.botMessages).toEqual([]);
  });
});
