/**
 * Consent around a member's cloned voice, end to end through the fake Discord and the fake MiniMax: the offer to
 * delete it under /myvoice reset and in a direct message when the member leaves (only the owner's press deletes,
 * closed DMs keep it), a consent that survives a restart, and one that expired.
 */
import { describe, expect, it } from 'vitest';
import { opt, type InteractionReply } from '../fakes/discord/index.js';
import { makeWav } from '../t2a/wav.js';
import { harnessWithCdn, type FakeCdn } from './cdn.js';
import { buttonsOf, startHarness, type Harness, type HarnessOptions } from './harness.js';

const CLONING_ON = { VOICE_CLONING: 'on' };
const GUILD_MEMBERS = 1 << 1;

describe('consent around cloned voices, end to end', () => {
  const startWithCdn = harnessWithCdn();
  const start = async (options: HarnessOptions = {}): Promise<{ h: Harness; cdn: FakeCdn }> => {
    const started = await startWithCdn({ ...options, env: { ...CLONING_ON, ...options.env } });
    expect((await started.h.run({ command: 'voice', subcommand: 'cloning', options: { setting: 'allow' } })).content).toContain('may now clone');
    return started;
  };

  const ask = (x: Harness, c: FakeCdn, user = 'bob'): Promise<InteractionReply> =>
    x.discord.interaction({ command: 'myvoice', subcommand: 'clone', user, options: { sample: opt.attachment(c.attach('me.wav', makeWav(12), 'audio/wav')) } })
      .reply({ timeoutMs: 10_000, match: (r) => r.content !== '' });

  const press = (x: Harness, user: string, customId: string): Promise<InteractionReply> =>
    x.discord.button({ customId, user, message: { id: x.discord.ids.next(), content: 'offer', flags: 64 } })
      .reply({ timeoutMs: 10_000, match: (r) => r.content !== '' });

  const pressInDm = (x: Harness, user: string, customId: string): Promise<InteractionReply> =>
    x.discord.dmButton({ customId, user, message: { id: x.discord.ids.next(), content: 'offer' } })
      .reply({ timeoutMs: 10_000, match: (r) => r.content !== '' });

  /** bob clones his voice; returns its id at MiniMax. */
  async function cloneBob(x: Harness, c: FakeCdn): Promise<string> {
    const question = await ask(x, c);
    expect((await press(x, 'bob', buttonsOf(question)[0]!.custom_id)).content).toContain('Your own voice is ready');
    return [...x.minimax.studio.voices.keys()][0]!;
  }

  const deletes = (x: Harness): unknown[] => x.minimax.studio.requests.filter((r) => r.path === '/v1/delete_voice').map((r) => r.body);

  it('/myvoice reset offers to delete the clone; only its owner may press; delete removes it at MiniMax and here, keep keeps it', async () => {
    const { h, cdn } = await start();
    const cloneId = await cloneBob(h, cdn);
    const reset = await h.run({ command: 'myvoice', subcommand: 'reset', user: 'bob' });
    expect(reset.ephemeral).toBe(true);
    expect(reset.content).toMatch(/still exists at MiniMax; MiniMax deletes it if unused for 7 days \(on .* GMT\)/);
    const [drop, keep] = buttonsOf(reset);
    expect([drop?.label, keep?.label]).toEqual(['Also delete my cloned voice at MiniMax', 'Keep it']);
    expect((await press(h, 'bob', keep!.custom_id)).content).toContain('Kept: your cloned voice stays');
    const stranger = await press(h, 'alice', drop!.custom_id);
    expect(stranger.ephemeral).toBe(true);
    expect(stranger.content).toContain('Only the member whose voice this is');
    expect(deletes(h)).toEqual([]);
    expect(h.minimax.studio.voices.has(cloneId)).toBe(true);
    const done = await press(h, 'bob', drop!.custom_id);
    expect(done.content).toContain('deleted at MiniMax');
    expect(deletes(h)).toEqual([{ voice_type: 'voice_cloning', voice_id: cloneId }]);
    expect(h.minimax.studio.voices.has(cloneId)).toBe(false);
    // Gone in Parrot too: no offer under the next reset, and the button has nothing left to do.
    const again = await h.run({ command: 'myvoice', subcommand: 'reset', user: 'bob' });
    expect(buttonsOf(again)).toEqual([]);
    expect((await press(h, 'bob', drop!.custom_id)).content).toContain('already deleted');
    expect(deletes(h)).toHaveLength(1);
  });

  it('a member who leaves gets a DM with the offer; a press in the DM deletes the clone, nobody else can press it', async () => {
    const { h, cdn } = await start();
    expect(h.discord.gateway.sessions[0]!.intents & GUILD_MEMBERS).toBe(GUILD_MEMBERS);
    const cloneId = await cloneBob(h, cdn);
    const bobId = h.discord.guild().member('bob').user.id;
    h.discord.memberLeave('carol'); // no clone: no message
    h.discord.memberLeave('bob');
    await h.discord.rest.waitForCall((c) => c.method === 'POST' && /^\/channels\/\d+\/messages$/.test(c.path) && c.status === 200, 8_000);
    expect(h.discord.dms.sent).toHaveLength(1);
    const dm = h.discord.dms.sent[0]!;
    expect(dm.userId).toBe(bobId);
    expect(dm.content).toContain('You left **Test Guild**');
    expect(dm.content).toContain('Nothing is deleted unless you press');
    expect(dm.content).toMatch(/MiniMax deletes it if unused for 7 days \(on .* GMT\)/);
    expect(dm.buttons.map((b) => b.label)).toEqual(['Also delete my cloned voice at MiniMax', 'Keep it']);
    expect(deletes(h)).toEqual([]); // nothing deleted before the press
    const stranger = await pressInDm(h, 'alice', dm.buttons[0]!.customId);
    expect(stranger.content).toContain('Only the member whose voice this is');
    expect(h.minimax.studio.voices.has(cloneId)).toBe(true);
    const done = await pressInDm(h, 'bob', dm.buttons[0]!.customId);
    expect(done.content).toBe('Your cloned voice is deleted at MiniMax and forgotten here.');
    expect(deletes(h)).toEqual([{ voice_type: 'voice_cloning', voice_id: cloneId }]);
    expect(h.minimax.studio.voices.has(cloneId)).toBe(false);
    expect((await pressInDm(h, 'bob', dm.buttons[0]!.customId)).content).toContain('already deleted');
    expect(h.logs.some((l) => l.includes('offered a member who left to delete their cloned voice'))).toBe(true);
  });

  it('a member who left with closed DMs keeps the clone (MiniMax drops it after 7 unused days); the refusal is logged', async () => {
    const { h, cdn } = await start();
    const cloneId = await cloneBob(h, cdn);
    h.discord.closeDms('bob');
    h.discord.memberLeave('bob');
    const refused = await h.discord.rest.waitForCall((c) => c.method === 'POST' && /^\/channels\/\d+\/messages$/.test(c.path), 8_000);
    expect(refused.status).toBe(403);
    await expect.poll(() => h.logs.find((l) => l.includes('cannot be sent a direct message')), { timeout: 5_000 }).toBeDefined();
    expect(h.logs.find((l) => l.includes('cannot be sent a direct message'))).toContain('50007');
    expect(h.discord.dms.sent).toEqual([]);
    expect(deletes(h)).toEqual([]);
    expect(h.minimax.studio.voices.has(cloneId)).toBe(true);
    expect(h.bot.store.getOwnedVoice(cloneId)?.kind).toBe('cloned'); // kept in Parrot too
  });

  it('a consent survives a restart between the question and the press: the press clones from the sample fetched again', async () => {
    const { h, cdn } = await start();
    const question = await ask(h, cdn);
    expect(cdn.requests).toHaveLength(1);
    await h.restart();
    const done = await press(h, 'bob', buttonsOf(question)[0]!.custom_id);
    expect(done.content).toContain('Your own voice is ready');
    expect(cdn.requests).toHaveLength(2); // the sample was downloaded again: no audio was kept
    expect(h.minimax.studio.requests.map((r) => r.path)).toEqual(['/v1/files/upload', '/v1/voice_clone']);
    const cloneId = [...h.minimax.studio.voices.keys()][0]!;
    expect((await h.run({ command: 'myvoice', subcommand: 'show', user: 'bob' })).content).toContain(cloneId);
    // Pressed once, the consent is used up.
    expect((await press(h, 'bob', buttonsOf(question)[0]!.custom_id)).content).toContain('Run /myvoice clone again');
  });

  it('an expired or unknown consent says privately to run /myvoice clone again; nothing is uploaded', async () => {
    let now = Date.now();
    const { h, cdn } = await start({ now: () => now });
    const question = await ask(h, cdn);
    now += 10 * 60_000 + 1;
    const late = await press(h, 'bob', buttonsOf(question)[0]!.custom_id);
    expect(late.ephemeral).toBe(true);
    expect(late.content).toContain('expired');
    expect(late.content).toContain('Run /myvoice clone again');
    const unknown = await press(h, 'bob', 'vs:clone:yes:no-such-token');
    expect(unknown.content).toContain('Run /myvoice clone again');
    expect(h.minimax.studio.requests).toEqual([]);
  });

  it('/myvoice show tells when MiniMax will delete the clone, counted from its last use', async () => {
    let now = Date.UTC(2026, 0, 10, 12);
    const { h, cdn } = await start({ now: () => now });
    await cloneBob(h, cdn);
    const shown = (await h.run({ command: 'myvoice', subcommand: 'show', user: 'bob' })).content;
    expect(shown).toContain(`on ${new Date(Date.UTC(2026, 0, 17, 12)).toUTCString()} unless you speak with it before`);
    now = Date.UTC(2026, 0, 12, 12);
    await h.run({ command: 'speak', user: 'bob', options: { text: 'Two days later.' } });
    await h.minimax.waitFor(() => h.minimax.texts.includes('Two days later.'), 10_000);
    await expect.poll(async () => (await h.run({ command: 'myvoice', subcommand: 'show', user: 'bob' })).content, { timeout: 8_000 })
      .toContain(`on ${new Date(Date.UTC(2026, 0, 19, 12)).toUTCString()} unless you speak with it before`);
  });
});

describe('the Server Members intent', () => {
  it('is not asked for while cloning is off', async () => {
    const h = await startHarness();
    try {
      expect(h.discord.gateway.sessions[0]!.intents & GUILD_MEMBERS).toBe(0);
    } finally {
      await h.close();
    }
  });
});
