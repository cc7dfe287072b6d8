import { EventEmitter } from 'node:events';
import {
  VoiceConnectionDisconnectReason,
  VoiceConnectionStatus,
  entersState,
  joinVoiceChannel,
  type AudioPlayer,
  type PlayerSubscription,
  type VoiceConnection,
  type VoiceConnectionState,
} from '@discordjs/voice';
import { sleep } from './backoff.js';
import type { VoiceTarget } from './types.js';

export interface VoiceLinkTimings {
  /** How long a join (or rejoin) may take before it is reported as failed. */
  joinTimeoutMs: number;
  /** After a 4014 close: how long to wait for a move (a new server update) before giving up. */
  movedGraceMs: number;
  /** Delays before each rejoin after an unexpected drop; the list's length bounds the attempts. */
  rejoinDelaysMs: readonly number[];
  /**
   * After a join, the longest wait for the call's end-to-end encryption (DAVE) group before the join counts as
   * done: the members refuse what the bot sends in the clear once they are in the group, so speech that started
   * before the bot had the group's keys would lose its first words. Alone in a channel there is no group: the
   * wait ends at this deadline.
   */
  e2eeWaitMs: number;
}

export interface VoiceLinkEvents {
  /** The connection is gone for good (kicked, rejoins spent, destroyed): the session must end. */
  lost: [reason: string];
  /** The connection reported an error (its state changes say what follows); for the log. */
  voiceError: [error: Error];
  /** Handling a state change threw (a bug, or a 'lost' listener that threw): caught here, for the log. */
  fault: [error: unknown];
}

/**
 * Owns one guild's VoiceConnection and applies the reconnect policy of @discordjs/voice's examples:
 * 4014 -> wait to see if it was a move, else give up; other drops -> rejoin with growing delay, bounded;
 * every wait for Ready has a deadline.
 */
export class VoiceLink extends EventEmitter<VoiceLinkEvents> {
  private connection: VoiceConnection | null = null;
  private readonly stop = new AbortController();
  private rejoins = 0;
  private rejoinLoop = false;
  private wasReady = false;
  /** The player's subscription to the connection; none while held back from a connection not yet end-to-end. */
  private subscription: PlayerSubscription | undefined;
  private holding = false;

  constructor(
    private readonly timings: VoiceLinkTimings,
    private readonly player: AudioPlayer,
  ) {
    super();
  }

  get channelId(): string | null {
    return this.connection?.joinConfig.channelId ?? null;
  }

  get status(): string {
    return this.connection?.state.status ?? 'none';
  }

  get ready(): boolean {
    return this.connection?.state.status === VoiceConnectionStatus.Ready;
  }

  /** Joins (or moves to) the target channel; resolves true once Ready, false on deadline or destroy. */
  async join(target: VoiceTarget): Promise<boolean> {
    if (this.stop.signal.aborted) return false;
    if (this.connection && this.connection.joinConfig.channelId !== target.channelId) {
      this.connection.rejoin({ channelId: target.channelId, selfDeaf: true, selfMute: false });
    } else if (!this.connection) {
      const connection = joinVoiceChannel({
        guildId: target.guildId,
        channelId: target.channelId,
        adapterCreator: target.adapterCreator,
        selfDeaf: true,
        selfMute: false,
      });
      this.connection = connection;
      this.subscription = connection.subscribe(this.player);
      connection.on('stateChange', (oldState, newState) => {
        this.onStateChange(connection, oldState, newState).catch((error: unknown) => this.emit('fault', error));
      });
      // Errors surface as state changes too; having a listener keeps an 'error' from crashing the process.
      connection.on('error', (error) => this.emit('voiceError', error));
    }
    return (await this.waitReady(this.timings.joinTimeoutMs)) && this.waitE2ee();
  }

  /**
   * Sends now the packet the player prepared for its next 20 ms cycle, if there is one. @discordjs/voice keeps
   * it when the player stops (a skip) or its resource ends, and sends it only when the player next plays:
   * skipped audio heard in front of the next message, or a message's last 20 ms held back until the next one.
   * Called when the player goes idle, that is in the cycle the packet was meant for. This and sendNow use the
   * connection's one prepared-packet slot, which the library's typings say to avoid: what they rely on is pinned by
   * test/session/preparedPacketSlot.test.ts, and package.json pins @discordjs/voice to the version it passed on.
   */
  flushPrepared(): void {
    const connection = this.connection;
    if (connection?.state.status === VoiceConnectionStatus.Ready) connection.dispatchAudio();
  }

  /**
   * Sends one Opus packet now instead of at the player's next cycle, which would prepare it on one tick and
   * send it on the next: the first packet of speech that starts while the player is idle. Returns false,
   * sending nothing, when the connection is not ready.
   */
  sendNow(packet: Buffer): boolean {
    const connection = this.connection;
    if (connection?.state.status !== VoiceConnectionStatus.Ready || this.holding) return false;
    connection.dispatchAudio(); // anything still prepared goes first, in order
    connection.playOpusPacket(packet);
    return true;
  }

  private async waitReady(ms: number): Promise<boolean> {
    const connection = this.connection;
    if (!connection) return false;
    try {
      await entersState(connection, VoiceConnectionStatus.Ready, AbortSignal.any([AbortSignal.timeout(ms), this.stop.signal]));
      this.wasReady = true;
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Back in Ready after a rejoin or a move, the connection may not have the call's DAVE group yet: the player would
   * resume at once and its first frames go out in the clear, which the members refuse (lost words). The player is
   * unsubscribed (it pauses, its audio waits) until the group's keys are there or e2eeWaitMs has passed.
   */
  private holdUntilE2ee(connection: VoiceConnection): void {
    if (this.holding || !e2eePending(connection)) return;
    this.holding = true;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    void this.waitE2ee().then(() => {
      this.holding = false;
      if (connection === this.connection && connection.state.status !== VoiceConnectionStatus.Destroyed) this.subscription = connection.subscribe(this.player);
    });
  }

  /** Waits (bounded) until the connection encrypts end to end or does not use DAVE; false if it stopped being ready. */
  private async waitE2ee(): Promise<boolean> {
    const connection = this.connection;
    if (!connection) return false;
    if (!e2eePending(connection)) return connection.state.status === VoiceConnectionStatus.Ready;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        connection.off('transitioned', check);
        connection.off('stateChange', check);
        this.stop.signal.removeEventListener('abort', done);
        resolve();
      };
      const check = (): void => {
        if (!e2eePending(connection)) done();
      };
      const timer = setTimeout(done, this.timings.e2eeWaitMs);
      connection.on('transitioned', check);
      connection.on('stateChange', check);
      this.stop.signal.addEventListener('abort', done);
    });
    return connection === this.connection && connection.state.status === VoiceConnectionStatus.Ready;
  }

  private async onStateChange(connection: VoiceConnection, oldState: VoiceConnectionState, newState: VoiceConnectionState): Promise<void> {
    if (connection !== this.connection || this.stop.signal.aborted) return;
    if (newState.status === VoiceConnectionStatus.Ready) {
      this.rejoins = 0;
      if (this.wasReady) this.holdUntilE2ee(connection);
      return;
    }
    if (newState.status === VoiceConnectionStatus.Destroyed) {
      this.connection = null;
      this.emit('lost', 'voice connection destroyed');
      return;
    }
    if (newState.status !== VoiceConnectionStatus.Disconnected) {
      if (oldState.status === VoiceConnectionStatus.Ready && this.wasReady) {
        this.watchRecovery(connection).catch((error: unknown) => this.emit('fault', error));
      }
      return;
    }
    if (newState.reason === VoiceConnectionDisconnectReason.WebSocketClose && newState.closeCode === 4014) {
      // 4014: kicked, or moved to another channel (then a new server update follows at once; the connection's
      // joinConfig, and so channelId, follows the move).
      try {
        await entersState(connection, VoiceConnectionStatus.Connecting, AbortSignal.any([AbortSignal.timeout(this.timings.movedGraceMs), this.stop.signal]));
        if (!(await this.waitReady(this.timings.joinTimeoutMs))) this.giveUp(connection, 'could not reconnect after being moved');
      } catch {
        this.giveUp(connection, 'disconnected from the voice channel');
      }
      return;
    }
    // Before the first Ready, the join deadline decides; afterwards one recovery loop at a time.
    if (this.wasReady) await this.rejoinWithBackoff(connection);
  }

  /**
   * After most voice closes (4006, 4015, network errors) @discordjs/voice rejoins or resumes by itself, with no
   * deadline: if Discord never answers that rejoin, the connection would wait in Signalling forever. Give it
   * the join deadline, then take over with the bounded rejoin loop.
   */
  private async watchRecovery(connection: VoiceConnection): Promise<void> {
    if (this.rejoinLoop) return;
    if (await this.waitReady(this.timings.joinTimeoutMs)) return;
    if (connection !== this.connection || this.stop.signal.aborted) return;
    if (connection.state.status === VoiceConnectionStatus.Disconnected || connection.state.status === VoiceConnectionStatus.Destroyed) return;
    await this.rejoinWithBackoff(connection);
  }

  /** Rejoins with growing delays until Ready or the delays are spent; one loop at a time per link. */
  private async rejoinWithBackoff(connection: VoiceConnection): Promise<void> {
    if (this.rejoinLoop) return;
    this.rejoinLoop = true;
    try {
      await this.rejoinLoopBody(connection);
    } finally {
      this.rejoinLoop = false;
    }
  }

  private async rejoinLoopBody(connection: VoiceConnection): Promise<void> {
    for (;;) {
      const delay = this.timings.rejoinDelaysMs[this.rejoins];
      if (delay === undefined) return this.giveUp(connection, 'voice connection lost and rejoining failed');
      this.rejoins++;
      if (!(await sleep(delay, this.stop.signal)) || connection !== this.connection) return;
      const status = connection.state.status;
      if (status === VoiceConnectionStatus.Ready || status === VoiceConnectionStatus.Destroyed) return;
      connection.rejoin();
      if (await this.waitReady(this.timings.joinTimeoutMs)) return;
    }
  }

  private giveUp(connection: VoiceConnection, reason: string): void {
    if (connection !== this.connection) return;
    this.connection = null;
    if (connection.state.status !== VoiceConnectionStatus.Destroyed) connection.destroy();
    this.emit('lost', reason);
  }

  /** Leaves the channel and releases the connection. Idempotent. */
  destroy(): void {
    this.stop.abort();
    const connection = this.connection;
    this.connection = null;
    if (connection && connection.state.status !== VoiceConnectionStatus.Destroyed) connection.destroy();
  }
}

/** Ready, speaking DAVE, and not yet in the call's group (what it would send now goes out unencrypted). */
function e2eePending(connection: VoiceConnection): boolean {
  const state = connection.state;
  if (state.status !== VoiceConnectionStatus.Ready) return false;
  const networking = state.networking.state;
  const dave = 'dave' in networking ? networking.dave : undefined;
  return dave !== undefined && dave.protocolVersion > 0 && dave.session?.ready !== true;
}
