import { afterEach, describe, expect, it } from 'vitest';
import { opt } from '../fakes/discord/index.js';
import { startHarness, type Harness } from './harness.js';

describe('voice presence and persistence end to end', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('/join, /status and /leave', async () => {
    const x = (h = await startHarness());
    const join = await x.run({ command: 'join' });
    expect(join).toMatchObject({ ephemeral: true });
    expect(join.content).toContain(`Joined <#${x.discord.guild().voiceChannel('Voice').id}>`);
    expect((await x.run({ command: 'join' })).content).toContain("I'm already in");
    const status = await x.run({ command: 'status' });
    expect(status.ephemeral).toBe(true);
    expect(status.content).toContain('**Voice:** in <#');
    expect(status.content).toContain('**Queued:** 0');
    expect(status.content).toContain('**Paused:** no');
    expect((await x.run({ command: 'leave', user: 'carol' })).content).toContain('Join <#');
    const leave = await x.run({ command: 'leave' });
    expect(leave).toMatchObject({ ephemeral: false, content: 'alice made me leave the voice channel.' });
    await x.discord.waitForVoiceRequest((r) => r.channelId === null);
    expect(x.bot.sessions.size).toBe(0);
    expect(x.bot.store.listActiveSessions()).toEqual([]);
    expect((await x.run({ command: 'leave' })).content).toBe("I'm not in a voice channel.");
  });

  it('leaves once the last person has left the channel', async () => {
    const x = (h = await startHarness());
    await x.run({ command: 'join' });
    x.discord.voiceState({ user: 'alice', channel: 'Other' });
    await x.run({ command: 'status' });
    expect(x.bot.sessions.size).toBe(1);
    x.discord.voiceState({ user: 'bob', channel: null });
    await x.discord.waitForVoiceRequest((r) => r.channelId === null, 3_000);
    expect(x.bot.sessions.size).toBe(0);
    expect(x.bot.store.listActiveSessions()).toEqual([]);
  });

  it('stays while someone comes back before the leave delay ends', async () => {
    const x = (h = await startHarness({ timings: { leaveEmptyAfterMs: 800 } }));
    await x.run({ command: 'join' });
    x.discord.voiceState({ user: 'alice', channel: null });
    x.discord.voiceState({ user: 'bob', channel: null });
    x.discord.voiceState({ user: 'carol', channel: 'Voice' });
    await x.run({ command: 'speak', user: 'carol', options: { text: 'Still here after the delay?' } });
    await x.discord.audio.waitForSilence({ quietMs: 900, timeoutMs: 5_000 });
    expect(x.discord.voiceRequests.filter((r) => r.channelId === null)).toHaveLength(0);
  });

  it('follows a move by a moderator: leaves an empty channel it was moved to', async () => {
    const x = (h = await startHarness());
    await x.run({ command: 'join' });
    x.discord.moveBot('Other');
    await x.discord.waitForVoiceRequest((r) => r.channelId === null, 8_000);
    await x.minimax.waitFor(() => x.bot.sessions.size === 0, 3_000, 'the session to end');
  });

  it('cleans up when a moderator disconnects the bot and forgets the session (no rejoin at the next start)', async () => {
    const x = (h = await startHarness({ timings: { movedGraceMs: 200 } }));
    await x.run({ command: 'join' });
    x.discord.kickBot();
    await x.minimax.waitFor(() => x.bot.sessions.size === 0, 5_000, 'the session to end');
    expect(x.bot.store.listActiveSessions()).toEqual([]);
    expect((await x.run({ command: 'status' })).content).toContain('not in a voice channel');
  });

  it('keeps settings across a restart, rejoins the voice channel and resumes reading', async () => {
    const x = (h = await startHarness());
    await x.discord.rest.waitForCall((c) => c.method === 'PUT' && c.path.endsWith('/commands'));
    await x.run({ command: 'voice', subcommand: 'set', options: { voice: 'English_Graceful_Lady', speed: opt.number(1.25) } });
    await x.run({ command: 'myvoice', subcommand: 'set', user: 'bob', options: { pitch: opt.integer(2) } });
    await x.run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    await x.run({ command: 'autoread', subcommand: 'options', options: { xsaid: false } });
    await x.run({ command: 'dictionary', subcommand: 'add', options: { from: 'gg', to: 'good game' } });
    await x.run({ command: 'join' });

    await x.restart();
    await x.bot.restored;
    expect(x.discord.botVoiceChannel()).toBe(x.discord.guild().voiceChannel('Voice').id);
    const requests = x.discord.voiceRequests;
    expect(requests.at(-1)).toMatchObject({ outcome: 'joined' });
    // The registered commands did not change: one PUT at the first start, only a GET at the second.
    await x.discord.rest.waitForCall((c) => c.method === 'GET' && c.path.endsWith('/commands') && c.at > (requests.at(-2)?.at ?? 0));
    expect(x.discord.rest.calls.filter((c) => c.method === 'PUT' && c.path.endsWith('/commands'))).toHaveLength(1);

    x.discord.message({ channel: 'reading', author: 'bob', content: 'gg everyone' });
    await x.minimax.waitFor(() => x.minimax.texts.length === 1);
    expect(x.minimax.taskStarts[0]).toMatchObject({
      voice_setting: { voice_id: 'English_Graceful_Lady', speed: 1.25, pitch: 2 },
      pronunciation_dict: { tone: ['gg/good game'] },
    });
    const show = await x.run({ command: 'dictionary', subcommand: 'list' });
    expect(show.content).toContain('gg → good game');
  });

  it('prunes usage older than the previous month at start-up, and keeps what budgets read', async () => {
    const now = Date.parse('2026-11-24T12:00:00Z');
    const x = (h = await startHarness({ now: () => now }));
    const guildId = x.discord.guild().id;
    x.bot.store.addUsage(guildId, 500, new Date('2026-09-30T12:00:00Z'));
    x.bot.store.addUsage(guildId, 70, new Date('2026-10-01T00:00:00Z'));
    x.bot.store.addUsage(guildId, 9, new Date(now));
    await x.restart();
    expect(x.bot.store.getUsage(guildId, new Date('2026-09-30T12:00:00Z'))).toStrictEqual({ day: 0, month: 0 });
    expect(x.bot.store.getUsage(guildId, new Date('2026-10-01T12:00:00Z'))).toStrictEqual({ day: 70, month: 70 });
    expect(x.bot.store.getUsage(guildId, new Date(now))).toStrictEqual({ day: 9, month: 9 });
    expect(x.logs.some((line) => line.includes('old usage pruned'))).toBe(true);
  });

  it('does not rejoin after a restart when the channel emptied meanwhile', async () => {
    const x = (h = await startHarness());
    await x.run({ command: 'join' });
    await x.bot.stop();
    x.discord.voiceState({ user: 'alice', channel: null });
    x.discord.voiceState({ user: 'bob', channel: null });
    const before = x.discord.voiceRequests.length;
    await x.restart();
    await x.bot.restored;
    expect(x.discord.voiceRequests.slice(before).filter((r) => r.channelId !== null)).toEqual([]);
    expect(x.bot.store.listActiveSessions()).toEqual([]);
  });

  it('ends the session when the bot is removed from the server', async () => {
    const x = (h = await startHarness());
    await x.run({ command: 'join' });
    const guildId = x.discord.guild().id;
    x.discord.guildDelete();
    await x.minimax.waitFor(() => x.bot.sessions.size === 0, 3_000, 'the session to end');
    expect(x.bot.store.listActiveSessions().filter((s) => s.guildId === guildId)).toEqual([]);
  });
});
