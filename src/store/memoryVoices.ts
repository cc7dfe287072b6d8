/** MemoryStore's designed and cloned voices, voice designs per month and pool voices. */
import { getOrCreate } from './memoryMaps.js';
import { checkOwnedVoice, utcMonthKey } from './ownedVoices.js';
import type { OwnedVoice } from './types.js';
import { assertCount, assertId } from './validate.js';

export class MemoryVoices {
  readonly #owned = new Map<string, OwnedVoice>();
  /** guild id -> UTC month key -> designs */
  readonly #designs = new Map<string, Map<string, number>>();
  /** guild id -> user id -> pool voice id */
  readonly #pool = new Map<string, Map<string, string>>();

  save(voice: OwnedVoice): void {
    const clean = checkOwnedVoice(voice);
    this.#owned.set(clean.voiceId, clean);
  }

  get(voiceId: string): OwnedVoice | null {
    assertId('voiceId', voiceId);
    const voice = this.#owned.get(voiceId);
    return voice ? { ...voice } : null;
  }

  list(guildId: string, userId?: string): OwnedVoice[] {
    assertId('guildId', guildId);
    if (userId !== undefined) assertId('userId', userId);
    return [...this.#owned.values()]
      .filter((v) => v.guildId === guildId && (userId === undefined || v.userId === userId))
      .sort((a, b) => a.createdAt - b.createdAt || (a.voiceId < b.voiceId ? -1 : 1))
      .map((v) => ({ ...v }));
  }

  touch(voiceId: string, at: number): void {
    assertId('voiceId', voiceId);
    assertCount('at', at);
    const voice = this.#owned.get(voiceId);
    if (voice) voice.lastUsedAt = at;
  }

  delete(voiceId: string): boolean {
    assertId('voiceId', voiceId);
    return this.#owned.delete(voiceId);
  }

  addDesign(guildId: string, at: Date): void {
    assertId('guildId', guildId);
    const months = getOrCreate(this.#designs, guildId);
    const month = utcMonthKey(at);
    months.set(month, (months.get(month) ?? 0) + 1);
  }

  /** Sets the count of a UTC month ("YYYY-MM") as read from a database. */
  loadDesigns(guildId: string, month: string, count: number): void {
    assertId('guildId', guildId);
    assertCount('count', count);
    getOrCreate(this.#designs, guildId).set(month, count);
  }

  designs(guildId: string, at: Date): number {
    assertId('guildId', guildId);
    return this.#designs.get(guildId)?.get(utcMonthKey(at)) ?? 0;
  }

  poolVoices(guildId: string): Record<string, string> {
    assertId('guildId', guildId);
    return Object.fromEntries(this.#pool.get(guildId) ?? []);
  }

  assignPool(guildId: string, userId: string, voiceId: string): string {
    assertId('guildId', guildId);
    assertId('userId', userId);
    assertId('voiceId', voiceId);
    const pool = getOrCreate(this.#pool, guildId);
    const kept = pool.get(userId);
    if (kept !== undefined) return kept;
    pool.set(userId, voiceId);
    return voiceId;
  }

  /** The guild's pool voices; its owned voices and design counts stay. */
  deletePool(guildId: string): void {
    this.#pool.delete(guildId);
  }
}
