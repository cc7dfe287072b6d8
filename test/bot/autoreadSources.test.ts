import { afterEach, describe, expect, it } from 'vitest';
import { opt } from '../fakes/discord/index.js';
import { startHarness, type Harness } from './harness.js';

describe('auto-read sources beyond the read channel', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function readingAndJoined(): Promise<Harness> {
    h = await startHarness();
    await h.run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    await h.run({ command: 'autoread', subcommand: 'options', options: { xsaid: false } });
    expect((await h.run({ command: 'join' })).content).toContain('Joined');
    return h;
  }

  it('reads webhook messages only when read_bots is on', async () => {
    const x = await readingAndJoined();
    x.discord.message({ channel: 'reading', webhook: 'GitHub', content: 'build failed' });
    x.discord.message({ channel: 'reading', author: 'alice', content: 'first marker' });
    await x.minimax.waitFor(() => x.minimax.texts.includes('first marker'), 5_000, 'the first marker');
    expect(x.minimax.texts).not.toContain('build failed');

    await x.run({ command: 'autoread', subcommand: 'options', options: { read_bots: true } });
    x.discord.message({ channel: 'reading', webhook: 'GitHub', content: 'build fixed' });
    await x.minimax.waitFor(() => x.minimax.texts.includes('build fixed'), 5_000, 'the webhook message');
  });

  it("reads the text chat of the bot's own voice channel while text_in_voice is on (default), not after it is off", async () => {
    const x = await readingAndJoined();
    x.discord.message({ channel: 'Voice', author: 'alice', content: 'typed in the voice chat' });
    await x.minimax.waitFor(() => x.minimax.texts.includes('typed in the voice chat'), 5_000, 'the voice chat message');

    await x.run({ command: 'autoread', subcommand: 'options', options: { text_in_voice: false } });
    x.discord.message({ channel: 'Voice', author: 'alice', content: 'not read any more' });
    x.discord.message({ channel: 'reading', author: 'alice', content: 'marker' });
    await x.minimax.waitFor(() => x.minimax.texts.includes('marker'), 5_000, 'the marker');
    expect(x.minimax.texts).not.toContain('not read any more');
  });
});
