import { EventEmitter } from 'node:events';
import { DaveCall, type DaveBotLink, type DaveTransition } from './call.js';

/**
 * Discord's DAVE calls, one per voice channel the bot was in: a call (its MLS group and members) outlives the
 * bot connections that come and go in it (resume, rejoin, restart). Emits 'transition' (DaveTransition).
 */
export class DaveCalls extends EventEmitter {
  /** Delays every proposal (op 27) by this much: the group forms late, as on a slow voice server. */
  proposalDelayMs = 0;
  readonly #calls = new Map<string, { guildId: string; call: DaveCall }>();

  constructor(private readonly now: () => number) {
    super();
  }

  /** Seats a bot connection in its channel's call (created on first use) with the members present. */
  attach(guildId: string, channelId: string, botUserId: string, link: DaveBotLink, memberIds: readonly string[]): DaveCall {
    const key = `${guildId}:${channelId}`;
    let entry = this.#calls.get(key);
    if (!entry) {
      const call = new DaveCall({ botUserId, channelId, now: this.now, proposalDelayMs: () => this.proposalDelayMs });
      call.on('transition', (t: DaveTransition) => this.emit('transition', t));
      entry = { guildId, call };
      this.#calls.set(key, entry);
    }
    entry.call.attachBot(link, memberIds);
    return entry.call;
  }

  /** The calls of a guild (every channel the bot was in). */
  inGuild(guildId: string): DaveCall[] {
    return [...this.#calls.values()].filter((e) => e.guildId === guildId).map((e) => e.call);
  }

  all(): DaveCall[] {
    return [...this.#calls.values()].map((e) => e.call);
  }

  close(): void {
    for (const { call } of this.#calls.values()) call.close();
    this.#calls.clear();
  }
}
