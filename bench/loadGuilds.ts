/** The guilds of the load benchmark, as the fake Discord creates them. */
import type { GuildSpec } from '../test/fakes/discord/index.js';

/** A speaking guild: one listener in the voice channel. */
export const SPEAKING_GUILD: GuildSpec = {
  owner: 'alice',
  channels: [{ name: 'general' }, { name: 'Voice', type: 'voice' }],
  members: [{ username: 'alice' }],
  voiceStates: [{ user: 'alice', channel: 'Voice' }],
};

/** An idle guild as a small community server looks in the cache. */
export const IDLE_GUILD: GuildSpec = {
  name: 'Idle',
  owner: 'm0',
  roles: [{ name: 'Mods', permissions: ['ManageGuild'] }, { name: 'Members' }, { name: 'Bots' }],
  channels: [
    ...['general', 'memes', 'links', 'help', 'rules', 'tts'].map((name) => ({ name })),
    { name: 'Voice', type: 'voice' as const },
    { name: 'Gaming', type: 'voice' as const },
  ],
  members: Array.from({ length: 12 }, (_, i) => ({ username: `m${i}`, roles: i === 0 ? ['Mods'] : ['Members'] })),
  voiceStates: [{ user: 'm1', channel: 'Gaming' }],
};

export const IDLE_GUILD_DESCRIPTION = '8 channels, 4 roles, 12 members + the bot, 1 person in voice';
