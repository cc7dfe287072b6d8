import { afterEach, describe, expect, it } from 'vitest';
import type { InteractionReply } from '../fakes/discord/index.js';
import { GUILD, buttonsOf, startHarness, type Harness, type HarnessOptions } from './harness.js';

const DAY = 24 * 3600_000;
const DESIGN_ON = { VOICE_DESIGN: 'on', VOICE_DESIGNS_PER_GUILD_MONTHLY: '2' };
/** The default guild with its voice channel at 32 kbps. */
const LOW_BITRATE = { ...GUILD, channels: [{ name: 'general' }, { name: 'Voice', type: 'voice', bitrate: 32_000 }] } as const;

describe('designed voices end to end', () => {
  let h: Harness | undefined;
  const start = async (options: HarnessOptions = {}): Promise<Harness> => (h = await startHarness(options));
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** Runs a design and waits for its final answer (the one with buttons or the refusal). */
  async function design(
    x: Harness, command: 'voice' | 'myvoice', user: string, description: string, preview = 'Ahoy there, this is a test.',
  ): Promise<InteractionReply & { id: string; token: string }> {
    const interaction = x.discord.interaction({ command, subcommand: 'design', user, options: { description, preview_text: preview } });
    const reply = await interaction.reply({ timeoutMs: 10_000, match: (r) => r.content !== '' });
    return { ...reply, id: interaction.id, token: interaction.token };
  }

  async function press(x: Harness, user: string, customId: string): Promise<InteractionReply> {
    return x.discord.button({ customId, user, message: { id: x.discord.ids.next(), content: 'Keep it?', flags: 64 } }).reply({ timeoutMs: 8_000 });
  }

  it('is refused while the owner has not turned it on, and MiniMax is never asked', async () => {
    const h = await start();
    const reply = await design(h, 'myvoice', 'bob', 'a calm old sailor');
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain('VOICE_DESIGN=on');
    expect(h.minimax.studio.requests).toEqual([]);
  });

  it('/voice design needs Manage Server', async () => {
    const h = await start({ env: DESIGN_ON });
    const reply = await design(h, 'voice', 'bob', 'a calm old sailor');
    expect(reply.content).toContain('Manage Server');
    expect(h.minimax.studio.requests).toEqual([]);
  });

  it('without the bot in voice: the preview MP3 is attached; "use it for my messages" makes it the member\'s voice', async () => {
    const h = await start({ env: DESIGN_ON });
    const reply = await design(h, 'myvoice', 'bob', 'a calm old sailor');
    const designed = [...h.minimax.studio.voices.values()][0];
    expect(designed?.description).toBe('a calm old sailor');
    expect(reply.content).toContain(designed?.voiceId);
    expect(reply.content).toContain('preview is attached');
    const upload = h.discord.rest.calls.find((c) => c.path.includes(reply.token) && c.files.length > 0);
    expect(upload?.files).toEqual([expect.objectContaining({ filename: 'voice-preview.mp3' })]);
    expect(upload?.files[0]?.size).toBeGreaterThan(1000);
    const buttons = buttonsOf(reply);
    expect(buttons.map((b) => b.label)).toEqual(['Use it for my messages', "Make it the server's voice"]);
    const kept = await press(h, 'bob', buttons[0]!.custom_id);
    expect(kept.ephemeral).toBe(true);
    expect(kept.content).toContain('Your messages now use');
    await h.run({ command: 'speak', user: 'bob', options: { text: 'Bob in his new voice.' } });
    await h.minimax.waitFor(() => h.minimax.texts.includes('Bob in his new voice.'));
    expect(h.minimax.taskStarts.at(-1)).toMatchObject({ voice_setting: { voice_id: designed?.voiceId } });
  });

  it.each([['voice', 'alice'], ['myvoice', 'bob']] as const)(
    "with the bot in voice, /%s design plays MiniMax's preview there at the channel's bitrate, and asks MiniMax for no speech",
    async (command, user) => {
      const h = await start({ env: DESIGN_ON, guilds: [LOW_BITRATE] });
      await h.run({ command: 'join' });
      await h.discord.waitForVoiceReady();
      const from = performance.now();
      const reply = await design(h, command, user, 'a bright robot');
      expect(reply.content).toContain('Its preview plays in the voice channel (now)');
      await h.discord.audio.waitForAudio({ from, minMs: 300, timeoutMs: 10_000 });
      const heard = await h.discord.audio.waitForSilence({ from, quietMs: 400, timeoutMs: 10_000 });
      // What the fake's design endpoint sent as trial_audio (real MP3 of the preview text), heard whole.
      const trial = h.minimax.spoken.find((s) => s.text === 'Ahoy there, this is a test.');
      expect(trial?.durationMs).toBeGreaterThan(400);
      expect(Math.abs(heard.voiceMs - trial!.durationMs)).toBeLessThan(100);
      expect(heard.decodeErrors).toBe(0);
      // Coded for the 32 kbps channel like any item.
      const voice = h.discord.audio.select({ from }).filter((f) => !f.silence && f.samples > 0);
      const meanBytes = voice.reduce((sum, f) => sum + f.opus.length, 0) / voice.length;
      expect(meanBytes).toBeLessThan(((32_000 * 0.02) / 8) * 1.4);
      // No T2A for the preview: no task, no text, no characters counted; nothing attached.
      expect(h.minimax.taskStarts).toEqual([]);
      expect(h.minimax.texts).toEqual([]);
      expect((await h.run({ command: 'usage' })).content).toMatch(/Today: 0\b/);
      expect(h.discord.rest.calls.some((c) => c.path.includes(reply.token) && c.files.length > 0)).toBe(false);
    },
  );

  it('the preview waits its turn behind what is being read, and /skip skips it', async () => {
    const h = await start({ env: DESIGN_ON, minimax: { realtimeFactor: 1 } });
    await h.run({ command: 'join' });
    await h.discord.waitForVoiceReady();
    const long = 'A message long enough to still be playing when the design comes back, even on a busy machine: it lasts about four seconds at the pace of the fake.';
    const preview = 'A preview long enough to be skipped while it plays, even when the skip command is slow to arrive.';
    await h.run({ command: 'speak', user: 'alice', options: { text: long } });
    const reply = await design(h, 'myvoice', 'bob', 'a bright robot', preview);
    expect(reply.content).toContain('position 2 in the queue');
    await h.discord.audio.waitForAudio({ minMs: 300, timeoutMs: 10_000 });
    expect((await h.run({ command: 'skip' })).content).not.toContain('Nothing');
    const from = performance.now();
    await h.discord.audio.waitForAudio({ from, minMs: 300, timeoutMs: 10_000 });
    expect((await h.run({ command: 'skip' })).content).not.toContain('Nothing');
    const heard = await h.discord.audio.waitForSilence({ from, quietMs: 400, timeoutMs: 10_000 });
    const trial = h.minimax.spoken.find((s) => s.text === preview)!;
    expect(heard.voiceMs).toBeLessThan(trial.durationMs);
    expect(h.minimax.texts).toEqual([long]);
  });

  it('with the bot in voice: only Manage Server may make the designed voice the server voice', async () => {
    const h = await start({ env: DESIGN_ON });
    await h.run({ command: 'join' });
    await h.discord.waitForVoiceReady();
    const reply = await design(h, 'voice', 'alice', 'a bright robot');
    const voiceId = [...h.minimax.studio.voices.keys()][0]!;
    const serverButton = buttonsOf(reply).find((b) => b.label === "Make it the server's voice")!;
    expect((await press(h, 'bob', serverButton.custom_id)).content).toContain('Manage Server');
    expect((await press(h, 'alice', serverButton.custom_id)).content).toContain("The server's voice is now");
    expect((await h.run({ command: 'voice', subcommand: 'show' })).content).toContain(voiceId);
  });

  it('the monthly limit per server refuses more designs, and /usage shows the count', async () => {
    const h = await start({ env: { VOICE_DESIGN: 'on', VOICE_DESIGNS_PER_GUILD_MONTHLY: '1' } });
    await design(h, 'myvoice', 'bob', 'first');
    const second = await design(h, 'myvoice', 'carol', 'second');
    expect(second.content).toContain('used its 1 voice design for this month');
    expect(h.minimax.studio.requests.filter((r) => r.path === '/v1/voice_design')).toHaveLength(1);
    expect((await h.run({ command: 'usage' })).content).toContain('Voice designs this month: 1 of 1');
  });

  it('a MiniMax refusal is reported and not counted', async () => {
    const h = await start({ env: DESIGN_ON });
    h.minimax.studio.options.faults.design = { code: 1026, times: 1 };
    const reply = await design(h, 'myvoice', 'bob', 'something flagged');
    expect(reply.content).toContain('MiniMax could not design that voice');
    expect((await h.run({ command: 'usage' })).content).toContain('Voice designs this month: 0 of 2');
  });

  it('a designed voice that expired at MiniMax falls back to the server voice with one notice', async () => {
    const h = await start({ env: DESIGN_ON });
    let now = Date.now();
    h.minimax.studio.options.now = () => now;
    const reply = await design(h, 'myvoice', 'bob', 'a calm old sailor');
    const voiceId = [...h.minimax.studio.voices.keys()][0]!;
    await press(h, 'bob', buttonsOf(reply)[0]!.custom_id);
    now += 8 * DAY;
    await h.run({ command: 'speak', user: 'bob', options: { text: 'First after expiry.' } });
    await h.minimax.waitFor(() => h.minimax.texts.includes('First after expiry.'), 10_000);
    await h.run({ command: 'speak', user: 'bob', options: { text: 'Second after expiry.' } });
    await h.minimax.waitFor(() => h.minimax.texts.includes('Second after expiry.'), 10_000);
    const voices = h.minimax.taskStarts.map((t) => (t['voice_setting'] as { voice_id: string }).voice_id);
    expect(voices[0]).toBe(voiceId);
    expect(voices.slice(1).every((v) => v === 'English_expressive_narrator')).toBe(true);
    const notices = h.discord.botMessages.filter((m) => m.content.includes('no longer exists at MiniMax'));
    expect(notices).toHaveLength(1);
    expect((await h.run({ command: 'myvoice', subcommand: 'show', user: 'bob' })).content).not.toContain(voiceId);
  });
});
