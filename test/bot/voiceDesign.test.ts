import { afterEach, describe, expect, it } from 'vitest';
import type { InteractionReply } from '../fakes/discord/index.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';

const DAY = 24 * 3600_000;
const DESIGN_ON = { VOICE_DESIGN: 'on', VOICE_DESIGNS_PER_GUILD_MONTHLY: '2' };

/** The buttons (custom id, label) under a reply. */
function buttonsOf(reply: InteractionReply): { custom_id: string; label: string }[] {
  const body = reply.body as { data?: { components?: unknown }; components?: unknown };
  const rows = (body.data?.components ?? body.components ?? []) as { components: { custom_id: string; label: string }[] }[];
  return rows.flatMap((r) => r.components);
}

describe('designed voices end to end', () => {
  let h: Harness | undefined;
  const start = async (options: HarnessOptions = {}): Promise<Harness> => (h = await startHarness(options));
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** Runs a design and waits for its final answer (the one with buttons or the refusal). */
  async function design(x: Harness, command: 'voice' | 'myvoice', user: string, description: string): Promise<InteractionReply & { id: string; token: string }> {
    const interaction = x.discord.interaction({ command, subcommand: 'design', user, options: { description, preview_text: 'Ahoy there, this is a test.' } });
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

  it('with the bot in voice: the new voice reads the preview there; only Manage Server may make it the server voice', async () => {
    const h = await start({ env: DESIGN_ON });
    await h.run({ command: 'join' });
    await h.discord.waitForVoiceReady();
    const reply = await design(h, 'voice', 'alice', 'a bright robot');
    const voiceId = [...h.minimax.studio.voices.keys()][0]!;
    await h.minimax.waitFor(() => h.minimax.texts.includes('Ahoy there, this is a test.'));
    expect(h.minimax.taskStarts.at(-1)).toMatchObject({ voice_setting: { voice_id: voiceId } });
    expect(h.discord.rest.calls.some((c) => c.path.includes(reply.token) && c.files.length > 0)).toBe(false);
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
