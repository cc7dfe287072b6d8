import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { AudioPlayerStatus, NoSubscriberBehavior, StreamType, createAudioPlayer, createAudioResource, type AudioPlayer, type AudioPlayerState } from '@discordjs/voice';
import { ItemPreparer } from './ItemPreparer.js';
import { watchPlayout, type PlayoutObservation } from './PlayoutDelay.js';
import type { PreparedItem } from './PreparedItem.js';
import { Queue } from './Queue.js';
import type { SessionContext } from './sessionContext.js';
import { forgetGoneVoice, touchOwnedVoice } from './goneVoice.js';
import { Settler, type SettleEvents } from './Settler.js';
import { startPlayback } from './startPlayback.js';
import type { EnqueueResult, JoinResult, PauseState, QueueItem, QueueItemInput, SessionStatus, VoiceOverride, VoiceTarget } from './types.js';
import { VoiceLink } from './VoiceLink.js';

export { DEFAULT_TIMINGS, type SessionContext, type SessionTimings } from './sessionContext.js';

/** report, pause, retry, notice, played and usage (see SettleEvents), counters, and the end of the session. */
export interface GuildSessionEvents extends SettleEvents {
  ended: [reason: string];
  /** The voice connection or the audio player reported an error (for the log; state changes say what follows). */
  voiceError: [source: 'connection' | 'player', error: Error];
  /**
   * Something threw inside a callback of the player, the connection, a timer or a promise (a store, a listener,
   * a bug): caught there so it cannot wedge @discordjs/voice's state machine, and told here for the log.
   */
  fault: [error: unknown, where: string];
  /** An item's first packet went to the voice connection, at `at` (the session's clock; counters). */
  audible: [item: QueueItem, at: number];
  /** Reads that found no packet while MiniMax was still sending: silence frames inside an item (counters). */
  underruns: [frames: number];
  /** An item was stopped by /skip or /clear, before 'played' if its synthesis had already ended (counters). */
  skipped: [item: QueueItem];
  /** An item was accepted into the queue; told before anything can happen to it (kept for a crash: PendingItems). */
  queued: [item: QueueItem];
}

const SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

/**
 * One guild's voice presence: its connection, player, queue and the items being synthesized. Items play one at
 * a time; the next one is synthesized while the current one plays, and starts in the same player tick.
 */
export class GuildSession extends EventEmitter<GuildSessionEvents> {
  private readonly player: AudioPlayer;
  private readonly link: VoiceLink;
  private readonly queue: Queue;
  private readonly preparer: ItemPreparer;
  private readonly settler: Settler;
  private current: PreparedItem | null = null;
  private next: PreparedItem | null = null;
  /** The playing item's reads, counted for the playout delay (see PlayoutDelay). */
  private watched: { prepared: PreparedItem; observe: () => PlayoutObservation } | null = null;
  private leaveTimer: NodeJS.Timeout | null = null;
  /** Dropped items whose usage is not recorded yet (see `drop`). */
  private readonly dropping = new Set<Promise<void>>();
  private destroyed = false;
  private finished: Promise<void> | null = null;
  private lastChannelId: string | null = null;

  constructor(
    readonly guildId: string,
    private readonly ctx: SessionContext,
  ) {
    super();
    this.queue = new Queue(ctx.limits, ctx.now);
    this.preparer = new ItemPreparer(guildId, ctx, () => this.link.channelId);
    this.settler = new Settler({
      timings: ctx.timings,
      events: this,
      serverVoiceOf: (prepared) => this.preparer.serverVoiceOf(prepared),
      onRetryDue: () => this.guard('retry timer', () => this.advance()),
      voiceGone: (prepared, error) =>
        forgetGoneVoice(ctx.store, guildId, {
          authorId: prepared.item.authorId,
          voiceId: prepared.settings?.voice.voiceId,
          language: this.preparer.languageVoiceOf(prepared),
        }, error),
      voiceUsed: (prepared) => touchOwnedVoice(ctx.store, prepared.settings?.voice.voiceId, ctx.now()),
    });
    this.player = createAudioPlayer({
      behaviors: { noSubscriber: NoSubscriberBehavior.Pause, maxMissedFrames: Math.ceil(ctx.timings.maxStallMs / 20) },
    });
    this.player.on('stateChange', (oldState, newState) => this.guard('player state change', () => this.onPlayerState(oldState, newState)));
    // A failing stream ends the resource (Idle follows) and the item's own outcome is reported; the log gets the cause.
    this.player.on('error', (error) => this.guard('player error', () => this.emit('voiceError', 'player', error)));
    this.link = new VoiceLink(ctx.timings, this.player);
    this.link.on('lost', (reason) => this.guard('voice connection lost', () => this.destroy(reason)));
    this.link.on('voiceError', (error) => this.guard('voice connection error', () => this.emit('voiceError', 'connection', error)));
    this.link.on('fault', (error) => this.guard('voice connection state change', () => this.emit('fault', error, 'voice connection state change')));
  }

  /** The voice channel the bot is in (or joining). */
  get channelId(): string | null {
    return this.link.channelId;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Whether the bot is in `channelId` with a ready voice connection (a join there would be a no-op). */
  readyIn(channelId: string): boolean {
    return this.link.ready && this.link.channelId === channelId;
  }

  /** Joins or moves to the target's channel; the deadline is the join timeout. */
  async join(target: VoiceTarget): Promise<JoinResult> {
    if (this.destroyed) return { ok: false, reason: 'destroyed' };
    const alreadyThere = this.readyIn(target.channelId);
    if (alreadyThere) return { ok: true, channelId: target.channelId, alreadyThere };
    const ready = await this.link.join(target);
    if (this.destroyed) return { ok: false, reason: 'destroyed' };
    if (!ready) return { ok: false, reason: 'timeout' };
    this.ctx.store.setActiveSession(this.guildId, { voiceChannelId: target.channelId, ...(this.lastChannelId ? { textChannelId: this.lastChannelId } : {}) });
    return { ok: true, channelId: target.channelId, alreadyThere: false };
  }

  /**
   * Opens the T2A task that an item by `authorId` (with `override`) would use, without sending any text: called
   * while the voice connection is being joined, so the task is ready when the item comes. A no-op when speech is
   * paused or the session is over; failures are silent (the item meets and reports them).
   */
  warm(authorId: string, override?: VoiceOverride, text?: string): void {
    if (this.destroyed || this.ctx.pausedFor(this.guildId)) return;
    this.ctx.synthesizer.warm?.(this.preparer.taskSettingsFor(authorId, override, text));
  }

  enqueue(input: QueueItemInput): EnqueueResult {
    if (this.destroyed) return { ok: false, reason: 'destroyed' };
    // A text refused here is never sent nor counted as queued; the budget is checked again as each item starts.
    const pause = this.pauseFor(input);
    if (pause) return { ok: false, reason: 'paused', detail: pause.message };
    const pushed = this.queue.push(input, this.inFlight());
    if (!pushed.ok) return pushed;
    this.emit('queued', pushed.item);
    this.lastChannelId = input.source.channelId;
    this.advance();
    // 1 = being read now; n = n - 1 texts go before it.
    const position = this.lineup().indexOf(pushed.item) + 1;
    if (position === 0) {
      // Dropped as it came off the queue (the budget was found spent): the caller is told why, never "queued".
      const detail = this.ctx.pausedFor(this.guildId)?.message;
      return { ok: false, reason: 'paused', ...(detail !== undefined ? { detail } : {}) };
    }
    return { ...pushed, position };
  }

  /** Items out of the queue but not finished, in playing order: current, awaiting retry, prefetched. */
  private inFlight(): QueueItem[] {
    return [this.current?.item, this.settler.pending ?? undefined, this.next?.item].filter((i): i is QueueItem => i !== undefined);
  }

  /** Everything not yet finished, in the order it will be heard. */
  private lineup(): QueueItem[] {
    return [...this.inFlight(), ...this.queue.list()];
  }

  /** Stops the current item at once, even while it is still being synthesized; the next one goes on. */
  skip(): boolean {
    const current = this.current;
    if (!current) return false;
    this.emit('skipped', current.item);
    current.abort();
    this.player.stop(true);
    return true;
  }

  /** Stops the current item and empties the queue; returns how many items were dropped. */
  clear(): number {
    const drained = [...this.queue.drain(), ...(this.settler.pending ? [this.settler.pending] : []), ...(this.next ? [this.next.item] : [])];
    for (const item of drained) this.emit('skipped', item);
    const dropped = drained.length;
    this.settler.cancel();
    this.drop(this.next);
    this.next = null;
    return dropped + (this.skip() ? 1 : 0);
  }

  /** Number of people (not bots) in the bot's channel; none left arms the leave timer. */
  setHumanCount(count: number): void {
    if (count > 0) {
      if (this.leaveTimer) clearTimeout(this.leaveTimer);
      this.leaveTimer = null;
    } else if (!this.leaveTimer && !this.destroyed) {
      this.leaveTimer = setTimeout(() => this.guard('leave timer', () => this.destroy('everyone left the voice channel')), this.ctx.timings.leaveEmptyAfterMs);
    }
  }

  status(): SessionStatus {
    return {
      guildId: this.guildId,
      channelId: this.channelId,
      connection: this.link.status,
      playing: this.current?.item ?? null,
      queued: this.lineup().length - (this.current ? 1 : 0),
      paused: this.ctx.pausedFor(this.guildId),
    };
  }

  /** Starts the next item if nothing is playing; plays a short silent tail when the queue has run dry. */
  private advance(): void {
    if (this.destroyed || this.settler.waiting) return;
    if (this.current) {
      // Something is playing: make sure the item behind it is already being synthesized.
      this.prefetch();
      return;
    }
    const prepared = this.takeNext();
    if (!prepared) return;
    this.current = prepared;
    if (prepared.resource.ended) {
      // It failed before a packet could play (e.g. prefetched, then refused): nothing to hear, only to settle.
      // Nothing behind it starts first: if it is to be retried, the retry must reach MiniMax before the rest.
      void prepared.outcome.then(() => this.guard('item outcome', () => this.finish(prepared, false)));
      return;
    }
    this.prefetch();
    this.startPlaying(prepared);
  }

  /** Plays the item once its first packet exists (see startPlayback: from idle, the first packet goes at once). */
  private startPlaying(prepared: PreparedItem): void {
    const audible = (): void => void this.emit('audible', prepared.item, this.ctx.now());
    this.watched = { prepared, observe: watchPlayout(prepared.resource, () => prepared.settled === undefined, audible) };
    startPlayback(prepared.resource, {
      player: this.player,
      sendNow: (packet) => this.link.sendNow(packet),
      ready: () => this.link.ready,
      current: () => this.current === prepared && !this.destroyed,
      endedEarly: (heard) =>
        this.guard('playback start', () => {
          if (heard) this.finish(prepared, true);
          else void prepared.outcome.then(() => this.guard('item outcome', () => this.finish(prepared, false)));
        }),
      timings: { ...this.ctx.timings, playoutDelayMs: this.ctx.playout.ms },
    });
  }

  private takeNext(): PreparedItem | null {
    for (;;) {
      const retry = this.settler.take();
      if (retry) {
        const p = this.prepare(retry);
        if (p) return p;
        continue;
      }
      if (this.next) {
        const p = this.next;
        this.next = null;
        return p;
      }
      const item = this.queue.shift();
      if (!item) return null;
      const p = this.prepare(item);
      if (p) return p;
    }
  }

  /** Starts synthesis for the item behind the current one, so it is ready when the current one ends. */
  private prefetch(): void {
    if (this.next || this.settler.pending) return;
    const item = this.queue.shift();
    if (item) this.next = this.prepare(item);
    if (!this.next && this.queue.length > 0) this.prefetch();
  }

  /** Starts T2A + transcoder for the item, unless speech is paused (then the item is reported, not lost). */
  private prepare(item: QueueItem): PreparedItem | null {
    const paused = this.pauseFor(item);
    if (paused) {
      this.emit('report', { item, kind: 'paused', reason: paused.message });
      return null;
    }
    return this.preparer.prepare(item);
  }

  /** The pause that holds an item: none for ready audio, which asks nothing of MiniMax and costs no characters. */
  private pauseFor(item: QueueItemInput): PauseState | null {
    if (item.audio !== undefined) return null;
    return this.ctx.pausedFor(this.guildId) ?? this.ctx.checkBudget(this.guildId, item.source.channelId);
  }

  private onPlayerState(oldState: AudioPlayerState, newState: AudioPlayerState): void {
    if (newState.status !== AudioPlayerStatus.Idle || oldState.status === AudioPlayerStatus.Idle) return;
    // Stopped or ended: the packet prepared for this cycle goes out now, not in front of the next item.
    this.link.flushPrepared();
    const current = this.current;
    if (!current || oldState.resource !== current.resource) return;
    this.finish(current, true);
  }

  /**
   * The current item is over: settle it first (a retry must go before the prefetched item), then start the next
   * one synchronously, inside the player's tick, so its first packet goes out in the same 20 ms cycle.
   */
  private finish(prepared: PreparedItem, played: boolean): void {
    if (this.current !== prepared) return;
    this.current = null;
    if (this.watched?.prepared === prepared) {
      const seen = this.watched.observe();
      if (played) this.ctx.playout.observe(seen);
      if (seen.underruns > 0) this.emit('underruns', seen.underruns);
      this.watched = null;
    }
    // Settling tells the store and the listeners; whatever they throw, the next item still starts below.
    const settled = prepared.settled;
    if (settled) this.guard('settling an item', () => this.settler.settle(prepared, settled, this.destroyed));
    else void prepared.outcome.then((outcome) => this.guard('settling an item', () => this.settler.settle(prepared, outcome, this.destroyed)));
    this.advance();
    if (played && !this.current && !this.destroyed) this.playTail();
  }

  /**
   * Runs a callback of the player, the connection, a timer or a promise: whatever it throws is told as a 'fault'
   * instead of escaping into @discordjs/voice (which would stop driving this player) or the process.
   */
  private guard(where: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      try {
        this.emit('fault', error, where);
      } catch {
        // A 'fault' listener that throws too has nothing left to tell it to.
      }
    }
  }

  /** Five silence frames after the last item, as Discord asks, so listeners' decoders do not smear the end. */
  private playTail(): void {
    const tail = createAudioResource(Readable.from([SILENCE, SILENCE, SILENCE, SILENCE, SILENCE]), { inputType: StreamType.Opus, silencePaddingFrames: 0 });
    this.player.play(tail);
  }

  /**
   * Settles once a destroyed session owes nothing more: the items it was reading have their outcomes (and so
   * their usage is recorded) and its MiniMax connections are finished or closed. Resolves at once for a live session.
   */
  whenFinished(): Promise<void> {
    return this.finished ?? Promise.resolve();
  }

  /**
   * Cancels an item that will not be settled (prefetched and cleared, or cut by the session's end) and records
   * its usage once its synthesis has stopped: whatever reached MiniMax is billed.
   */
  private drop(prepared: PreparedItem | null): void {
    if (!prepared) return;
    prepared.abort();
    const recorded = prepared.outcome.then((outcome) => this.settler.record(outcome, prepared.model));
    this.dropping.add(recorded);
    const forget = (): void => void this.dropping.delete(recorded);
    recorded.then(forget, forget);
  }

  /** Leaves the channel, cancels everything in flight, and reports what was still queued. Idempotent. */
  destroy(reason: string): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.leaveTimer) clearTimeout(this.leaveTimer);
    this.leaveTimer = null;
    const pending = [...(this.settler.pending ? [this.settler.pending] : []), ...(this.next ? [this.next.item] : []), ...this.queue.drain()];
    this.settler.cancel();
    this.drop(this.next);
    this.next = null;
    const current = this.current;
    this.current = null;
    this.drop(current);
    this.player.stop(true);
    this.link.destroy();
    // What the session still owes (the cut items' usage recorded, MiniMax sockets finished or closed) is awaited
    // by whenFinished(), so shutdown closes the store only after it.
    const owed: Promise<unknown>[] = [this.ctx.synthesizer.close(), ...this.dropping];
    this.finished = Promise.allSettled(owed).then(() => undefined);
    // The item being read is stopped too: tell its author rather than lose it silently.
    if (current) {
      const cut = current.audioStarted;
      this.emit('report', { item: current.item, kind: cut ? 'cut' : 'failed', reason: `${cut ? 'stopped' : 'not read'}: ${reason}` });
    }
    for (const item of pending) this.emit('report', { item, kind: 'failed', reason: `not read: ${reason}` });
    this.emit('ended', reason);
  }
}
