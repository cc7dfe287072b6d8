/** SqliteStore's designed and cloned voices (owned_voices) and voice designs per month (voice_designs). */
import { checkOwnedVoice, readOwnedVoice, utcMonthKey } from './ownedVoices.js';
import type { Statements } from './sqliteStatements.js';
import type { OwnedVoice } from './types.js';
import { assertCount, assertId } from './validate.js';

type Report = (table: string, key: string, fields: string[]) => void;

export class SqliteOwnedVoices {
  constructor(
    private readonly stmt: Statements,
    private readonly report: Report,
  ) {}

  save(voice: OwnedVoice): void {
    const v = checkOwnedVoice(voice);
    this.stmt.putOwnedVoice.run(v.voiceId, v.kind, v.guildId, v.userId, v.description, v.createdAt, v.lastUsedAt);
  }

  get(voiceId: string): OwnedVoice | null {
    assertId('voiceId', voiceId);
    const row = this.stmt.getOwnedVoice.get(voiceId);
    if (row === undefined) return null;
    const voice = readOwnedVoice(row as unknown as Record<string, unknown>);
    if (!voice) this.report('owned_voices', voiceId, ['*']);
    return voice ?? null;
  }

  list(guildId: string, userId?: string): OwnedVoice[] {
    assertId('guildId', guildId);
    if (userId !== undefined) assertId('userId', userId);
    const out: OwnedVoice[] = [];
    const rows = userId === undefined ? this.stmt.listGuildOwnedVoices.all(guildId) : this.stmt.listOwnedVoices.all(guildId, userId);
    for (const row of rows) {
      const voice = readOwnedVoice(row as unknown as Record<string, unknown>);
      if (voice) out.push(voice);
      else this.report('owned_voices', String(row.voice_id), ['*']);
    }
    return out;
  }

  touch(voiceId: string, at: number): void {
    assertId('voiceId', voiceId);
    assertCount('at', at);
    this.stmt.touchOwnedVoice.run(at, voiceId);
  }

  delete(voiceId: string): boolean {
    assertId('voiceId', voiceId);
    return this.stmt.deleteOwnedVoice.run(voiceId).changes > 0;
  }

  addDesign(guildId: string, at: Date): void {
    assertId('guildId', guildId);
    this.stmt.addVoiceDesign.run(guildId, utcMonthKey(at));
  }

  designs(guildId: string, at: Date): number {
    assertId('guildId', guildId);
    const month = utcMonthKey(at);
    const count = this.stmt.getVoiceDesigns.get(guildId, month)?.count;
    if (count === undefined) return 0;
    if (typeof count === 'number' && Number.isSafeInteger(count) && count >= 0) return count;
    this.report('voice_designs', `${guildId}/${month}`, ['count']);
    return 0;
  }
}
