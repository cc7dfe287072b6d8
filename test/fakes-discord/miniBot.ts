/**
 * A minimal bot for the fake's own tests: the real discord.js Client and @discordjs/voice, nothing of Parrot.
 */
import { once } from 'node:events';
import { Readable } from 'node:stream';
import {
  AudioPlayerStatus, StreamType, VoiceConnectionStatus, createAudioPlayer, createAudioResource, entersState,
  getVoiceConnection, joinVoiceChannel, type AudioPlayer, type VoiceConnection,
} from '@discordjs/voice';
import { Client, Events, type GatewayIntentBits } from 'discord.js';
import { createTranscoderFactory } from '../../src/audio/index.js';
import type { FakeDiscord } from '../fakes/discord/index.js';

/** What a mini-bot test opened, closed after each test: the player, every voice connection, the client, the fake. */
export async function closeMiniBot(opened: { fake: FakeDiscord | undefined; client: Client | undefined; player: AudioPlayer | undefined }): Promise<void> {
  opened.player?.stop(true);
  for (const g of opened.fake?.guilds ?? []) {
    const connection = getVoiceConnection(g.id);
    if (connection && connection.state.status !== VoiceConnectionStatus.Destroyed) connection.destroy();
  }
  await opened.client?.destroy();
  await opened.fake?.close();
}

/** Logs a real discord.js client into the fake and waits for it to be ready (guilds cached). */
export async function loginBot(fake: FakeDiscord, intents: GatewayIntentBits[], timeoutMs = 5000): Promise<Client> {
  const client = new Client({ intents, ...fake.clientOptions() });
  const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(timeoutMs) });
  await client.login(fake.token);
  await ready;
  return client;
}

/** Joins a voice channel through the guild's adapter and waits for the connection to be ready. */
export async function joinVoice(client: Client, guildId: string, channelId: string, timeoutMs = 5000): Promise<VoiceConnection> {
  const guild = client.guilds.cache.get(guildId);
  if (!guild) throw new Error(`the client has no guild ${guildId}`);
  const connection = joinVoiceChannel({ guildId, channelId, adapterCreator: guild.voiceAdapterCreator, selfDeaf: true });
  await entersState(connection, VoiceConnectionStatus.Ready, timeoutMs);
  return connection;
}

/** Plays ready-made Opus packets on a connection; resolves with the player once it starts playing. */
export async function playOpus(connection: VoiceConnection, packets: readonly Buffer[]): Promise<AudioPlayer> {
  const player = createAudioPlayer();
  connection.subscribe(player);
  player.play(createAudioResource(Readable.from(packets, { objectMode: true }), { inputType: StreamType.Opus }));
  await entersState(player, AudioPlayerStatus.Playing, 5000);
  return player;
}

/** MP3 -> 20 ms Opus packets with the project's own pipeline (src/audio, default WASM transcoder). */
export async function mp3ToOpus(mp3: Buffer, timeoutMs = 10_000): Promise<Buffer[]> {
  const transcoder = createTranscoderFactory().create();
  const packets: Buffer[] = [];
  transcoder.opus.on('data', (p: Buffer) => packets.push(p));
  const ended = once(transcoder.opus, 'end', { signal: AbortSignal.timeout(timeoutMs) });
  transcoder.write(mp3);
  transcoder.end();
  try {
    await ended;
  } finally {
    transcoder.destroy();
  }
  return packets;
}
