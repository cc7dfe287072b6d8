import { describe, expect, it } from 'vitest';
import { messageVoice, pickPoolVoice, poolVoices } from '../../src/session/messageVoice.js';
import { DEFAULT_GUILD_SETTINGS } from '../../src/store/settings.js';
import type { GuildSettings, ResolvedVoice } from '../../src/store/types.js';

const defaults: ResolvedVoice = { voiceId: 'English_expressive_narrator', model: 'speech-2.8-turbo', speed: 1, volume: 1, pitch: 0 };
const guild = (patch: Partial<GuildSettings> = {}): GuildSettings => ({ ...structuredClone(DEFAULT_GUILD_SETTINGS), ...patch });
const voicing = (patch: Partial<GuildSettings['voicing']>): GuildSettings => guild({ voicing: { ...DEFAULT_GUILD_SETTINGS.voicing, ...patch } });

describe('messageVoice', () => {
  it('reads a Japanese message of a member with no voice with the Japanese default and boosts Japanese', () => {
    const { voice, serverWide } = messageVoice({ defaults, guild: guild(), member: {}, language: 'Japanese' });
    expect(voice).toMatchObject({ voiceId: 'Japanese_KindLady', languageBoost: 'Japanese' });
    expect(serverWide).toBe(true);
  });

  it("keeps the server's voice for messages in its language, and a voice the member or /speak chose for any", () => {
    expect(messageVoice({ defaults, guild: guild(), member: {}, language: 'English' }).voice).toMatchObject({ voiceId: 'English_expressive_narrator', languageBoost: 'English' });
    const mine = messageVoice({ defaults, guild: guild(), member: { voiceId: 'English_CalmWoman' }, language: 'Japanese' });
    expect(mine).toMatchObject({ voice: { voiceId: 'English_CalmWoman', languageBoost: 'Japanese' }, serverWide: false });
    const spoken = messageVoice({ defaults, guild: guild(), member: {}, override: { voiceId: 'English_Comedian' }, language: 'Korean' });
    expect(spoken.voice.voiceId).toBe('English_Comedian');
  });

  it("prefers the server's voice for a language to the built-in one, and never overrides an explicit language_boost", () => {
    const g = voicing({ languageVoices: { Japanese: 'Japanese_LoyalKnight' } });
    expect(messageVoice({ defaults, guild: g, member: {}, language: 'Japanese' }).voice.voiceId).toBe('Japanese_LoyalKnight');
    // Which language's server voice it is (so a voice MiniMax no longer has can be removed from that setting).
    expect(messageVoice({ defaults, guild: g, member: {}, language: 'Japanese' }).languageVoice).toBe('Japanese');
    expect(messageVoice({ defaults, guild: g, member: {}, language: 'Korean' }).languageVoice).toBeUndefined();
    expect(messageVoice({ defaults, guild: g, member: { voiceId: 'English_CalmWoman' }, language: 'Japanese' }).languageVoice).toBeUndefined();
    const boosted = messageVoice({ defaults, guild: guild({ voice: { languageBoost: 'Korean' } }), member: {}, language: 'Japanese' });
    expect(boosted.voice.languageBoost).toBe('Korean');
  });

  it('keeps a designed or cloned server voice, whose language is unknown, and the usual voice when the language is unknown', () => {
    const designed = guild({ voice: { voiceId: 'ttv-voice-2026-abc' } });
    expect(messageVoice({ defaults, guild: designed, member: {}, language: 'Japanese' }).voice.voiceId).toBe('ttv-voice-2026-abc');
    const unknown = messageVoice({ defaults, guild: guild(), member: {}, language: undefined });
    expect(unknown.voice).toEqual(defaults);
  });

  it('uses the pool voice for messages in the server language, and the language voice for others', () => {
    const g = voicing({ pool: true });
    expect(messageVoice({ defaults, guild: g, member: {}, language: 'English', poolVoice: 'English_Comedian' }).voice.voiceId).toBe('English_Comedian');
    expect(messageVoice({ defaults, guild: g, member: {}, language: undefined, poolVoice: 'English_Comedian' }).voice.voiceId).toBe('English_Comedian');
    expect(messageVoice({ defaults, guild: g, member: {}, language: 'Japanese', poolVoice: 'English_Comedian' }).voice.voiceId).toBe('Japanese_KindLady');
  });
});

describe('the voice pool', () => {
  it("holds the server language's voices, or the default voice's language for a designed server voice", () => {
    expect(poolVoices('Japanese_KindLady', 'English_expressive_narrator')).toContain('Japanese_LoyalKnight');
    expect(poolVoices('Japanese_KindLady', 'English_expressive_narrator').every((id) => id.startsWith('Japanese_'))).toBe(true);
    expect(poolVoices('ttv-voice-x', 'English_expressive_narrator').every((id) => id.startsWith('English_'))).toBe(true);
  });

  it('gives each member a voice nobody has while the pool lasts, then the least used', () => {
    const pool = ['a', 'b', 'c'];
    const given: Record<string, string> = {};
    for (const member of ['m1', 'm2', 'm3', 'm4']) given[member] = pickPoolVoice(pool, given) ?? '';
    expect(new Set([given['m1'], given['m2'], given['m3']]).size).toBe(3);
    expect(given['m4']).toBe('a');
    expect(pickPoolVoice([], given)).toBeUndefined();
  });
});
