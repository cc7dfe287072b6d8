import { describe, expect, it } from 'vitest';
import { opt, type InteractionReply } from '../fakes/discord/index.js';
import { makeWav } from '../t2a/wav.js';
import { makeMp3 } from '../fakes/mp3.js';
import { harnessWithCdn, type FakeCdn } from './cdn.js';
import { buttonsOf, type Harness } from './harness.js';

const CLONING_ON = { VOICE_CLONING: 'on' };

describe('cloned voices end to end', () => {
  const start = harnessWithCdn();

  const studioCalls = (x: Harness): string[] => x.minimax.studio.requests.map((r) => r.path);

  async function clone(x: Harness, user: string, sample: ReturnType<FakeCdn['attach']>): Promise<InteractionReply> {
    return x.discord.interaction({ command: 'myvoice', subcommand: 'clone', user, options: { sample: opt.attachment(sample) } })
      .reply({ timeoutMs: 10_000, match: (r) => r.content !== '' });
  }

  async function press(x: Harness, user: string, customId: string): Promise<InteractionReply> {
    return x.discord.button({ customId, user, message: { id: x.discord.ids.next(), content: 'consent', flags: 64 } })
      .reply({ timeoutMs: 10_000, match: (r) => r.content !== '' });
  }

  async function allowCloning(x: Harness): Promise<void> {
    expect((await x.run({ command: 'voice', subcommand: 'cloning', options: { setting: 'allow' } })).content).toContain('may now clone');
  }

  it('is refused while the owner has not turned it on, even where the server allows it', async () => {
    const { h, cdn } = await start();
    await allowCloning(h);
    expect((await clone(h, 'bob', cdn.attach('me.wav', makeWav(12), 'audio/wav'))).content).toContain('VOICE_CLONING=on');
    expect(studioCalls(h)).toEqual([]);
    expect(cdn.requests).toEqual([]);
  });

  it('is refused while the server does not allow it; allowing needs Manage Server', async () => {
    const { h, cdn } = await start({ env: CLONING_ON });
    expect((await clone(h, 'bob', cdn.attach('me.wav', makeWav(12), 'audio/wav'))).content).toContain('/voice cloning allow');
    expect((await h.run({ command: 'voice', subcommand: 'cloning', user: 'bob', options: { setting: 'allow' } })).content).toContain('Manage Server');
    expect((await clone(h, 'bob', cdn.attach('me.wav', makeWav(12), 'audio/wav'))).content).toContain('/voice cloning allow');
    expect(studioCalls(h)).toEqual([]);
    expect(cdn.requests).toEqual([]);
  });

  it('checks the sample before anything else: wrong type, too big, too short, too long, each with what to fix', async () => {
    const { h, cdn } = await start({ env: CLONING_ON });
    await allowCloning(h);
    const wrongType = await clone(h, 'bob', cdn.attach('me.ogg', Buffer.from('OggS'), 'audio/ogg'));
    expect(wrongType.ephemeral).toBe(true);
    expect(wrongType.content).toContain('must be an MP3, M4A or WAV');
    const tooBig = await clone(h, 'bob', cdn.attach('me.wav', makeWav(1), 'audio/wav', 21 * 1024 * 1024));
    expect(tooBig.content).toContain('at most 20 MB');
    expect(cdn.requests).toEqual([]); // refused from the attachment's description, never downloaded
    const short = await clone(h, 'bob', cdn.attach('me.wav', makeWav(4), 'audio/wav'));
    expect(short.content).toContain('4.0 s long; it must be at least 10 seconds');
    const long = await clone(h, 'bob', cdn.attach('me.wav', makeWav(301, 8000), 'audio/wav'));
    expect(long.content).toContain('at most 5 minutes');
    const shortMp3 = await clone(h, 'bob', cdn.attach('me.mp3', await makeMp3({ seconds: 3 }), 'audio/mpeg'));
    expect(shortMp3.content).toContain('at least 10 seconds');
    expect(studioCalls(h)).toEqual([]);
  });

  it('asks consent with the costs; nothing is uploaded before the owner presses; then the clone reads only their messages', async () => {
    const { h, cdn } = await start({ env: CLONING_ON });
    await allowCloning(h);
    const ask = await clone(h, 'bob', cdn.attach('me.wav', makeWav(12), 'audio/wav'));
    expect(ask.content).toContain('your own voice');
    expect(ask.content).toContain('$3');
    expect(studioCalls(h)).toEqual([]);
    const [yes] = buttonsOf(ask);
    expect(yes?.label).toBe('I agree: this is my own voice');
    // Someone else cannot consent for bob.
    expect((await press(h, 'alice', yes!.custom_id)).content).toContain('Only the member who sent the sample');
    expect(studioCalls(h)).toEqual([]);
    const done = await press(h, 'bob', yes!.custom_id);
    expect(done.content).toContain('Your own voice is ready');
    expect(done.content).toMatch(/speak with it before .* GMT/);
    expect(studioCalls(h)).toEqual(['/v1/files/upload', '/v1/voice_clone']);
    const cloneId = [...h.minimax.studio.voices.keys()][0]!;
    expect((await h.run({ command: 'myvoice', subcommand: 'show', user: 'bob' })).content).toContain('MiniMax deletes it if unused for 7 days');
    await h.run({ command: 'speak', user: 'bob', options: { text: 'Bob in his own voice.' } });
    await h.minimax.waitFor(() => h.minimax.texts.includes('Bob in his own voice.'));
    expect(h.minimax.taskStarts.at(-1)).toMatchObject({ voice_setting: { voice_id: cloneId } });
    // Nobody else may use it, not even the server.
    expect((await h.run({ command: 'myvoice', subcommand: 'set', user: 'alice', options: { voice: cloneId } })).content).toContain("someone else's cloned voice");
    expect((await h.run({ command: 'voice', subcommand: 'set', options: { voice: cloneId } })).content).toContain('never be the server');
    expect((await h.run({ command: 'speak', user: 'alice', options: { text: 'Borrowed voice.', voice: cloneId } })).content).toContain("someone else's cloned voice");
    expect(h.minimax.texts).not.toContain('Borrowed voice.');
    expect((await h.run({ command: 'voice', subcommand: 'show' })).content).not.toContain(cloneId);
  });

  it('cancel forgets the sample; /myvoice forget deletes the clone at MiniMax; /myvoice reset offers the same', async () => {
    const { h, cdn } = await start({ env: CLONING_ON });
    await allowCloning(h);
    const first = await clone(h, 'bob', cdn.attach('me.wav', makeWav(12), 'audio/wav'));
    expect((await press(h, 'bob', buttonsOf(first)[1]!.custom_id)).content).toContain('Cancelled');
    expect(studioCalls(h)).toEqual([]);
    const again = await clone(h, 'bob', cdn.attach('me.wav', makeWav(12), 'audio/wav'));
    await press(h, 'bob', buttonsOf(again)[0]!.custom_id);
    const cloneId = [...h.minimax.studio.voices.keys()][0]!;
    const forget = await h.discord.interaction({ command: 'myvoice', subcommand: 'forget', user: 'bob' }).reply({ timeoutMs: 8_000, match: (r) => r.content !== '' });
    expect(forget.content).toContain('deleted at MiniMax');
    expect(h.minimax.studio.voices.has(cloneId)).toBe(false);
    expect(h.minimax.studio.requests.at(-1)?.body).toEqual({ voice_type: 'voice_cloning', voice_id: cloneId });
    // Clone again, then /myvoice reset offers to delete it.
    const third = await clone(h, 'bob', cdn.attach('me.wav', makeWav(12), 'audio/wav'));
    await press(h, 'bob', buttonsOf(third)[0]!.custom_id);
    const secondId = [...h.minimax.studio.voices.keys()][0]!;
    const reset = await h.run({ command: 'myvoice', subcommand: 'reset', user: 'bob' });
    const offer = buttonsOf(reset);
    expect(offer.map((b) => b.label)).toEqual(['Also delete my cloned voice at MiniMax', 'Keep it']);
    expect((await press(h, 'bob', offer[0]!.custom_id)).content).toContain('deleted at MiniMax');
    expect(h.minimax.studio.voices.has(secondId)).toBe(false);
  });

  it('a clone MiniMax deleted after 7 unused days falls back to the server voice with one notice', async () => {
    const { h, cdn } = await start({ env: CLONING_ON });
    let now = Date.now();
    h.minimax.studio.options.now = () => now;
    await allowCloning(h);
    const ask = await clone(h, 'bob', cdn.attach('me.wav', makeWav(12), 'audio/wav'));
    await press(h, 'bob', buttonsOf(ask)[0]!.custom_id);
    const cloneId = [...h.minimax.studio.voices.keys()][0]!;
    now += 7 * 24 * 3600_000;
    await h.run({ command: 'speak', user: 'bob', options: { text: 'After a quiet week.' } });
    await h.minimax.waitFor(() => h.minimax.texts.includes('After a quiet week.'), 10_000);
    await h.run({ command: 'speak', user: 'bob', options: { text: 'And once more.' } });
    await h.minimax.waitFor(() => h.minimax.texts.includes('And once more.'), 10_000);
    const voices = h.minimax.taskStarts.map((t) => (t['voice_setting'] as { voice_id: string }).voice_id);
    expect(voices[0]).toBe(cloneId);
    expect(voices.slice(1).every((v) => v === 'English_expressive_narrator')).toBe(true);
    const notices = h.discord.botMessages.filter((m) => m.content.includes('cloned voice') && m.content.includes('no longer exists'));
    expect(notices).toHaveLength(1);
  });

  it('when MiniMax cannot delete the clone, /myvoice forget says so and keeps it to retry', async () => {
    const { h, cdn } = await start({ env: CLONING_ON });
    await allowCloning(h);
    const ask = await clone(h, 'bob', cdn.attach('me.wav', makeWav(12), 'audio/wav'));
    await press(h, 'bob', buttonsOf(ask)[0]!.custom_id);
    const cloneId = [...h.minimax.studio.voices.keys()][0]!;
    h.minimax.studio.options.faults.delete = { code: 1000, times: 1 };
    const failed = await h.discord.interaction({ command: 'myvoice', subcommand: 'forget', user: 'bob' }).reply({ timeoutMs: 8_000, match: (r) => r.content !== '' });
    expect(failed.content).toContain('could not delete your cloned voice just now');
    expect((await h.run({ command: 'myvoice', subcommand: 'show', user: 'bob' })).content).toContain(cloneId);
    const retried = await h.discord.interaction({ command: 'myvoice', subcommand: 'forget', user: 'bob' }).reply({ timeoutMs: 8_000, match: (r) => r.content !== '' });
    expect(retried.content).toContain('deleted at MiniMax');
    expect(h.minimax.studio.voices.has(cloneId)).toBe(false);
  });
});
