import { afterEach, describe, expect, it } from 'vitest';
import { opt } from '../fakes/discord/index.js';
import { GUILD, startHarness, type Harness, type HarnessOptions } from './harness.js';

describe('auto-read end to end', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** A bot reading #reading, joined to Voice (unless told not to join). */
  async function reading(options: HarnessOptions & { join?: boolean; set?: Record<string, boolean | number | string> } = {}): Promise<Harness> {
    h = await startHarness(options);
    const set = await h.run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    expect(set.content).toContain('read new messages in <#');
    if (options.set) await h.run({ command: 'autoread', subcommand: 'options', options: options.set });
    if (options.join !== false) expect((await h.run({ command: 'join' })).content).toContain('Joined');
    return h;
  }
  /** Sends messages, then a marker from alice, and returns the texts MiniMax got up to the marker. */
  async function readOut(x: Harness, messages: { content: string; author?: string; channel?: string }[]): Promise<string[]> {
    for (const m of messages) x.discord.message({ channel: 'reading', ...m });
    x.discord.message({ channel: 'reading', author: 'alice', content: 'marker' });
    await x.minimax.waitFor(() => x.minimax.texts.some((t) => t.endsWith('marker')), 5_000, 'the marker');
    return x.minimax.texts.slice(0, -1);
  }

  it('reads the configured channel only, with "<name> said" once while the same person keeps talking', async () => {
    let t = Date.now();
    const x = await reading({ now: () => t });
    x.discord.message({ channel: 'general', author: 'alice', content: 'not in the read channel' });
    x.discord.message({ channel: 'reading', author: 'alice', content: 'Hello everyone' });
    x.discord.message({ channel: 'reading', author: 'alice', content: 'Still me' });
    x.discord.message({ channel: 'reading', author: 'bob', content: 'Hi alice' });
    await x.minimax.waitFor(() => x.minimax.texts.length === 3);
    t += 61_000;
    x.discord.message({ channel: 'reading', author: 'bob', content: 'A minute later' });
    await x.minimax.waitFor(() => x.minimax.texts.length === 4);
    expect(x.minimax.texts).toEqual(['alice said, Hello everyone', 'Still me', 'bob said, Hi alice', 'bob said, A minute later']);
  });

  it('require_voice (default on) skips authors outside the bot voice channel; off reads them', async () => {
    const x = await reading();
    expect(await readOut(x, [{ author: 'carol', content: 'I am not in voice' }])).toEqual([]);
    await x.run({ command: 'autoread', subcommand: 'options', options: { require_voice: false, xsaid: false } });
    const before = x.minimax.texts.length;
    x.discord.message({ channel: 'reading', author: 'carol', content: 'Now I am read' });
    await x.minimax.waitFor(() => x.minimax.texts.length === before + 1);
    expect(x.minimax.texts.at(-1)).toBe('Now I am read');
  });

  it('read_bots (default off) decides whether bots are read', async () => {
    const x = await reading({ set: { xsaid: false } });
    expect(await readOut(x, [{ author: 'robot', content: 'beep boop' }])).toEqual([]);
    await x.run({ command: 'autoread', subcommand: 'options', options: { read_bots: true } });
    const before = x.minimax.texts.length;
    x.discord.message({ channel: 'reading', author: 'robot', content: 'beep again' });
    await x.minimax.waitFor(() => x.minimax.texts.length === before + 1);
    expect(x.minimax.texts.at(-1)).toBe('beep again');
  });

  it('autojoin brings the bot to the author when someone writes in the read channel', async () => {
    const x = await reading({ join: false });
    x.discord.message({ channel: 'reading', author: 'bob', content: 'Nobody is listening yet' });
    // Gateway events are handled in order: once /status is answered, the message before it was handled.
    expect((await x.run({ command: 'status' })).content).toContain('not in a voice channel');
    expect(x.discord.voiceRequests).toHaveLength(0);
    expect(x.minimax.texts).toEqual([]);
    await x.run({ command: 'autoread', subcommand: 'options', options: { autojoin: true, xsaid: false } });
    x.discord.message({ channel: 'reading', author: 'bob', content: 'Come here please' });
    await x.minimax.waitFor(() => x.minimax.texts.includes('Come here please'));
    expect(x.discord.botVoiceChannel()).toBe(x.discord.guild().voiceChannel('Voice').id);
  });

  it('max_length cuts long messages and skip_emoji drops emoji; punctuation-only messages are dropped silently', async () => {
    const x = await reading({ set: { xsaid: false, max_length: 20, skip_emoji: true } });
    const texts = await readOut(x, [
      { content: 'This message is much longer than twenty characters' },
      { content: 'nice 😀' },
      { content: '!!! ???' },
    ]);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/, and more$/);
    expect(texts[1]).toBe('nice');
    expect(x.discord.rest.calls.filter((c) => c.path.includes('/reactions/'))).toHaveLength(0);
  });

  it('ignore_prefix leaves out messages that start with it (after spaces), and "none" reads them all again', async () => {
    const x = await reading({ set: { xsaid: false, ignore_prefix: ' ; ' } });
    const saved = await x.run({ command: 'autoread', subcommand: 'options' });
    expect(saved.content).toContain('ignore_prefix: ;');
    const texts = await readOut(x, [
      { content: '; brb, making tea' },
      { content: '   ;side talk' },
      { content: 'Read this; not the next' },
      { content: ';' },
    ]);
    expect(texts).toEqual(['Read this; not the next']);

    const cleared = await x.run({ command: 'autoread', subcommand: 'options', options: { ignore_prefix: 'None' } });
    expect(cleared.content).toContain('ignore_prefix: none');
    x.discord.message({ channel: 'reading', author: 'alice', content: '; now this is read' });
    await x.minimax.waitFor(() => x.minimax.texts.some((t) => t.endsWith('now this is read')), 5_000, 'the message once read');

    const blank = await x.run({ command: 'autoread', subcommand: 'options', options: { ignore_prefix: '   ' } });
    expect(blank).toMatchObject({ ephemeral: true });
    expect(blank.content).toBe('ignore_prefix must be 1 to 10 characters other than spaces, or "none". Nothing was changed.');
  });

  it('/autoread off stops reading; options without values show them; members without Manage Server are refused', async () => {
    const x = await reading({ set: { xsaid: false } });
    const shown = await x.run({ command: 'autoread', subcommand: 'options' });
    expect(shown.content).toContain('require_voice: on');
    expect(shown.content).toContain('max_length: 300');
    expect(shown.content).toContain('ignore_prefix: none');
    const refused = await x.run({ command: 'autoread', subcommand: 'off', user: 'bob' });
    expect(refused).toMatchObject({ ephemeral: true });
    expect(refused.content).toContain('Manage Server');
    const badLength = await x.run({ command: 'autoread', subcommand: 'options', options: { max_length: 5 } });
    expect(badLength.content).toBe('max_length must be a whole number from 10 to 2000. Nothing was changed.');
    await x.run({ command: 'autoread', subcommand: 'off' });
    x.discord.message({ channel: 'reading', author: 'alice', content: 'nobody reads this' });
    await x.run({ command: 'speak', options: { text: 'marker' } });
    await x.minimax.waitFor(() => x.minimax.texts.includes('marker'));
    expect(x.minimax.texts).toEqual(['marker']);
  });

  it('a flood of 500 messages leaves the queue bounded, refusals flagged once per author, and /skip and /clear answered', async () => {
    const x = await reading({ set: { xsaid: false } });
    for (let i = 0; i < 500; i += 1) x.discord.message({ channel: 'reading', author: i % 2 === 0 ? 'alice' : 'bob', content: `message number ${i}` });
    const skip = await x.run({ command: 'skip' });
    expect(skip.content).toContain('skipped');
    const state = x.bot.sessions.get(x.discord.guild().id)?.status();
    expect(state?.queued).toBeLessThanOrEqual(x.config.queue.maxPerGuild);
    const clear = await x.run({ command: 'clear' });
    expect(clear.ephemeral).toBe(false);
    // 20 a minute per member by default: what got past the limits is bounded whatever the flood.
    expect(x.minimax.texts.length).toBeLessThanOrEqual(2 * x.config.rateLimit.perUserPerMinute);
    await x.discord.rest.waitForCall((c) => c.method === 'PUT' && c.path.includes('/reactions/'));
    const reactions = x.discord.rest.calls.filter((c) => c.path.includes('/reactions/'));
    expect(reactions.length).toBeGreaterThanOrEqual(1);
    expect(reactions.length).toBeLessThanOrEqual(2);
  });

  it('/autoread set refuses a channel the bot cannot see, naming the permission', async () => {
    const channels = [{ name: 'general' }, { name: 'secret', overwrites: [{ target: 'bot', deny: ['ViewChannel' as const] }] }, { name: 'Voice', type: 'voice' as const }];
    const x = (h = await startHarness({ guilds: [{ ...GUILD, channels, voiceStates: [{ user: 'alice', channel: 'Voice' }] }] }));
    const reply = await x.run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('secret') } });
    expect(reply).toMatchObject({ ephemeral: true });
    expect(reply.content).toContain('View Channel');
    expect(x.bot.store.getGuildSettings(x.discord.guild().id).autoread.channelId).toBeNull();
  });
});
