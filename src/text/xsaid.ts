/** "<name> said" before a message, and when to say it. */
import { cleanName } from './names.js';

/** A speaker is not re-announced while they keep talking within this window (TB's rule). */
export const XSAID_WINDOW_MS = 60_000;

/** "Ana said", with the name cleaned as every spoken name is ("someone said" when nothing speakable is left). */
export function speakerPrefix(name: string): string {
  return `${cleanName(name) || 'someone'} said`;
}

/**
 * Decides when to say "X said". Per guild it remembers only the last speaker and when they last spoke; time is
 * passed in, so it is deterministic. Call `shouldAnnounce` once per message that will be spoken.
 */
export class XSaidTracker {
  private readonly last = new Map<string, { speakerId: string; at: number }>();

  constructor(private readonly windowMs: number = XSAID_WINDOW_MS) {}

  /**
   * True unless `speakerId` was also the previous speaker in `guildId` and spoke less than the window ago
   * (a message by someone else in between resets it). Records this message either way.
   */
  shouldAnnounce(guildId: string, speakerId: string, now: number): boolean {
    const previous = this.last.get(guildId);
    this.last.set(guildId, { speakerId, at: now });
    return previous === undefined || previous.speakerId !== speakerId || !(now - previous.at < this.windowMs);
  }

  /** Forgets a guild (its session ended). */
  forget(guildId: string): void {
    this.last.delete(guildId);
  }

  /** Number of guilds remembered. */
  get size(): number {
    return this.last.size;
  }
}
