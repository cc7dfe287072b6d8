import { afterEach, describe, expect, it } from 'vitest';
import { opt } from '../fakes/discord/index.js';
import { startHarness, type Harness } from './harness.js';

/** Each text MiniMax received, with the voice_id and language_boost of the task_start it was sent on. */
function spoken(h: Harness): { text: unknown; voice: unknown; boost: unknown }[] {
  const out: { text: unknown; voice: unknown; boost: unknown }[] = [];
  for (const connection of h.minimax.connections) {
    let start: Record<string, unknown> | undefined;
    for (const e of connection.received) {
      if (e.event === 'task_start') start = e.body;
      if (e.event === 'task_continue') {
        const voice = (start?.['voice_setting'] as Record<string, unknown> | undefined)?.['voice_id'];
        out.push({ text: e.body?.['text'], voice, boost: start?.['language_boost'] });
      }
    }
  }
  return out;
}

async function speak(h: Harness, user: string, text: string): Promise<void> {
  const count = h.minimax.texts.length;
  const reply = await h.run({ command: 'speak', user, options: { text } });
  expect(reply.content).toMatch(/Reading it now|Queued/);
  await h.minimax.waitFor(() => h.minimax.texts.length === count + 1, 8_000, `MiniMax received "${text}"`);
}

const spokenAs = (h: Harness, text: string) => spoken(h).find((s) => s.text === text);

describe('the right language for each message, end to end', () => {
  let h: Harness | undefined;
  const start = async (): Promise<Harness> => (h = await startHarness());
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('reads a Japanese message of a member with no voice with the Japanese default voice and language_boost Japanese', async () => {
    const h = await start();
    await speak(h, 'alice', 'The weather is nice today, is it not?');
    await speak(h, 'alice', '今日はいい天気ですね。');
    expect(spokenAs(h, 'The weather is nice today, is it not?')).toMatchObject({ voice: 'English_expressive_narrator', boost: 'English' });
    expect(spokenAs(h, '今日はいい天気ですね。')).toMatchObject({ voice: 'Japanese_KindLady', boost: 'Japanese' });
  });

  it('auto-read detects the language of the words, not of "alice said", and keeps it for a short "lol"', async () => {
    const h = await start();
    await h.run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    expect((await h.run({ command: 'join' })).content).toContain('Joined');
    h.discord.message({ channel: 'reading', author: 'bob', content: 'ありがとう' });
    await h.minimax.waitFor(() => h.minimax.texts.length === 1, 8_000, 'the first message');
    h.discord.message({ channel: 'reading', author: 'bob', content: 'lol' });
    await h.minimax.waitFor(() => h.minimax.texts.length === 2, 8_000, 'the second message');
    const [first, second] = spoken(h);
    expect(first).toMatchObject({ voice: 'Japanese_KindLady', boost: 'Japanese' });
    expect(String(first?.text)).toContain('bob said');
    expect(second).toMatchObject({ text: 'lol', voice: 'Japanese_KindLady', boost: 'Japanese' });
  });

  it("keeps a member's own voice, with the message's language_boost; a mixed message gets the usual voice and no boost", async () => {
    const h = await start();
    await h.run({ command: 'myvoice', subcommand: 'set', user: 'bob', options: { voice: 'English_radiant_girl' } });
    await speak(h, 'bob', 'Доброе утро, как дела?');
    const mixed = 'See you all tomorrow at the station 내일 역에서 만나요 다들';
    await speak(h, 'alice', mixed);
    expect(spokenAs(h, 'Доброе утро, как дела?')).toMatchObject({ voice: 'English_radiant_girl', boost: 'Russian' });
    expect(spokenAs(h, mixed)).toMatchObject({ voice: 'English_expressive_narrator', boost: undefined });
  });

  it('/voice language set and reset choose the voice of a language; detect off reads everything with the usual voice', async () => {
    const h = await start();
    const set = await h.run({ command: 'voice', group: 'language', subcommand: 'set', options: { language: 'japanese', voice: 'Japanese_LoyalKnight' } });
    expect(set).toMatchObject({ ephemeral: true });
    expect(set.content).toContain('Japanese_LoyalKnight');
    await speak(h, 'alice', 'おはようございます');
    expect(spokenAs(h, 'おはようございます')).toMatchObject({ voice: 'Japanese_LoyalKnight', boost: 'Japanese' });
    const show = await h.run({ command: 'voice', group: 'language', subcommand: 'show' });
    expect(show.content).toContain('Japanese: `Japanese_LoyalKnight` (server)');
    expect(show.content).toContain('Korean: `Korean_CalmLady` (built-in)');
    await h.run({ command: 'voice', group: 'language', subcommand: 'reset', options: { language: 'Japanese' } });
    await speak(h, 'alice', 'こんばんは、みなさん');
    expect(spokenAs(h, 'こんばんは、みなさん')).toMatchObject({ voice: 'Japanese_KindLady' });
    const off = await h.run({ command: 'voice', group: 'language', subcommand: 'detect', options: { enabled: false } });
    expect(off.content).toContain('Language detection is off');
    await speak(h, 'alice', 'おやすみなさい');
    expect(spokenAs(h, 'おやすみなさい')).toMatchObject({ voice: 'English_expressive_narrator', boost: undefined });
  });

  it('refuses a language MiniMax does not know, an unknown voice, and members without Manage Server, changing nothing', async () => {
    const h = await start();
    const klingon = await h.run({ command: 'voice', group: 'language', subcommand: 'set', options: { language: 'Klingon', voice: 'Japanese_KindLady' } });
    expect(klingon.content).toContain("language must be one of MiniMax's languages");
    const nobody = await h.run({ command: 'voice', group: 'language', subcommand: 'set', options: { language: 'Japanese', voice: 'Nobody_Voice' } });
    expect(nobody.content).toContain("I don't know the voice");
    const bob = await h.run({ command: 'voice', subcommand: 'pool', user: 'bob', options: { enabled: true } });
    expect(bob.content).toContain('Manage Server');
    for (const reply of [klingon, nobody, bob]) expect(reply.ephemeral).toBe(true);
    expect(h.bot.store.getGuildSettings(h.discord.guild().id).voicing).toEqual({ detectLanguage: true, languageVoices: {}, pool: false, expressive: false });
  });
});

describe('a distinct voice per member, end to end', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('gives two members two different pool voices, the same ones after a restart; off gives back the server voice', async () => {
    h = await startHarness();
    const on = await h.run({ command: 'voice', subcommand: 'pool', options: { enabled: true } });
    expect(on.content).toContain('The voice pool is on');
    await speak(h, 'alice', 'Hello from Alice, first day.');
    await speak(h, 'bob', 'Hello from Bob, first day.');
    const alice = spokenAs(h, 'Hello from Alice, first day.')?.voice;
    const bob = spokenAs(h, 'Hello from Bob, first day.')?.voice;
    expect(alice).toMatch(/^English_/);
    expect(bob).toMatch(/^English_/);
    expect(alice).not.toBe(bob);

    await h.restart();
    await speak(h, 'bob', 'Hello again from Bob, after the restart.');
    await speak(h, 'alice', 'Hello again from Alice, after the restart.');
    expect(spokenAs(h, 'Hello again from Bob, after the restart.')?.voice).toBe(bob);
    expect(spokenAs(h, 'Hello again from Alice, after the restart.')?.voice).toBe(alice);

    await h.run({ command: 'voice', subcommand: 'pool', options: { enabled: false } });
    await speak(h, 'bob', 'Back to the server voice for Bob.');
    expect(spokenAs(h, 'Back to the server voice for Bob.')?.voice).toBe('English_expressive_narrator');
  });
});

describe('expressive reading, end to end', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** Each text MiniMax received, with the emotion of the task_start it was sent on. */
  const emotions = (x: Harness): { text: unknown; emotion: unknown }[] =>
    x.minimax.connections.flatMap((c) => {
      let emotion: unknown;
      return c.received.flatMap((e) => {
        if (e.event === 'task_start') emotion = (e.body?.['voice_setting'] as Record<string, unknown> | undefined)?.['emotion'];
        return e.event === 'task_continue' ? [{ text: e.body?.['text'], emotion }] : [];
      });
    });

  it('off by default; on, emoji set the emotion and, with markup allowed on speech-2.8, "lol" laughs', async () => {
    h = await startHarness();
    await speak(h, 'alice', 'We won the final 🎉');
    const on = await h.run({ command: 'voice', subcommand: 'expressive', options: { enabled: true } });
    expect(on.content).toContain('Expressive reading is on');
    await speak(h, 'alice', 'We won the cup 🎉');
    await speak(h, 'alice', 'lol that was close');
    h.bot.store.updateGuildSettings(h.discord.guild().id, { allowSpecialMarkup: true });
    await speak(h, 'alice', 'lol that was closer');
    // Texts on one connection are in order, not across connections: compare as a set.
    expect(emotions(h).map((e) => [e.text, e.emotion])).toEqual(
      expect.arrayContaining([
        ['We won the final party popper', undefined],
        ['We won the cup party popper', 'happy'],
        ['lol that was close', undefined],
        ['(laughs) that was closer', undefined],
      ]),
    );
    expect(h.minimax.texts).toHaveLength(4);
  });
});
