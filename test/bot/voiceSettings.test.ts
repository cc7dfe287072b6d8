import { afterEach, describe, expect, it } from 'vitest';
import { opt } from '../fakes/discord/index.js';
import { startHarness, type Harness } from './harness.js';

describe('/voice and /myvoice end to end', () => {
  let h: Harness | undefined;
  const start = async (): Promise<Harness> => (h = await startHarness());
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const guildId = (x: Harness): string => x.discord.guild().id;
  const userId = (x: Harness, name: string): string => x.discord.guild().member(name).user.id;

  it('/voice set changes what MiniMax is asked for from the next /speak', async () => {
    const h = await start();
    const set = await h.run({
      command: 'voice',
      subcommand: 'set',
      options: { voice: 'English_Graceful_Lady', model: 'speech-2.6-hd', speed: 1.5, volume: opt.number(2), pitch: opt.integer(-3), emotion: 'whisper', language: 'english' },
    });
    expect(set.ephemeral).toBe(true);
    expect(set.content).toContain('Server voice saved');
    await h.run({ command: 'speak', options: { text: 'Testing the server voice.' } });
    await h.minimax.waitFor(() => h.minimax.taskStarts.length === 1);
    expect(h.minimax.taskStarts[0]).toMatchObject({
      model: 'speech-2.6-hd',
      voice_setting: { voice_id: 'English_Graceful_Lady', speed: 1.5, vol: 2, pitch: -3, emotion: 'whisper' },
      language_boost: 'English',
    });
    const show = await h.run({ command: 'voice', subcommand: 'show' });
    expect(show.content).toContain('voice: `English_Graceful_Lady` (server)');
    expect(show.content).toContain('speed: 1.5 (server)');
  });

  it("/myvoice overrides the server voice for the member's own texts only", async () => {
    const h = await start();
    await h.run({ command: 'voice', subcommand: 'set', options: { voice: 'English_Graceful_Lady', speed: 1.2 } });
    const mine = await h.run({ command: 'myvoice', subcommand: 'set', user: 'bob', options: { voice: 'English_radiant_girl' } });
    expect(mine.content).toContain('Your voice is saved');
    await h.run({ command: 'speak', user: 'bob', options: { text: 'Bob speaks.' } });
    await h.run({ command: 'speak', user: 'alice', options: { text: 'Alice speaks.' } });
    await h.minimax.waitFor(() => h.minimax.texts.length === 2);
    const starts = h.minimax.events('task_start').map((e) => e.body?.['voice_setting']);
    expect(starts).toEqual([
      expect.objectContaining({ voice_id: 'English_radiant_girl', speed: 1.2 }),
      expect.objectContaining({ voice_id: 'English_Graceful_Lady', speed: 1.2 }),
    ]);
    const reset = await h.run({ command: 'myvoice', subcommand: 'reset', user: 'bob' });
    expect(reset.content).toContain('server voice again');
    expect(h.bot.store.getMemberVoice(guildId(h), userId(h, 'bob'))).toEqual({});
  });

  it.each([
    [{ speed: opt.number(3) }, 'speed must be between 0.5 and 2'],
    [{ speed: 0.2 }, 'speed must be between 0.5 and 2'],
    [{ volume: opt.number(0) }, 'volume must be greater than 0 and at most 10'],
    [{ volume: opt.number(11) }, 'volume must be greater than 0 and at most 10'],
    [{ pitch: opt.integer(13) }, 'pitch must be an integer between -12 and 12'],
    [{ emotion: 'whisper' }, 'emotion whisper is only available on speech-2.6 models'],
    [{ emotion: 'shouty' }, 'emotion must be one of'],
    [{ model: 'speech-9' }, 'model must be one of'],
    [{ language: 'Klingon' }, 'language must be one of'],
    [{ voice: 'Nobody_Voice' }, "I don't know the voice"],
  ])('refuses %o privately, naming the field and range, and stores nothing', async (options, message) => {
    const h = await start();
    for (const command of ['voice', 'myvoice']) {
      const reply = await h.run({ command, subcommand: 'set', options });
      expect(reply.ephemeral).toBe(true);
      expect(reply.content).toContain(message);
      expect(reply.content).toContain('Nothing was changed.');
    }
    expect(h.bot.store.getGuildSettings(guildId(h)).voice).toEqual({});
    expect(h.bot.store.getMemberVoice(guildId(h), userId(h, 'alice'))).toEqual({});
  });

  it('refuses server-voice changes to members without Manage Server, even if Discord let the command through', async () => {
    const h = await start();
    for (const subcommand of ['set', 'reset']) {
      const reply = await h.run({ command: 'voice', subcommand, user: 'bob', options: subcommand === 'set' ? { speed: 1.1 } : {} });
      expect(reply).toMatchObject({ ephemeral: true });
      expect(reply.content).toContain('Manage Server');
    }
    expect(h.bot.store.getGuildSettings(guildId(h)).voice).toEqual({});
    const show = await h.run({ command: 'voice', subcommand: 'show', user: 'bob' });
    expect(show.content).toContain('voice: `English_expressive_narrator` (inherited)');
  });

  it('/voice reset, /voice list and /voice preview', async () => {
    const h = await start();
    await h.run({ command: 'voice', subcommand: 'set', options: { voice: 'English_Graceful_Lady' } });
    await h.run({ command: 'myvoice', subcommand: 'set', options: { voice: 'English_radiant_girl' } });
    const preview = await h.run({ command: 'voice', subcommand: 'preview' });
    expect(preview.ephemeral).toBe(true);
    await h.minimax.waitFor(() => h.minimax.taskStarts.length === 1);
    // The server voice, not the caller's own.
    expect(h.minimax.taskStarts[0]).toMatchObject({ voice_setting: { voice_id: 'English_Graceful_Lady' } });
    await h.run({ command: 'voice', subcommand: 'reset' });
    expect(h.bot.store.getGuildSettings(guildId(h)).voice).toEqual({});
    const list = await h.run({ command: 'voice', subcommand: 'list', options: { filter: 'graceful' } });
    expect(list.content).toContain('`English_Graceful_Lady`');
    const none = await h.run({ command: 'voice', subcommand: 'list', options: { filter: 'zzzzqqq' } });
    expect(none.content).toContain('No voice matches');
  });

  it('autocompletes voices and languages', async () => {
    const h = await start();
    const voices = await h.discord.autocomplete({ command: 'voice', subcommand: 'set', focused: 'voice', options: { voice: 'gracef' } }).choices();
    expect(voices.map((c) => c.value)).toContain('English_Graceful_Lady');
    expect(voices.length).toBeLessThanOrEqual(25);
    const langs = await h.discord.autocomplete({ command: 'myvoice', subcommand: 'set', focused: 'language', options: { language: 'jap' } }).choices();
    expect(langs).toEqual([{ name: 'Japanese', value: 'Japanese' }]);
    const speakVoices = await h.discord.autocomplete({ command: 'speak', focused: 'voice', options: { text: 'x', voice: '' } }).choices();
    expect(speakVoices).toHaveLength(25);
  });
});
