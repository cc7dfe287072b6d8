/** The fake's byte-level and REST behaviour, checked with raw sockets (no discord.js). */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import OpusScript from 'opusscript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { analyzeFrames, type ReceivedFrame } from '../fakes/discord/audio.js';
import { FakeDiscord, VOICE_MODES } from '../fakes/discord/index.js';
import { decryptRtp, encryptRtp } from '../fakes/discord/rtpCrypto.js';

describe('RTP crypto (rtpsize AEAD modes)', () => {
  test.each(VOICE_MODES)('%s: a packet built like @discordjs/voice builds it decrypts to the same Opus', (mode) => {
    const key = new Uint8Array(randomBytes(32));
    const opus = randomBytes(120);
    const packet = encryptRtp(opus, { sequence: 65535, timestamp: 4_294_967_000, ssrc: 1234, nonce: 7 }, mode, key);
    expect(packet.readUInt32BE(packet.length - 4)).toBe(7);
    const { header, opus: out } = decryptRtp(packet, mode, key);
    expect(out.equals(opus)).toBe(true);
    expect(header).toMatchObject({ sequence: 65535, timestamp: 4_294_967_000, ssrc: 1234, headerLength: 12 });
  });

  test.each(VOICE_MODES)('%s: a tampered header (the AAD) or a wrong key fails authentication', (mode) => {
    const key = new Uint8Array(randomBytes(32));
    const packet = encryptRtp(randomBytes(50), { sequence: 1, timestamp: 960, ssrc: 9, nonce: 1 }, mode, key);
    const tampered = Buffer.from(packet);
    tampered[3] = (tampered[3]! + 1) & 0xff;
    expect(() => decryptRtp(tampered, mode, key)).toThrow();
    expect(() => decryptRtp(packet, mode, new Uint8Array(randomBytes(32)))).toThrow();
  });
});

describe('audio analysis', () => {
  const voice = new OpusScript(48000, 2);
  const tone = Buffer.alloc(960 * 4);
  for (let i = 0; i < 960; i += 1) {
    const s = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 48000));
    tone.writeInt16LE(s, i * 4);
    tone.writeInt16LE(s, i * 4 + 2);
  }
  const packet = voice.encode(tone, 960);
  afterAll(() => voice.delete());

  function frame(at: number, sequence: number, silence = false): ReceivedFrame {
    return {
      connectionId: 1, guildId: 'g', channelId: 'c', ssrc: 5, sequence, rtpTimestamp: sequence * 960, at,
      opus: silence ? Buffer.from([0xf8, 0xff, 0xfe]) : packet, silence, samples: 960, peak: silence ? 0 : 8000, decodeError: false, e2ee: false,
    };
  }

  test('a steady stream is one burst without gaps; decoded duration counts only voice', () => {
    const frames = [...Array.from({ length: 50 }, (_, i) => frame(i * 20, i)), frame(1000, 50, true)];
    const report = analyzeFrames(frames);
    expect(report).toMatchObject({ voiceFrames: 50, silenceFrames: 1, voiceMs: 1000, gaps: [] });
    expect(report.bursts).toHaveLength(1);
  });

  test('silence frames, lost packets and frames later than the jitter buffer are gaps; a long pause splits bursts', () => {
    const frames = [
      frame(0, 0), frame(20, 1), frame(40, 2, true), frame(60, 3), // a silence frame inside
      frame(80, 4), frame(160, 8), // 3 packets lost
      frame(180, 9), frame(330, 10), // 130 ms behind schedule
      frame(2000, 11), // a new burst
    ];
    const report = analyzeFrames(frames, { jitterMs: 100 });
    expect(report.bursts).toHaveLength(2);
    expect(report.gaps).toEqual([
      { at: 20, wallMs: 40, silenceFrames: 1, lostPackets: 0, lateMs: 0 },
      { at: 80, wallMs: 80, silenceFrames: 0, lostPackets: 3, lateMs: 0 },
      { at: 180, wallMs: 150, silenceFrames: 0, lostPackets: 0, lateMs: 130 },
    ]);
  });

  test('a stall the sender catches up on within the jitter buffer is not a gap', () => {
    const frames = [frame(0, 0), frame(20, 1), frame(40, 2), frame(152, 3), frame(153, 4), frame(154, 5), frame(155, 6), frame(160, 7), frame(180, 8)];
    const report = analyzeFrames(frames);
    expect(report.gaps).toEqual([]);
    expect(report.bursts[0]?.maxLateMs).toBe(92);
  });
});

describe('servers', () => {
  let fake: FakeDiscord;
  beforeAll(async () => { fake = await FakeDiscord.start(); });
  afterAll(async () => { await fake.close(); });

  test('UDP IP discovery answers in the exact 74-byte layout', async () => {
    const socket = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const request = Buffer.alloc(74);
      request.writeUInt16BE(1, 0);
      request.writeUInt16BE(70, 2);
      request.writeUInt32BE(424242, 4);
      const answered = once(socket, 'message', { signal: AbortSignal.timeout(2000) });
      socket.send(request, fake.udp.port, '127.0.0.1');
      const [reply] = (await answered) as [Buffer];
      expect(reply.length).toBe(74);
      expect([reply.readUInt16BE(0), reply.readUInt16BE(2), reply.readUInt32BE(4)]).toEqual([2, 70, 424242]);
      expect(reply.subarray(8, reply.indexOf(0, 8)).toString('ascii')).toBe('127.0.0.1');
      expect(reply.readUInt16BE(72)).toBe(socket.address().port);
    } finally {
      socket.close();
    }
  });

  async function identifyVoice(maxDave: number): Promise<{ closeCode: number | undefined; messages: { op: number; d: Record<string, unknown> }[] }> {
    const g = fake.guild();
    fake.voice.issue({ token: 'tok', guildId: g.id, channelId: g.voiceChannel('Voice').id, userId: fake.bot.id, sessionId: 'sess' });
    const ws = new WebSocket(`wss://${fake.voice.endpoint}?v=8`);
    const messages: { op: number; d: Record<string, unknown> }[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as { op: number; d: Record<string, unknown> }));
    await once(ws, 'open', { signal: AbortSignal.timeout(2000) });
    ws.send(JSON.stringify({ op: 0, d: { server_id: g.id, user_id: fake.bot.id, session_id: 'sess', token: 'tok', max_dave_protocol_version: maxDave } }));
    const closed = once(ws, 'close', { signal: AbortSignal.timeout(2000) }).then(([code]) => code as number);
    const outcome = await Promise.race([closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 300))]);
    if (outcome === undefined) {
      ws.close(1000);
      await closed;
    }
    return { closeCode: outcome, messages };
  }

  test('the voice gateway (wss) closes with 4017 a client that offers no DAVE, like Discord', async () => {
    const { closeCode, messages } = await identifyVoice(0);
    expect(closeCode).toBe(4017);
    expect(messages.map((m) => m.op)).toEqual([8]);
    expect(fake.voice.rejections.at(-1)?.code).toBe(4017);
  });

  test('a client offering DAVE gets READY with ssrc, ip, port and the offered modes', async () => {
    const { closeCode, messages } = await identifyVoice(1);
    expect(closeCode).toBeUndefined();
    expect(messages[0]).toMatchObject({ op: 8, d: { v: 8 } });
    expect(messages[1]).toMatchObject({ op: 2, d: { ip: '127.0.0.1', port: fake.udp.port, modes: [...VOICE_MODES] } });
  });

  test('REST answers unknown routes with a 404 JSON error and records the call', async () => {
    const res = await fetch(`${fake.restApi}/v10/guilds/1/bans`, { headers: { Authorization: `Bot ${fake.token}` } });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { code?: unknown; message?: unknown };
    expect(body.code).toBe(0);
    expect(body.message).toContain('GET /guilds/1/bans');
    expect(fake.rest.calls.at(-1)).toMatchObject({ method: 'GET', path: '/guilds/1/bans', route: null, status: 404 });
  });

  test('REST refuses a bot route without the bot token', async () => {
    const res = await fetch(`${fake.restApi}/v10/users/@me`, { headers: { Authorization: 'Bot wrong' } });
    expect(res.status).toBe(401);
  });

  test('an interaction callback counts once; a second one is 400 "already acknowledged"', async () => {
    fake.interactions.register({
      id: '77', token: 'itok', kind: 'command', command: 'x', guildId: fake.guild().id, channelId: '1', userId: '2', dispatchedAt: 0,
    });
    const post = (): Promise<Response> => fetch(`${fake.restApi}/v10/interactions/77/itok/callback?with_response=false`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 4, data: { content: 'hi', flags: 64 } }),
    });
    expect((await post()).status).toBe(204);
    const second = await post();
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({ code: 40060 });
    expect(fake.interactions.replies('77')).toMatchObject([{ via: 'callback', content: 'hi', ephemeral: true }]);
  });
});
