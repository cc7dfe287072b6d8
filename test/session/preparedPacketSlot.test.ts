/**
 * Pins the behaviour of @discordjs/voice that Parrot's packets outside the AudioPlayer's cycle rely on
 * (src/session/VoiceLink.ts flushPrepared and sendNow, used by startPlayback and at a skip): the real library,
 * through a real VoiceConnection, to the fake voice server over UDP. The library's typings say to avoid
 * prepareAudioPacket/dispatchAudio; if an upgrade changes what is pinned here, this fails and VoiceLink must be
 * looked at again (and the pinned version in package.json moved only then).
 *
 * What is relied on:
 * - the player prepares a packet one cycle and dispatches it the next, through ONE slot per connection;
 * - when the player stops (a skip) the packet it prepared stays in that slot, unsent, and goes out first when the
 *   player plays again (so a skipped message's packet would be heard in front of the next one);
 * - connection.dispatchAudio() sends what is in the slot once (true), and nothing when it is empty (false);
 * - playOpusPacket() sends through the same slot, so it replaces a prepared packet not dispatched first;
 * - each dispatched packet takes the next RTP sequence number and timestamp (+960), whoever sends it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable } from 'node:stream';
import {
  AudioPlayerStatus, StreamType, createAudioPlayer, createAudioResource, entersState,
  type AudioPlayer, type VoiceConnection,
} from '@discordjs/voice';
import { GatewayIntentBits, type Client } from 'discord.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord, type GuildSpec, type ReceivedFrame } from '../fakes/discord/index.js';
import { waitFor } from '../fakes/discord/waitFor.js';
import { makeMp3 } from '../fakes/mp3.js';
import { closeMiniBot, joinVoice, loginBot, mp3ToOpus } from '../fakes-discord/miniBot.js';

const GUILD: GuildSpec = {
  channels: [{ name: 'Voice', type: 'voice' }],
  members: [{ username: 'alice' }],
  voiceStates: [{ user: 'alice', channel: 'Voice' }],
};

/** Longer than a loopback datagram takes to be read: after it, what was sent has arrived. */
const SETTLE_MS = 100;

let packets: Buffer[];
beforeAll(async () => {
  packets = await mp3ToOpus(await makeMp3({ seconds: 2 }));
  // Every packet must be recognisable by its bytes.
  expect(new Set(packets.map((p) => p.toString('hex'))).size).toBe(packets.length);
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

interface Setup {
  fake: FakeDiscord;
  connection: VoiceConnection;
  player: AudioPlayer;
  heard: () => ReceivedFrame[];
}

/** A connection playing `packets`, stopped (as a skip stops it) once the fake has heard `before` of them. */
async function stoppedPartway(before: number): Promise<Setup> {
  // Transport encryption only: what is pinned is the library's packet slot, and this minimal bot does not wait for
  // the DAVE group before it sends (a member would refuse frames sent in the clear before it). Parrot's own
  // out-of-cycle packets under DAVE are heard whole in test/dave/parrot.e2e.test.ts.
  fake = await FakeDiscord.start({ guilds: [GUILD], dave: false, requireDave: false });
  client = await loginBot(fake, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates]);
  const g = fake.guild();
  const connection = await joinVoice(client, g.id, g.voiceChannel('Voice').id);
  const p = (player = createAudioPlayer());
  connection.subscribe(p);
  p.play(createAudioResource(Readable.from(packets, { objectMode: true }), { inputType: StreamType.Opus }));
  await entersState(p, AudioPlayerStatus.Playing, 5_000);
  const f = fake;
  const heard = (): ReceivedFrame[] => f.audio.select({ guildId: g.id });
  await waitFor(f.audio, 'frame', () => (heard().length >= before ? true : undefined), { timeoutMs: 5_000, what: `${before} packets` });
  p.stop(true);
  expect(p.state.status).toBe(AudioPlayerStatus.Idle);
  await sleep(SETTLE_MS);
  return { fake: f, connection, player: p, heard };
}

/** Waits until the fake has heard `count` packets in all. */
async function heardCount(s: Setup, count: number): Promise<ReceivedFrame[]> {
  return waitFor(s.fake.audio, 'frame', () => (s.heard().length >= count ? s.heard() : undefined), { timeoutMs: 5_000, what: `${count} packets` });
}

function expectConsecutive(frames: readonly ReceivedFrame[]): void {
  for (let i = 1; i < frames.length; i++) {
    expect(frames[i]!.sequence).toBe((frames[i - 1]!.sequence + 1) % 2 ** 16);
    expect(frames[i]!.rtpTimestamp).toBe((frames[i - 1]!.rtpTimestamp + 960) % 2 ** 32);
  }
}

describe('@discordjs/voice: the one prepared-packet slot Parrot sends from outside the player cycle', () => {
  it('a stopped player leaves its prepared packet unsent; dispatchAudio() sends that packet once, in sequence', async () => {
    const s = await stoppedPartway(5);
    const before = s.heard();
    // Sent in order from the first packet; the player stopped, the slot holds the next one, and nothing goes out.
    expect(before.map((f) => f.opus)).toEqual(packets.slice(0, before.length));
    await sleep(SETTLE_MS);
    expect(s.heard()).toHaveLength(before.length);

    expect(s.connection.dispatchAudio()).toBe(true);
    const after = await heardCount(s, before.length + 1);
    expect(after.at(-1)!.opus).toEqual(packets[before.length]);
    expectConsecutive(after);
    // The slot is empty now.
    expect(s.connection.dispatchAudio()).toBe(false);
    await sleep(SETTLE_MS);
    expect(s.heard()).toHaveLength(before.length + 1);
  });

  it('left in the slot, a stopped player\'s packet goes out first when the player plays again (what the flush at a skip prevents)', async () => {
    const s = await stoppedPartway(5);
    const before = s.heard().length;
    const next = packets.slice(-10);
    s.player.play(createAudioResource(Readable.from(next, { objectMode: true }), { inputType: StreamType.Opus }));
    const after = await heardCount(s, before + 3);
    expect(after[before]!.opus).toEqual(packets[before]); // the skipped resource's prepared packet
    expect(after[before + 1]!.opus).toEqual(next[0]);
  });

  it('playOpusPacket() goes through the same slot: it replaces a prepared packet unless dispatchAudio() sent it first', async () => {
    const s = await stoppedPartway(5);
    const before = s.heard().length;
    const own = packets.at(-1)!;
    // What VoiceLink.sendNow does: what is prepared first, then its own packet, both in sequence.
    expect(s.connection.dispatchAudio()).toBe(true);
    s.connection.playOpusPacket(own);
    const sent = await heardCount(s, before + 2);
    expect(sent.slice(before).map((f) => f.opus)).toEqual([packets[before], own]);
    expectConsecutive(sent);

    // Without dispatching first, a prepared packet is overwritten: prepare one as the player would, then play another.
    s.connection.prepareAudioPacket(packets[0]!);
    s.connection.playOpusPacket(own);
    expect(s.connection.dispatchAudio()).toBe(false);
    await sleep(SETTLE_MS);
    expect(s.heard().slice(before + 2).map((f) => f.opus)).toEqual([own]);
  });
});
