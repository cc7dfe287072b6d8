/**
 * Parrot under DAVE, end to end: the real bot (discord.js, @discordjs/voice, unmodified) against the fake Discord,
 * whose members are davey participants of the call's MLS group. What a member could not decrypt, it did not hear.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../bot/harness.js';
import { opt, type DaveMember, type FakeVoiceConnection } from '../fakes/discord/index.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const LONG = 'This is a long text, read out loud while people come and go, so that the call changes under the voice. '
  + 'It goes on for a while longer, sentence after sentence, until every change of the group has happened.';

/** Frames a member received but could not play (refused in the clear, or encrypted without the key). */
function lost(member: DaveMember, connectionId?: number): number {
  const c = member.counts(connectionId === undefined ? {} : { connectionId });
  return c.refused + c.undecryptable;
}

function memberOf(conn: FakeVoiceConnection, userId: string): DaveMember {
  const member = conn.dave?.allMembers().find((m) => m.userId === userId);
  if (!member) throw new Error(`no DAVE member ${userId} on connection ${conn.id}`);
  return member;
}

/** Every member of `conn` heard every voice frame end to end, none in the clear, none lost. */
function expectAllDecrypted(x: Harness, conn: FakeVoiceConnection): void {
  const voiceFrames = x.discord.audio.report({ connectionId: conn.id }).voiceFrames;
  expect(voiceFrames).toBeGreaterThan(0);
  for (const member of conn.dave?.members.values() ?? []) {
    expect({ user: member.userId, ...member.counts({ connectionId: conn.id }) }).toMatchObject({ user: member.userId, e2ee: voiceFrames, passthrough: 0, refused: 0, undecryptable: 0 });
  }
}

async function speakAndListen(x: Harness, text: string): Promise<void> {
  await x.run({ command: 'speak', options: { text } });
  await x.discord.audio.waitForAudio({ minMs: 300 });
  await x.discord.audio.waitForSilence({ quietMs: 400 });
}

describe('Parrot under DAVE (end-to-end encryption, as Discord requires)', () => {
  it('/speak is heard whole and decrypted by every member; no frame goes out in the clear, the first included', async () => {
    const x = (h = await startHarness());
    const text = 'Hello there, this is a test of the bot.';
    await speakAndListen(x, text);
    const conn = x.discord.voice.connections[0]!;
    const report = x.discord.audio.report();
    expect(conn.daveProtocolVersion).toBe(1);
    expect([...conn.dave!.members.keys()].sort()).toEqual([x.discord.guild().member('alice').user.id, x.discord.guild().member('bob').user.id].sort());
    expect(Math.abs(report.voiceMs - text.length * 20)).toBeLessThanOrEqual(100);
    expect(x.discord.audio.frames[0]?.e2ee).toBe(true);
    expectAllDecrypted(x, conn);
  });

  it('when the group forms late, the first words wait for it: nothing is sent in the clear, nothing is lost', async () => {
    const x = (h = await startHarness());
    x.discord.voice.dave.proposalDelayMs = 700; // MiniMax's first audio comes well before the bot has the group's keys
    const text = 'Hello there, this waits for the keys.';
    await speakAndListen(x, text);
    const conn = x.discord.voice.connections[0]!;
    expect(x.discord.audio.frames[0]?.e2ee).toBe(true);
    expect(Math.abs(x.discord.audio.report().voiceMs - text.length * 20)).toBeLessThanOrEqual(100);
    expectAllDecrypted(x, conn);
  });

  it('auto-read is heard whole and decrypted by every member', async () => {
    const x = (h = await startHarness());
    await x.run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    await x.run({ command: 'autoread', subcommand: 'options', options: { xsaid: false } });
    await x.run({ command: 'join' });
    x.discord.message({ channel: 'reading', author: 'bob', content: 'Reading this out loud for everyone here' });
    await x.discord.audio.waitForAudio({ minMs: 300, timeoutMs: 10_000 });
    const report = await x.discord.audio.waitForSilence({ quietMs: 400 });
    expect(x.minimax.texts).toEqual(['Reading this out loud for everyone here']);
    expect(Math.abs(report.voiceMs - 'Reading this out loud for everyone here'.length * 20)).toBeLessThanOrEqual(100);
    expectAllDecrypted(x, x.discord.voice.connections[0]!);
  });

  it('a member joins while the bot reads a long text: they hear the rest; the others lose nothing', async () => {
    const x = (h = await startHarness());
    await x.run({ command: 'speak', options: { text: LONG } });
    await x.discord.audio.waitForAudio({ minMs: 800 });
    const carolId = x.discord.guild().member('carol').user.id;
    x.discord.voiceState({ user: 'carol', channel: 'Voice' });
    const transition = await x.discord.voice.waitForDaveTransition((t) => t.added.includes(carolId));
    await x.discord.audio.waitForSilence({ quietMs: 400, timeoutMs: 15_000 });
    const conn = x.discord.voice.connections[0]!;
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((u) => memberOf(conn, x.discord.guild().member(u).user.id)) as [DaveMember, DaveMember, DaveMember];
    const firstHeard = carol.frames.findIndex((f) => f.kind === 'e2ee');
    console.info(`Parrot, a member joins mid-text: alice lost ${lost(alice)}, bob lost ${lost(bob)}; carol lost ${lost(carol)} `
      + `before her first decrypted frame (transition executed ${Math.round(transition.executedAt! - transition.announcedAt)} ms after the commit), `
      + `then heard ${carol.counts().e2ee} frames`);
    expect(lost(alice)).toBe(0);
    expect(lost(bob)).toBe(0);
    expect(carol.counts().passthrough).toBe(0);
    expect(carol.counts().e2ee).toBeGreaterThan(50);
    expect(carol.frames.slice(firstHeard).filter((f) => f.kind === 'refused' || f.kind === 'undecryptable')).toEqual([]);
  });

  it('a member leaves mid-utterance: the one who stays loses nothing', async () => {
    const x = (h = await startHarness());
    await x.run({ command: 'speak', options: { text: LONG } });
    await x.discord.audio.waitForAudio({ minMs: 800 });
    const bobId = x.discord.guild().member('bob').user.id;
    x.discord.voiceState({ user: 'bob', channel: null });
    await x.discord.voice.waitForDaveTransition((t) => t.removed.includes(bobId));
    const report = await x.discord.audio.waitForSilence({ quietMs: 400, timeoutMs: 15_000 });
    const alice = memberOf(x.discord.voice.connections[0]!, x.discord.guild().member('alice').user.id);
    expect(lost(alice)).toBe(0);
    expect(alice.counts().e2ee).toBe(report.voiceFrames);
    expect(Math.abs(report.voiceMs - LONG.length * 20)).toBeLessThanOrEqual(150);
  });
});

describe('Parrot under DAVE: voice faults come back with DAVE and audio', () => {
  /** Speaks, applies the fault once audio flows, and returns the report of the connection the bot ends on. */
  async function throughFault(fault: (x: Harness) => void | Promise<void>, lastId: number): Promise<{ x: Harness; last: FakeVoiceConnection }> {
    const x = (h = await startHarness());
    await x.run({ command: 'speak', options: { text: LONG } });
    await x.discord.audio.waitForAudio({ minMs: 600 });
    await fault(x);
    const last = await x.discord.waitForVoiceReady((c) => c.id === lastId);
    await x.discord.voice.waitForDaveTransition((_t, c) => c.id === lastId);
    await x.run({ command: 'speak', options: { text: 'And this comes after the fault.' } });
    await x.discord.audio.waitForAudio({ connectionId: last.id, minMs: 300, timeoutMs: 15_000 });
    await x.discord.audio.waitForSilence({ quietMs: 400, timeoutMs: 15_000 });
    return { x, last };
  }

  function lossReport(x: Harness, what: string): void {
    const parts = x.discord.voice.connections.map((c) => `conn ${c.id}: ${[...(c.dave?.allMembers() ?? [])].map((m) => `${x.discord.guild().members.get(m.userId)?.user.username ?? m.userId} ${JSON.stringify(m.counts({ connectionId: c.id }))}`).join(', ')}`);
    console.info(`Parrot, ${what}: ${parts.join('; ')}`);
  }

  it('4015: the connection resumes in the same group; everything after is decrypted by every member', async () => {
    const { x, last } = await throughFault((x) => void x.discord.closeVoice(4015), 1);
    lossReport(x, '4015 resume');
    expect(x.discord.voice.connections).toHaveLength(1);
    expect(last.resumes).toBe(1);
    expect(last.dave?.transitions).toHaveLength(1);
    for (const m of last.dave!.members.values()) expect(lost(m)).toBe(0);
  });

  it('4006: the new voice session is welcomed into the call\'s group by a member, and what follows is decrypted by every member', async () => {
    const { x, last } = await throughFault((x) => void x.discord.closeVoice(4006), 2);
    lossReport(x, '4006 rejoin');
    expect(last.id).toBe(2);
    expect(last.daveProtocolVersion).toBe(1);
    expect(last.dave?.transitions.filter((t) => t.connectionId === last.id)).toMatchObject([{ added: ['bot'], committer: x.discord.guild().member('alice').user.id }]);
    for (const m of last.dave!.members.values()) expect(lost(m, last.id)).toBe(0);
    const after = x.discord.audio.frames.filter((f) => f.connectionId === last.id && !f.silence);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((f) => f.e2ee)).toBe(true);
  });

  it('4006 while the call is slow to take the bot back: the player waits for the group, nothing goes out in the clear', async () => {
    // The rejoined connection is Ready well before the group's keys arrive; @discordjs/voice would resume the
    // player at Ready and send in the clear what the members refuse (VoiceLink holds it until the keys are there).
    const { x, last } = await throughFault((x) => {
      x.discord.voice.dave.proposalDelayMs = 500;
      x.discord.closeVoice(4006);
    }, 2);
    lossReport(x, '4006 rejoin, group 500 ms late');
    expect(last.id).toBe(2);
    for (const m of last.dave!.members.values()) expect(lost(m, last.id)).toBe(0);
    const after = x.discord.audio.frames.filter((f) => f.connectionId === last.id && !f.silence);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((f) => f.e2ee)).toBe(true);
  });

  it('a move to another channel: a group there, with the members of that channel', async () => {
    const { x, last } = await throughFault((x) => {
      x.discord.voiceState({ user: 'carol', channel: 'Other' });
      x.discord.moveBot('Other', { closeOldWith: 4014 });
    }, 2);
    lossReport(x, 'move');
    const carolId = x.discord.guild().member('carol').user.id;
    expect(last.channelId).toBe(x.discord.guild().voiceChannel('Other').id);
    expect([...last.dave!.members.keys()]).toEqual([carolId]);
    const after = x.discord.audio.frames.filter((f) => f.connectionId === last.id && !f.silence);
    expect(after.every((f) => f.e2ee)).toBe(true);
    expect(memberOf(last, carolId).counts().e2ee).toBe(after.length);
  });

  it('a restart: the bot rejoins, is welcomed back into the group, and what it reads is decrypted by every member', async () => {
    const x = (h = await startHarness());
    await x.run({ command: 'join' });
    await x.discord.voice.waitForDaveTransition();
    await x.restart();
    await x.bot.restored;
    const last = x.discord.voice.connections.at(-1)!;
    await x.discord.voice.waitForDaveTransition((_t, c) => c.id === last.id);
    await speakAndListen(x, 'Back after a restart, still end to end encrypted.');
    expect(last.id).toBeGreaterThan(1);
    expect(last.dave?.transitions.filter((t) => t.connectionId === last.id)).toMatchObject([{ added: ['bot'] }]);
    expectAllDecrypted(x, last);
  });
});
