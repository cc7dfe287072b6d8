import { EventEmitter } from 'node:events';
import { FakeDiscordError } from './errors.js';
import type { GatewayServer, GatewaySession } from './gateway.js';
import type { GuildState } from './model.js';
import { voiceStatePayload } from './payloads.js';
import { hasPermission } from './permissions.js';
import { randomToken } from './snowflakes.js';
import type { VoiceGatewayServer } from './voiceGateway.js';
import { waitFor } from './waitFor.js';

const GUILD_VOICE_STATES = 1 << 7;

/** An op 4 VOICE_STATE_UPDATE the bot sent, and what the fake did with it. */
export interface BotVoiceRequest {
  at: number;
  sessionId: string;
  guildId: string;
  channelId: string | null;
  selfMute: boolean;
  selfDeaf: boolean;
  /** joined: answered with both updates; left: channel null; refused: no answer (like Discord). */
  outcome: 'joined' | 'left' | 'refused' | 'unknown-guild' | 'unknown-channel';
  refusedBecause?: string;
}

export interface VoiceSignallingDeps {
  gateway: GatewayServer;
  voice: VoiceGatewayServer;
  guild: (id: string) => GuildState | undefined;
  now: () => number;
}

/**
 * Answers the bot's voice state updates the way Discord does (VOICE_STATE_UPDATE, then VOICE_SERVER_UPDATE),
 * refuses joins it may not make (no answer at all), and plays Discord's side of moves, kicks and deletions.
 */
export class VoiceSignalling extends EventEmitter {
  readonly requests: BotVoiceRequest[] = [];
  /** Delay before VOICE_SERVER_UPDATE (the VOICE_STATE_UPDATE goes at once). */
  voiceServerDelayMs = 0;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: VoiceSignallingDeps) {
    super();
    deps.gateway.on('voiceStateUpdate', (session: GatewaySession, d: unknown) => this.#onRequest(session, d));
  }

  /** The first request (past or future) that matches. */
  waitForRequest(match: (r: BotVoiceRequest) => boolean, timeoutMs = 5000): Promise<BotVoiceRequest> {
    return waitFor(this, 'request', () => this.requests.find(match), {
      timeoutMs, what: 'a matching voice state update from the bot',
      detail: () => `requests: ${JSON.stringify(this.requests.map((r) => ({ channel: r.channelId, outcome: r.outcome })))}`,
    });
  }

  /** Moves the bot as a moderator would: VOICE_STATE_UPDATE with the new channel, then a new VOICE_SERVER_UPDATE. */
  moveBot(g: GuildState, channelId: string, closeOldWith?: number): void {
    const current = g.voiceStates.get(g.bot.id);
    const session = this.deps.gateway.live.find((s) => s.id === current?.sessionId);
    if (!current || !session) throw new FakeDiscordError('the bot is not in a voice channel of this guild: nothing to move');
    const state = g.setVoiceState(g.bot.id, channelId, { sessionId: session.id });
    this.#dispatchVoiceState(g, g.bot.id);
    if (closeOldWith !== undefined) this.deps.voice.closeConnections(closeOldWith, g.id);
    if (state) this.#sendServerUpdate(session, g, channelId);
  }

  /** Disconnects the bot as a moderator would: its voice state loses the channel, the voice socket closes 4014. */
  kickBot(g: GuildState): void {
    const sessionId = g.voiceStates.get(g.bot.id)?.sessionId;
    g.setVoiceState(g.bot.id, null);
    this.#dispatchVoiceState(g, g.bot.id, sessionId);
    this.deps.voice.closeConnections(4014, g.id);
  }

  /** Sends a user's voice state to the sessions that asked for voice states (intent GuildVoiceStates). */
  dispatchUserVoiceState(g: GuildState, userId: string, previousSessionId?: string): void {
    this.#dispatchVoiceState(g, userId, previousSessionId);
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #onRequest(session: GatewaySession, raw: unknown): void {
    const d = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const guildId = String(d['guild_id']);
    const channelId = typeof d['channel_id'] === 'string' ? d['channel_id'] : null;
    const request: BotVoiceRequest = {
      at: this.deps.now(), sessionId: session.id, guildId, channelId,
      selfMute: d['self_mute'] === true, selfDeaf: d['self_deaf'] === true, outcome: 'joined',
    };
    const g = this.deps.guild(guildId);
    if (!g) request.outcome = 'unknown-guild';
    else if (channelId === null) {
      request.outcome = 'left';
      g.setVoiceState(g.bot.id, null);
      this.#dispatchVoiceState(g, g.bot.id, session.id);
    } else {
      const channel = g.channels.get(channelId);
      const refusal = channel ? this.#refusal(g, channelId) : undefined;
      if (!channel || channel.type !== 2) request.outcome = 'unknown-channel';
      else if (refusal) {
        request.outcome = 'refused';
        request.refusedBecause = refusal;
      } else {
        g.setVoiceState(g.bot.id, channelId, { sessionId: session.id, selfMute: request.selfMute, selfDeaf: request.selfDeaf });
        this.#dispatchVoiceState(g, g.bot.id);
        this.#sendServerUpdate(session, g, channelId);
      }
    }
    this.requests.push(request);
    this.emit('request', request);
  }

  #refusal(g: GuildState, channelId: string): string | undefined {
    const channel = g.channel(channelId);
    if (channel.refuseJoins) return 'the test marked the channel as refusing joins';
    const bits = g.permissionsIn(channelId, g.bot.id);
    if (!hasPermission(bits, 'ViewChannel')) return 'missing ViewChannel';
    if (!hasPermission(bits, 'Connect')) return 'missing Connect';
    const others = g.usersIn(channelId).filter((id) => id !== g.bot.id).length;
    if (channel.userLimit > 0 && others >= channel.userLimit && !hasPermission(bits, 'MoveMembers')) return 'channel full';
    return undefined;
  }

  #sendServerUpdate(session: GatewaySession, g: GuildState, channelId: string): void {
    const token = randomToken(8);
    this.deps.voice.issue({ token, guildId: g.id, channelId, userId: g.bot.id, sessionId: session.id });
    const payload = { token, guild_id: g.id, endpoint: this.deps.voice.endpoint };
    if (this.voiceServerDelayMs <= 0) {
      this.deps.gateway.dispatchTo(session, 'VOICE_SERVER_UPDATE', payload);
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!session.ended) this.deps.gateway.dispatchTo(session, 'VOICE_SERVER_UPDATE', payload);
    }, this.voiceServerDelayMs);
    this.#timers.add(timer);
  }

  /** `sessionId` names the session of a user who just left (their state no longer has it). */
  #dispatchVoiceState(g: GuildState, userId: string, sessionId?: string): void {
    const isBot = userId === g.bot.id;
    // The bot always hears about itself; other users' states need the GuildVoiceStates intent.
    this.deps.gateway.dispatch('VOICE_STATE_UPDATE', voiceStatePayload(g, userId, g.voiceStates.get(userId), sessionId),
      (s) => isBot || (s.intents & GUILD_VOICE_STATES) !== 0);
  }
}
