import { afterEach, describe, expect, it } from 'vitest';
import { GUILD, startHarness, type Harness, type HarnessOptions } from './harness.js';

describe('/speak end to end', () => {
  let h: Harness | undefined;
  const start = async (options?: HarnessOptions): Promise<Harness> => (h = await startHarness(options));
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('joins the caller, replies privately, and the listener hears the whole text with the default voice', async () => {
    const h = await start();
    const text = 'Hello there, this is a test of the bot.';
    const reply = await h.run({ command: 'speak', options: { text } });
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/^(Reading it now\.|Queued \(position 1\)\.)$/);
    expect(h.discord.botVoiceChannel()).toBe(h.discord.guild().voiceChannel('Voice').id);
    await h.discord.audio.waitForAudio({ minMs: 300 });
    const report = await h.discord.audio.waitForSilence({ quietMs: 400 });
    // FakeMiniMax makes 20 ms of audio per character.
    expect(report.voiceMs).toBeGreaterThanOrEqual(text.length * 20 - 100);
    expect(report.voiceMs).toBeLessThanOrEqual(text.length * 20 + 100);
    expect(report.decodeErrors).toBe(0);
    expect(h.minimax.texts).toEqual([text]);
    expect(h.minimax.taskStarts[0]).toMatchObject({
      model: 'speech-2.8-turbo',
      voice_setting: { voice_id: 'English_expressive_narrator', speed: 1, vol: 1, pitch: 0 },
    });
  });

  it('with AUDIO_FORMAT=opus, asks MiniMax for Opus and the listener hears the whole text', async () => {
    const h = await start({ env: { AUDIO_FORMAT: 'opus' } });
    const text = 'Hello there, this is a test of the bot, in Opus.';
    await h.run({ command: 'speak', options: { text } });
    await h.discord.audio.waitForAudio({ minMs: 300 });
    const report = await h.discord.audio.waitForSilence({ quietMs: 400 });
    expect(h.minimax.taskStarts[0]).toMatchObject({ audio_setting: { format: 'opus', sample_rate: 24000 } });
    expect(Math.abs(report.voiceMs - text.length * 20)).toBeLessThanOrEqual(100);
    expect(report.decodeErrors).toBe(0);
  });

  // MiniMax at real time, falling behind by 400 ms mid-message: the message runs dry, whatever the machine's load.
  const FALLS_BEHIND = { realtimeFactor: 1, faults: { stall: { atChunk: 2, ms: 400, times: 1 } } };

  it('when a message runs dry while MiniMax is still sending, the log says the playout delay was raised, and why', async () => {
    const h = await start({ minimax: FALLS_BEHIND });
    await h.run({ command: 'speak', options: { text: 'A sentence long enough to stream over several chunks, at the pace it is spoken.' } });
    await h.discord.audio.waitForAudio({ minMs: 300 });
    await h.discord.audio.waitForSilence({ quietMs: 800 }); // longer than the stall
    const line = h.logs.find((l) => l.includes('playout delay raised'));
    expect(line).toContain('playoutDelayMs=100');
    expect(Number(/silenceFrames=(\d+)/.exec(line ?? '')?.[1])).toBeGreaterThan(0);
  });

  it('keeps the learned playout delay in its database: a restart starts from it', async () => {
    // That a message at real time does not run dry from there is the session tests' business (playback.e2e).
    const h = await start({ minimax: FALLS_BEHIND });
    expect(h.bot.sessions.playoutDelayMs).toBe(15);
    await h.run({ command: 'speak', options: { text: 'A sentence long enough to stream over several chunks, at the pace it is spoken.' } });
    await h.discord.audio.waitForAudio({ minMs: 300 });
    await h.discord.audio.waitForSilence({ quietMs: 800 }); // longer than the stall
    expect(h.bot.sessions.playoutDelayMs).toBe(100);
    await h.restart();
    expect(h.bot.sessions.playoutDelayMs).toBe(100);
  });

  it('uses the voice option for that text only', async () => {
    const h = await start();
    await h.run({ command: 'speak', options: { text: 'In another voice.', voice: 'English_Graceful_Lady' } });
    await h.minimax.waitFor(() => h.minimax.taskStarts.length === 1);
    expect(h.minimax.taskStarts[0]).toMatchObject({ voice_setting: { voice_id: 'English_Graceful_Lady' } });
    const unknown = await h.run({ command: 'speak', options: { text: 'x', voice: 'No_Such_Voice' } });
    expect(unknown.ephemeral).toBe(true);
    expect(unknown.content).toContain("I don't know the voice");
  });

  it('refuses privately when the caller is not in a voice channel', async () => {
    const h = await start();
    const reply = await h.run({ command: 'speak', user: 'carol', options: { text: 'hello' } });
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain('Join a voice channel first');
    expect(h.discord.voiceRequests).toHaveLength(0);
  });

  it('names the missing permission and the channel when the bot may not connect there', async () => {
    const channels = [{ name: 'general' }, { name: 'Voice', type: 'voice' as const, overwrites: [{ target: 'bot', deny: ['Connect' as const] }] }];
    const h = await start({ guilds: [{ ...GUILD, channels, voiceStates: [{ user: 'alice', channel: 'Voice' }] }] });
    const reply = await h.run({ command: 'speak', options: { text: 'hello' } });
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain('Connect');
    expect(reply.content).toContain(`<#${h.discord.guild().voiceChannel('Voice').id}>`);
    expect(h.discord.voiceRequests).toHaveLength(0);
  });

  it('plays two texts back to back, in order, without overlap', async () => {
    const h = await start();
    const first = 'The first message comes first.';
    const second = 'And the second one follows it.';
    await h.run({ command: 'speak', options: { text: first } });
    const reply = await h.run({ command: 'speak', user: 'bob', options: { text: second } });
    expect(reply.content).toBe('Queued (position 2).');
    await h.discord.audio.waitForAudio({ minMs: 300 });
    const report = await h.discord.audio.waitForSilence({ quietMs: 500 });
    expect(h.minimax.texts).toEqual([first, second]);
    expect(report.bursts).toHaveLength(1);
    expect(report.voiceMs).toBeGreaterThanOrEqual((first.length + second.length) * 20 - 150);
    expect(report.voiceMs).toBeLessThanOrEqual((first.length + second.length) * 20 + 150);
    // One stream: RTP sequence numbers only go up (two overlapping players would interleave or restart them).
    const seqs = h.discord.audio.frames.map((f) => f.sequence);
    expect(seqs.every((s, i) => i === 0 || s === ((seqs[i - 1] ?? 0) + 1) % 65536)).toBe(true);
  });

  it('/skip stops the current text at once and the next one plays', async () => {
    const h = await start();
    const long = 'This is a long text. '.repeat(12).trim();
    const next = 'Short one after the skip.';
    await h.run({ command: 'speak', options: { text: long } });
    await h.run({ command: 'speak', options: { text: next } });
    await h.discord.audio.waitForAudio({ minMs: 400 });
    const skip = await h.run({ command: 'skip' });
    expect(skip.ephemeral).toBe(false);
    expect(skip.content).toContain('skipped');
    await h.discord.audio.waitForSilence({ quietMs: 500 });
    expect(h.minimax.texts).toEqual([long, next]);
    // The fake's audio for every text starts with the same packets: the next text begins where they come again.
    // Before it, part of the long text (cut); from it, the next text whole. (How soon: the benchmark's skip rows.)
    const voice = h.discord.audio.select({}).filter((f) => !f.silence);
    const nextStarts = voice.findIndex((f, i) => i > 0 && f.opus.equals(voice[0]!.opus));
    expect(nextStarts).toBeGreaterThan(0);
    expect(nextStarts * 20).toBeLessThan(long.length * 20 - 1_000);
    expect(Math.abs((voice.length - nextStarts) * 20 - next.length * 20)).toBeLessThanOrEqual(100);
  });

  it('/skip with nothing behind stops the audio: nothing plays once it has answered, and the rest is never heard', async () => {
    const h = await start();
    const long = 'This is a long text. '.repeat(12).trim();
    await h.run({ command: 'speak', options: { text: long } });
    await h.discord.audio.waitForAudio({ minMs: 300 });
    const skip = await h.run({ command: 'skip' });
    expect(skip.content).toContain('skipped');
    expect(h.bot.sessions.get(h.discord.guild().id)?.status().playing).toBeNull();
    const report = await h.discord.audio.waitForSilence({ quietMs: 400 });
    expect(report.voiceMs).toBeLessThan((long.length * 20) / 2);
    const again = await h.run({ command: 'skip' });
    expect(again).toMatchObject({ ephemeral: true, content: 'Nothing is being read right now.' });
  });

  it('/clear stops and empties the queue', async () => {
    const h = await start();
    for (const text of ['One long text to start with. '.repeat(6), 'two', 'three']) await h.run({ command: 'speak', options: { text } });
    await h.discord.audio.waitForAudio({ minMs: 200 });
    const clear = await h.run({ command: 'clear' });
    expect(clear.ephemeral).toBe(false);
    expect(clear.content).toMatch(/cleared the queue \(3 messages dropped\)/);
    const report = await h.discord.audio.waitForSilence({ quietMs: 400 });
    expect(report.voiceMs).toBeLessThan(1500);
    expect(h.bot.sessions.get(h.discord.guild().id)?.status().queued).toBe(0);
  });

  it('a non-listener cannot skip; rate limits and a full queue answer privately with what to do', async () => {
    const h = await start({ env: { RATE_LIMIT_USER_PER_MINUTE: '5', QUEUE_MAX_PER_USER: '1' } });
    const texts = ['first text here. '.repeat(10), 'second', 'third', 'fourth', 'fifth', 'sixth'];
    const replies = [];
    for (const text of texts) replies.push(await h.run({ command: 'speak', options: { text } }));
    expect(replies.slice(1, 5).some((r) => r.content === 'You already have 1 message waiting. Wait for it to be read.')).toBe(true);
    expect(replies[5]?.content).toMatch(/You're sending too fast \(at most 5 a minute\)\. Try again in \d+ s\./);
    expect(replies.every((r) => r.ephemeral)).toBe(true);
    const refused = await h.run({ command: 'skip', user: 'carol' });
    expect(refused).toMatchObject({ ephemeral: true });
    expect(refused.content).toContain('Join <#');
  });
});
