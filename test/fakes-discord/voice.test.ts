/**
 * @discordjs/voice against the fake voice gateway and UDP server: a known MP3 -> Opus (src/audio) -> AudioPlayer
 * -> encrypted RTP -> the fake decrypts, decodes and measures it.
 */
import {
  VoiceConnectionStatus, entersState, joinVoiceChannel, type AudioPlayer, type VoiceConnection,
} from '@discordjs/voice';
import { Events, GatewayIntentBits, type Client } from 'discord.js';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { FakeDiscord, VOICE_MODES, type FakeDiscordOptions, type GuildSpec } from '../fakes/discord/index.js';
import { makeMp3, mp3DurationMs } from '../fakes/mp3.js';
import { closeMiniBot, joinVoice, loginBot, mp3ToOpus, playOpus } from './miniBot.js';

const GUILD: GuildSpec = {
  channels: [
    { name: 'general' },
    { name: 'Voice', type: 'voice' },
    { name: 'Lounge', type: 'voice' },
    { name: 'Locked', type: 'voice', overwrites: [{ target: 'bot', deny: ['Connect'] }] },
  ],
  members: [{ username: 'alice' }],
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

/** The shape of Parrot's /speak: defer, join the caller's channel, play, edit the reply. */
function speakOnCommand(client: Client): void {
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isChatInputCommand() || interaction.commandName !== 'speak' || !interaction.inCachedGuild()) return;
    void (async () => {
      await interaction.deferReply();
      const channelId = interaction.member.voice.channelId;
      if (!channelId) {
        await interaction.editReply('join a voice channel first');
        return;
      }
      player = await playOpus(await joinVoice(client, interaction.guildId, channelId), packets);
      await interaction.editReply('speaking');
    })();
  });
}

describe.each(VOICE_MODES)('playing a known MP3 with %s', (mode) => {
  test('/speak: reply, join, and the fake hears the whole clip (decoded within 60 ms of the MP3, one burst, no gaps)', async () => {
    const { fake, client } = await setUp({ voiceModes: [mode] });
    speakOnCommand(client);
    const g = fake.guild();
    const ix = fake.interaction({ command: 'speak', user: 'alice' });
    expect(await ix.reply()).toMatchObject({ via: 'edit', content: 'speaking' });
    expect(fake.voiceRequests).toMatchObject([{ channelId: g.voiceChannel('Voice').id, outcome: 'joined', selfDeaf: true }]);
    expect(fake.botVoiceChannel()).toBe(g.voiceChannel('Voice').id);

    await fake.audio.waitForAudio({ minMs: 1000, timeoutMs: 5000 });
    const report = await fake.audio.waitForSilence({ quietMs: 300, timeoutMs: 5000 });

    expect(Math.abs(report.voiceMs - mp3DurationMs(mp3))).toBeLessThanOrEqual(60);
    expect(report.bursts).toHaveLength(1);
    expect(report.gaps).toEqual([]);
    expect(report.decodeErrors).toBe(0);
    expect(fake.audio.latencyFrom(ix.dispatchedAt)).toBeGreaterThan(0);
    const conn = fake.voice.connections[0];
    expect(conn?.mode).toBe(mode);
    expect(conn?.speaking.map((s) => s.speaking)).toEqual([1, 0]);
    expect(fake.udp.stats).toMatchObject({ discoveries: 1, decryptFailures: 0, unknownSsrc: 0 });
  });
});

test('a 4006 close mid-utterance: the connection rejoins and audio continues on the new voice session', async () => {
  const { fake, client } = await setUp();
  const g = fake.guild();
  const connection = await joinVoice(client, g.id, g.voiceChannel('Voice').id);
  player = await playOpus(connection, packets);
  await fake.audio.waitForAudio({ minMs: 500, timeoutMs: 5000 });
  const closedAt = fake.now();
  expect(fake.closeVoice(4006)).toHaveLength(1);

  const second = await fake.waitForVoiceReady((c) => c.id === 2, 5000);
  await fake.audio.waitForAudio({ connectionId: second.id, minMs: 200, timeoutMs: 5000 });
  const all = await fake.audio.waitForSilence({ quietMs: 300, timeoutMs: 5000 });
  const before = fake.audio.report({ connectionId: 1 });
  const after = fake.audio.report({ connectionId: second.id });
  // What was heard, for whoever reads the test output: the player pauses while the connection is down.
  console.info(`4006 recovery: ${before.voiceMs} ms before, ${after.voiceMs} ms after on a new ssrc, `
    + `${all.voiceMs}/${mp3DurationMs(mp3)} ms in total, back after ${Math.round((after.firstVoiceAt ?? 0) - closedAt)} ms`);

  expect(fake.voiceRequests.map((r) => r.outcome)).toEqual(['joined', 'joined']);
  expect(second.ssrc).not.toBe(fake.voice.connections[0]?.ssrc);
  expect(before.voiceMs).toBeGreaterThanOrEqual(500);
  expect(after.voiceMs).toBeGreaterThan(0);
  expect(all.voiceMs).toBeLessThanOrEqual(mp3DurationMs(mp3) + 60);
  expect(connection.state.status).toBe(VoiceConnectionStatus.Ready);
});

test('a 4015 close is resumed on the same voice session (op 7 -> op 9); heartbeats are acked', async () => {
  const { fake, client } = await setUp({ voiceHeartbeatMs: 100 });
  const g = fake.guild();
  const connection = await joinVoice(client, g.id, g.voiceChannel('Voice').id);
  player = await playOpus(connection, packets);
  await fake.audio.waitForAudio({ minMs: 300, timeoutMs: 5000 });
  fake.closeVoice(4015);
  const report = await fake.audio.waitForSilence({ quietMs: 300, timeoutMs: 5000 });
  expect(fake.voice.connections).toHaveLength(1);
  expect(fake.voice.connections[0]?.resumes).toBe(1);
  expect(report.connections).toEqual([1]);
  expect(report.voiceMs).toBeGreaterThan(1500);
  const beats = fake.voice.connections[0]?.heartbeats ?? [];
  expect(beats.length).toBeGreaterThan(3);
  expect(beats.at(-1)?.seqAck).toBeGreaterThan(0);
  expect(fake.voice.connections[0]?.closes).toEqual([expect.objectContaining({ code: 4015, by: 'fake' })]);
});

test('dropped UDP shows up as lost packets inside the burst', async () => {
  const { fake, client } = await setUp();
  const g = fake.guild();
  const connection = await joinVoice(client, g.id, g.voiceChannel('Voice').id);
  player = await playOpus(connection, packets);
  await fake.audio.waitForAudio({ minMs: 300, timeoutMs: 5000 });
  fake.dropUdp(200);
  const report = await fake.audio.waitForSilence({ quietMs: 300, timeoutMs: 5000 });
  expect(fake.udp.stats.dropped).toBeGreaterThan(0);
  expect(report.gaps.reduce((n, gap) => n + gap.lostPackets, 0)).toBe(fake.udp.stats.dropped);
});

test('a join the bot may not make (Connect denied) gets no answer, like Discord: the connection stays signalling', async () => {
  const { fake, client } = await setUp();
  const g = fake.guild();
  const connection = joinVoiceChannel({ guildId: g.id, channelId: g.voiceChannel('Locked').id, adapterCreator: client.guilds.cache.get(g.id)!.voiceAdapterCreator });
  const request = await fake.waitForVoiceRequest(() => true);
  expect(request).toMatchObject({ outcome: 'refused', refusedBecause: 'missing Connect' });
  await expect(entersState(connection, VoiceConnectionStatus.Ready, 300)).rejects.toThrow();
  expect(connection.state.status).toBe(VoiceConnectionStatus.Signalling);
  expect(fake.voice.connections).toHaveLength(0);
});

test('a delayed VOICE_SERVER_UPDATE delays the join', async () => {
  const { fake, client } = await setUp();
  const g = fake.guild();
  fake.delayVoiceServer(400);
  const connection = joinVoiceChannel({ guildId: g.id, channelId: g.voiceChannel('Voice').id, adapterCreator: client.guilds.cache.get(g.id)!.voiceAdapterCreator });
  await new Promise((r) => setTimeout(r, 200));
  expect(connection.state.status).toBe(VoiceConnectionStatus.Signalling);
  await entersState(connection, VoiceConnectionStatus.Ready, 3000);
});

test('kick: the bot loses its channel and the voice socket closes 4014 (Disconnected); move: it reconnects in the new channel', async () => {
  const { fake, client } = await setUp();
  const g = fake.guild();
  let connection: VoiceConnection = await joinVoice(client, g.id, g.voiceChannel('Voice').id);
  fake.moveBot('Lounge');
  await fake.waitForVoiceReady((c) => c.channelId === g.voiceChannel('Lounge').id);
  await entersState(connection, VoiceConnectionStatus.Ready, 3000);
  expect(connection.joinConfig.channelId).toBe(g.voiceChannel('Lounge').id);
  expect(client.guilds.cache.get(g.id)?.members.me?.voice.channelId).toBe(g.voiceChannel('Lounge').id);

  fake.kickBot();
  connection = await entersState(connection, VoiceConnectionStatus.Disconnected, 3000);
  expect(connection.state).toMatchObject({ status: VoiceConnectionStatus.Disconnected, closeCode: 4014 });
  expect(fake.botVoiceChannel()).toBeNull();
});
