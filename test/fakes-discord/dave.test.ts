/**
 * DAVE (Discord's end-to-end encryption) between the unmodified @discordjs/voice and the fake: the fake is the MLS
 * external sender, the users in the channel are davey participants that decrypt what the bot sends.
 */
import type { AudioPlayer } from '@discordjs/voice';
import { GatewayIntentBits, type Client } from 'discord.js';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { FakeDiscord, type DaveMember, type FakeDiscordOptions, type FakeVoiceConnection, type GuildSpec } from '../fakes/discord/index.js';
import { makeMp3, mp3DurationMs } from '../fakes/mp3.js';
import { closeMiniBot, joinVoice, loginBot, mp3ToOpus, playOpus } from './miniBot.js';

const GUILD: GuildSpec = {
  channels: [{ name: 'general' }, { name: 'Voice', type: 'voice' }, { name: 'Lounge', type: 'voice' }],
  members: [{ username: 'alice' }, { username: 'bob' }, { username: 'carol' }],
  voiceStates: [{ user: 'alice', channel: 'Voice' }],
};

let mp3: Buffer;
let packets: Buffer[];
beforeAll(async () => {
  mp3 = await makeMp3({ seconds: 2 });
  packets = await mp3ToOpus(mp3);
});

let fake: FakeDiscord | undefined;
let client: Client | undefined;
let player: AudioPlayer | undefined;
afterEach(async () => {
  await closeMiniBot({ fake, client, player });
  player = undefined;
  client = undefined;
  fake = undefined;
});

async function setUp(options: FakeDiscordOptions = {}): Promise<{ fake: FakeDiscord; client: Client }> {
  fake = await FakeDiscord.start({ guilds: [GUILD], ...options });
  client = await loginBot(fake, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates]);
  return { fake, client };
}

/** The bot joins the channel and plays once the DAVE group holds every member (as Parrot does; see VoiceLink). */
async function speakInGroup(fake: FakeDiscord, client: Client, channel = 'Voice'): Promise<FakeVoiceConnection> {
  const g = fake.guild();
  const connection = await joinVoice(client, g.id, g.voiceChannel(channel).id);
  await fake.voice.waitForDaveTransition();
  player = await playOpus(connection, packets);
  return fake.voice.connections[0]!;
}

function members(conn: FakeVoiceConnection): Map<string, DaveMember> {
  return new Map(conn.dave!.allMembers().map((m) => [m.userId, m]));
}

/** Frames a member heard (or not) while the bot's audio arrived, with the ones that were lost. */
function lost(member: DaveMember): number {
  return member.counts().refused + member.counts().undecryptable;
}

test('members decrypt every frame: the audio heard is what they decrypted, end to end, whole', async () => {
  const { fake, client } = await setUp();
  const conn = await speakInGroup(fake, client);
  const report = await fake.audio.waitForSilence({ quietMs: 300, timeoutMs: 8000 });
  const alice = members(conn).get(fake.guild().member('alice').user.id)!;
  expect(conn.daveProtocolVersion).toBe(1);
  expect(conn.daveErrors).toEqual([]);
  expect(conn.dave?.transitions).toMatchObject([{ kind: 'commit', added: [alice.userId], removed: [], epoch: 1n }]);
  expect(Math.abs(report.voiceMs - mp3DurationMs(mp3))).toBeLessThanOrEqual(60);
  expect(report.gaps.filter((gap) => gap.lostPackets > 0 || gap.silenceFrames > 0)).toEqual([]);
  expect(report.decodeErrors).toBe(0);
  expect(fake.audio.frames.filter((f) => !f.silence).every((f) => f.e2ee)).toBe(true);
  expect(alice.counts()).toMatchObject({ e2ee: report.voiceFrames, passthrough: 0, refused: 0, undecryptable: 0 });
});

test('transport-only stays available: dave false declines DAVE (protocol 0) and nothing is end-to-end encrypted', async () => {
  const { fake, client } = await setUp({ dave: false, requireDave: false });
  const g = fake.guild();
  player = await playOpus(await joinVoice(client, g.id, g.voiceChannel('Voice').id), packets);
  const report = await fake.audio.waitForSilence({ quietMs: 300, timeoutMs: 8000 });
  expect(fake.voice.connections[0]).toMatchObject({ daveProtocolVersion: 0, dave: undefined });
  expect(report.voiceMs).toBeGreaterThan(1500);
  expect(fake.audio.frames.some((f) => f.e2ee)).toBe(false);
});

test('a member joins mid-utterance: they hear the rest end to end, the member already there loses nothing', async () => {
  const { fake, client } = await setUp();
  const conn = await speakInGroup(fake, client);
  await fake.audio.waitForAudio({ minMs: 600, timeoutMs: 5000 });
  fake.voiceState({ user: 'bob', channel: 'Voice' });
  const bobId = fake.guild().member('bob').user.id;
  await fake.voice.waitForDaveTransition((t) => t.added.includes(bobId));
  await fake.audio.waitForSilence({ quietMs: 300, timeoutMs: 8000 });
  const all = members(conn);
  const alice = all.get(fake.guild().member('alice').user.id)!;
  const bob = all.get(bobId)!;
  const bobHeard = bob.frames.filter((f) => f.kind === 'e2ee');
  console.info(`member joins mid-utterance: alice lost ${lost(alice)} frames; bob lost ${lost(bob)} before his first `
    + `decrypted frame, then heard ${bobHeard.length} (${JSON.stringify(bob.counts())})`);
  expect(lost(alice)).toBe(0);
  expect(alice.counts().passthrough).toBe(0);
  expect(bobHeard.length).toBeGreaterThan(20);
  const firstHeard = bob.frames.findIndex((f) => f.kind === 'e2ee');
  // Nothing unencrypted reaches him, and once he can decrypt he loses nothing.
  expect(bob.counts().passthrough).toBe(0);
  expect(bob.frames.slice(firstHeard).filter((f) => f.kind !== 'e2ee' && f.kind !== 'silence')).toEqual([]);
});

test('a member leaves mid-utterance: the others lose nothing, and the one who left is out of the group', async () => {
  const guild: GuildSpec = { ...GUILD, voiceStates: [{ user: 'alice', channel: 'Voice' }, { user: 'bob', channel: 'Voice' }] };
  const { fake, client } = await setUp({ guilds: [guild] });
  const conn = await speakInGroup(fake, client);
  await fake.audio.waitForAudio({ minMs: 600, timeoutMs: 5000 });
  const aliceId = fake.guild().member('alice').user.id;
  fake.voiceState({ user: 'alice', channel: null });
  const removal = await fake.voice.waitForDaveTransition((t) => t.removed.includes(aliceId));
  const report = await fake.audio.waitForSilence({ quietMs: 300, timeoutMs: 8000 });
  const bob = members(conn).get(fake.guild().member('bob').user.id)!;
  expect(removal.epoch).toBe(2n);
  expect(lost(bob)).toBe(0);
  expect(bob.counts().e2ee).toBe(report.voiceFrames);
  expect(conn.dave?.members.has(aliceId)).toBe(false);
  expect(Math.abs(report.voiceMs - mp3DurationMs(mp3))).toBeLessThanOrEqual(60);
});

test('the bot alone, then a member arrives: the first frames the member can hear are end-to-end encrypted', async () => {
  const guild: GuildSpec = { ...GUILD, voiceStates: [] };
  const { fake, client } = await setUp({ guilds: [guild] });
  const g = fake.guild();
  player = await playOpus(await joinVoice(client, g.id, g.voiceChannel('Voice').id), packets);
  await fake.audio.waitForAudio({ minMs: 400, timeoutMs: 5000 });
  const conn = fake.voice.connections[0]!;
  expect(fake.audio.frames.some((f) => f.e2ee)).toBe(false); // alone: the group is pending, the bot sends in the clear
  fake.voiceState({ user: 'alice', channel: 'Voice' });
  await fake.voice.waitForDaveTransition();
  await fake.audio.waitForSilence({ quietMs: 300, timeoutMs: 8000 });
  const alice = members(conn).get(g.member('alice').user.id)!;
  console.info(`member arrives while the bot speaks alone: ${JSON.stringify(alice.counts())}`);
  const heard = alice.frames.filter((f) => f.kind !== 'refused' && f.kind !== 'undecryptable' && f.kind !== 'silence');
  expect(heard.length).toBeGreaterThan(20);
  expect(heard.every((f) => f.kind === 'e2ee')).toBe(true);
});

test('downgrade to protocol 0 and back: passthrough while downgraded, end to end again after a new group', async () => {
  const long = await mp3ToOpus(await makeMp3({ seconds: 4 }));
  const { fake, client } = await setUp();
  const g = fake.guild();
  const connection = await joinVoice(client, g.id, g.voiceChannel('Voice').id);
  await fake.voice.waitForDaveTransition();
  player = await playOpus(connection, long);
  await fake.audio.waitForAudio({ minMs: 500, timeoutMs: 5000 });
  const conn = fake.voice.connections[0]!;
  const down = conn.dave!.downgrade();
  await fake.voice.waitForDaveTransition((t) => t.id === down.id);
  await fake.audio.waitForAudio({ from: fake.now(), minMs: 300, timeoutMs: 5000 });
  const upFrom = fake.now();
  conn.dave!.upgrade();
  await fake.voice.waitForDaveTransition((t) => t.announcedAt > upFrom);
  await fake.audio.waitForSilence({ quietMs: 300, timeoutMs: 8000 });
  const alice = members(conn).get(g.member('alice').user.id)!;
  const kinds = alice.frames.filter((f) => f.kind !== 'silence').map((f) => f.kind);
  expect(conn.dave?.transitions.map((t) => [t.kind, t.epoch])).toEqual([['commit', 1n], ['downgrade', 1n], ['commit', 1n]]);
  expect(kinds.at(0)).toBe('e2ee');
  expect(kinds).toContain('passthrough');
  expect(kinds.at(-1)).toBe('e2ee');
  expect(kinds.lastIndexOf('passthrough')).toBeLessThan(kinds.lastIndexOf('e2ee'));
  expect(lost(alice)).toBe(0);
});

test('a 4015 resume keeps the group: audio stays end to end encrypted', async () => {
  const { fake, client } = await setUp();
  const conn = await speakInGroup(fake, client);
  await fake.audio.waitForAudio({ minMs: 300, timeoutMs: 5000 });
  fake.closeVoice(4015);
  const report = await fake.audio.waitForSilence({ quietMs: 300, timeoutMs: 8000 });
  const alice = members(conn).get(fake.guild().member('alice').user.id)!;
  expect(conn.resumes).toBe(1);
  expect(conn.dave?.transitions).toHaveLength(1);
  expect(lost(alice)).toBe(0);
  expect(alice.counts().e2ee).toBe(report.voiceFrames);
});

test('a 4006 rejoin: a member commits the old connection out, then the new one in; the bot joins by welcome (op 30)', async () => {
  const { fake, client } = await setUp();
  const first = await speakInGroup(fake, client);
  await fake.audio.waitForAudio({ minMs: 300, timeoutMs: 5000 });
  fake.closeVoice(4006);
  const second = await fake.waitForVoiceReady((c) => c.id === 2);
  const welcomed = await fake.voice.waitForDaveTransition((_t, c) => c.id === second.id);
  await fake.audio.waitForSilence({ quietMs: 300, timeoutMs: 8000 });
  const aliceId = fake.guild().member('alice').user.id;
  const alice = members(second).get(aliceId)!;
  console.info(`4006 rejoin (fake's own bot): alice on the new connection ${JSON.stringify(alice.counts({ connectionId: second.id }))}`);
  expect(second.dave).toBe(first.dave); // the call, its group and its members outlive the connection
  // The old connection's leaf is committed out when it leaves (the bot away), then a member adds the new one.
  expect(first.dave?.transitions.map((t) => ({ by: t.committer, added: t.added, removed: t.removed, epoch: t.epoch }))).toEqual([
    { by: 'bot', added: [aliceId], removed: [], epoch: 1n },
    { by: aliceId, added: [], removed: ['bot'], epoch: 2n },
    { by: aliceId, added: ['bot'], removed: [], epoch: 3n },
  ]);
  expect(welcomed.connectionId).toBe(second.id);
  expect(second.daveErrors).toEqual([]);
  expect(alice.counts({ connectionId: second.id }).e2ee).toBeGreaterThan(10);
  expect(fake.audio.frames.filter((f) => f.connectionId === second.id && !f.silence).every((f) => f.e2ee)).toBe(true);
});

