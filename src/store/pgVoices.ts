/**
 * PgStore's writes of designed and cloned voices (owned_voices), voice designs per month (voice_designs) and pool
 * voices (pool_voices): memory changes first, then the write goes behind it.
 */
import type { MemoryStore } from './MemoryStore.js';
import { utcMonthKey } from './ownedVoices.js';
import { SQL } from './pgStatements.js';
import type { PgWrite } from './PgWriter.js';
import type { OwnedVoice } from './types.js';

type Write = (op: string, statements: [string, ...unknown[]][]) => PgWrite;

export class PgVoices {
  constructor(
    private readonly memory: MemoryStore,
    private readonly write: Write,
  ) {}

  save(voice: OwnedVoice): void {
    this.memory.saveOwnedVoice(voice);
    const v = this.memory.getOwnedVoice(voice.voiceId)!;
    this.write('saveOwnedVoice', [[SQL.putOwnedVoice, v.voiceId, v.kind, v.guildId, v.userId, v.description, v.createdAt, v.lastUsedAt]]);
  }

  touch(voiceId: string, at: number): void {
    this.memory.touchOwnedVoice(voiceId, at);
    if (this.memory.getOwnedVoice(voiceId)) this.write('touchOwnedVoice', [[SQL.touchOwnedVoice, at, voiceId]]);
  }

  delete(voiceId: string): boolean {
    const had = this.memory.deleteOwnedVoice(voiceId);
    if (had) {
      this.write('deleteOwnedVoice', [[SQL.deleteOwnedVoice, voiceId]]);
      return true;
    }
    // Another process's guild (found with findOwnedVoice): its row goes, and members there stop choosing it (a
    // separate write, so a member row the server cannot parse as JSON never keeps the voice's row).
    this.write('deleteOwnedVoice', [[SQL.deleteOwnedVoice, voiceId]]);
    this.write('deleteOwnedVoice', [[SQL.unsetMemberVoice, voiceId]]);
    return false;
  }

  addDesign(guildId: string, at: Date): void {
    this.memory.addVoiceDesign(guildId, at);
    this.write('addVoiceDesign', [[SQL.addVoiceDesign, guildId, utcMonthKey(at)]]);
  }

  assignPool(guildId: string, userId: string, voiceId: string): string {
    const had = this.memory.getPoolVoices(guildId)[userId];
    const kept = this.memory.assignPoolVoice(guildId, userId, voiceId);
    if (had === undefined) this.write('assignPoolVoice', [[SQL.putPool, guildId, userId, kept]]);
    return kept;
  }
}
