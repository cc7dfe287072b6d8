import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { AudioPlayerStatus, NoSubscriberBehavior, StreamType, createAudioPlayer, createAudioResource, type AudioPlayer, type AudioPlayerState } from '@discordjs/voice';
import type { TranscoderFactory } from '../audio/types.js';
import type { DictionaryEntry, ResolvedVoice, Store } from '../store/types.js';
import { resolveVoice } from '../store/resolveVoice.js';
import type { Synthesizer } from '../t2a/types.js';
import { compileDictionary, splitForT2A, type CompiledDictionary } from '../text/index.js';
import { backoffDelay } from './backoff.js';
import { DEFAULT_PAUSE_COOLDOWNS, judge, shortReason, type PauseCooldowns, type Verdict } from './failures.js';
import { PreparedItem, type Outcome } from './PreparedItem.js';
import { Queue, type QueueLimits } from './Queue.js';
import type { EnqueueResult, ItemReport, JoinResult, PauseState, QueueItem, QueueItemInput, SessionStatus, VoiceTarget } from './types.js';
import { VoiceLink, type VoiceLinkTimings } from './VoiceLink.js';
import { toTaskSettings } from './voiceSettings.js';

export interface SessionTimings extends VoiceLinkTimings, PauseCooldowns {
  /** Leave this long after the last human left the channel. */
  leaveEmptyAfterMs: number;
  /** Underrun tolerated mid-utterance before the player gives up on a stalled stream. */
  maxStallMs: number;
  /** Retries of one item after rate limits or transient faults: base and cap of the backoff, and the count. */
  retryBaseMs: number;
  retryMaxMs: number;
  retryAttempts: number;
}

export const DEFAULT_TIMINGS: SessionTimings = {
  joinTimeoutMs: 20_000,
  movedGraceMs: 5_000,
  rejoinDelaysMs: [1_000, 3_000, 5_000, 10_000, 20_000],
  leaveEmptyAfterMs: 30_000,
  maxStallMs: 15_000,
  retryBaseMs: 1_000,
  retryMaxMs: 16_000,
  retryAttempts: 4,
  ...DEFAULT_PAUSE_COOLDOWNS,
};

/** What a session needs from its manager. */
export interface SessionContext {
  synthesizer: Synthesizer;
  transcoders: TranscoderFactory;
  store: Store;
  defaults: ResolvedVoice;
  limits: QueueLimits;
  timings: SessionTimings;
  now: () => number;
  /** The pause in force for this guild (its own, or one for every guild), if any. */
  pausedFor: (guildId: string) => PauseState | null;
  /** Called before an item is synthesized: returns a pause when the guild's character budget is spent. */
  checkBudget: (guildId: string, channelId: string) => PauseState | null;
}

export interface GuildSessionEvents {
  report: [report: ItemReport];
  /** An upstream failure that pauses speech; the manager decides scope and tells the admins once. */
  pause: [verdict: Extract<Verdict, { action: 'pause' }>, channelId: string | null];
  /** A retry is scheduled (for the log, not the channel). */
  retry: [item: QueueItem, attempt: number, delayMs: number, error: unknown];
  /** Admin-facing message about the server's setup (a server voice MiniMax refuses), sent once. */
  notice: [channelId: string | null, message: string];
  /** An item was synthesized in full and handed to the player (counters, tests). */
  played: [item: QueueItem];
  usage: [characters: number];
  ended: [reason: string];
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
  private current: PreparedItem | null = null;
  private next: PreparedItem | null = null;
  private readonly attempts = new Map<number, number>();
  private retryTimer: NodeJS.Timeout | null = null;
  private retryItem: QueueItem | null = null;
  private leaveTimer: NodeJS.Timeout | null = null;
  private destroyed = false;
  private lastChannelId: string | null = null;
  private dictionary: { key: string; compiled: CompiledDictionary } | null = null;
  /** Items spoken with the server-wide voice (server setting or bot default), and that voice. */
  private readonly serverVoiceOf = new WeakMap<PreparedItem, string>();
  /** The server-wide voice MiniMax refused, once its notice went out (cleared when it plays again). */
  private badServerVoice: string | null = null;

  constructor(
    readonly guildId: string,
    private readonly ctx: SessionContext,
  ) {
    super();
    this.queue = new Queue(ctx.limits, ctx.now);
    this.player = createAudioPlayer({
      behaviors: { noSubscriber: NoSubscriberBehavior.Pause, maxMissedFrames: Math.ceil(ctx.timings.maxStallMs / 20) },
    });
    this.player.on('stateChange', (oldState, newState) => this.onPlayerState(oldState, newState));
    // A failing stream ends the resource (Idle follows); the item's own outcome says what went wrong.
    this.player.on('error', () => undefined);
    this.link = new VoiceLink(ctx.timings, this.player);
    this.link.on('lost', (reason) => this.destroy(reason));
  }

  /** The voice channel the bot is in (or joining). */
  get channelId(): string | null {
    return this.link.channelId;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Joins or moves to the target's channel; the deadline is the join timeout. */
  async join(target: VoiceTarget): Promise<JoinResult> {
    if (this.destroyed) return { ok: false, reason: 'destroyed' };
    const alreadyThere = this.link.ready && this.link.channelId === target.channelId;
    if (alreadyThere) return { ok: true, channelId: target.channelId, alreadyThere };
    const ready = await this.link.join(target);
    if (this.destroyed) return { ok: false, reason: 'destroyed' };
    if (!ready) return { ok: false, reason: 'timeout' };
    this.ctx.store.setActiveSession(this.guildId, { voiceChannelId: target.channelId, ...(this.lastChannelId ? { textChannelId: this.lastChannelId } : {}) });
    return { ok: true, channelId: target.channelId, alreadyThere: false };
  }

  enqueue(input: QueueItemInput): EnqueueResult {
    if (this.destroyed) return { ok: false, reason: 'destroyed' };
    const pause = this.ctx.pausedFor(this.guildId);
    if (pause) return { ok: false, reason: 'paused', detail: pause.message };
    const pushed = this.queue.push(input, this.inFlight());
    if (!pushed.ok) return pushed;
    this.lastChannelId = input.source.channelId;
    this.advance();
    // 1 = being read now; n = n - 1 texts go before it.
    const position = this.lineup().indexOf(pushed.item) + 1;
    return { ...pushed, position };
  }

  /** Items out of the queue but not finished, in playing order: current, awaiting retry, prefetched. */
  private inFlight(): QueueItem[] {
    return [this.current?.item, this.retryItem ?? undefined, this.next?.item].filter((i): i is QueueItem => i !== undefined);
  }

  /** Everything not yet finished, in the order it will be heard. */
  private lineup(): QueueItem[] {
    return [...this.inFlight(), ...this.queue.list()];
  }

  /** Stops the current item at once, even while it is still being synthesized; the next one goes on. */
  skip(): boolean {
    const current = this.current;
    if (!current) return false;
    current.abort();
    this.player.stop(true);
    return true;
  }

  /** Stops the current item and empties the queue; returns how many items were dropped. */
  clear(): number {
    const dropped = this.queue.drain().length + (this.retryItem ? 1 : 0) + (this.next ? 1 : 0);
    this.cancelRetry();
    this.next?.abort();
    this.next = null;
    return dropped + (this.skip() ? 1 : 0);
  }

  /** Number of people (not bots) in the bot's channel; none left arms the leave timer. */
  setHumanCount(count: number): void {
    if (count > 0) {
      if (this.leaveTimer) clearTimeout(this.leaveTimer);
      this.leaveTimer = null;
    } else if (!this.leaveTimer && !this.destroyed) {
      this.leaveTimer = setTimeout(() => this.destroy('everyone left the voice channel'), this.ctx.timings.leaveEmptyAfterMs);
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
    if (this.destroyed || this.retryTimer) return;
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
      void prepared.outcome.then(() => this.finish(prepared, false));
      return;
    }
    this.prefetch();
    this.startPlaying(prepared);
  }

  /**
   * Plays the item once its first packet exists. A player started earlier waits in Buffering and takes the packet
   * a tick later; started now (with the audio cycle idle), the cycle prepares the packet at once: 20 ms sooner.
   */
  private startPlaying(prepared: PreparedItem): void {
    const { resource } = prepared;
    if (resource.started) {
      this.player.play(resource);
      return;
    }
    const stream = resource.playStream;
    const go = (): void => {
      stream.off('readable', go);
      stream.off('close', go);
      if (this.current !== prepared || this.destroyed) return;
      // Closed before any packet (failed, skipped): there is nothing to play, only to settle.
      if (resource.ended) void prepared.outcome.then(() => this.finish(prepared, false));
      else this.player.play(resource);
    };
    stream.on('readable', go);
    stream.on('close', go);
  }

  private takeNext(): PreparedItem | null {
    for (;;) {
      if (this.retryItem) {
        const item = this.retryItem;
        this.retryItem = null;
        const p = this.prepare(item);
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
    if (this.next || this.retryItem) return;
    const item = this.queue.shift();
    if (item) this.next = this.prepare(item);
    if (!this.next && this.queue.length > 0) this.prefetch();
  }

  /** Resolves the voice now (a settings change applies from the next item) and starts T2A + transcoder. */
  private prepare(item: QueueItem): PreparedItem | null {
    const paused = this.ctx.pausedFor(this.guildId) ?? this.ctx.checkBudget(this.guildId, item.source.channelId);
    if (paused) {
      this.emit('report', { item, kind: 'paused', reason: paused.message });
      return null;
    }
    const settings = this.ctx.store.getGuildSettings(this.guildId);
    const member = this.ctx.store.getMemberVoice(this.guildId, item.authorId);
    const voice = resolveVoice(this.ctx.defaults, settings.voice, member, item.override);
    const dictionary = this.ctx.store.listDictionary(this.guildId);
    const text = this.compiledDictionary(dictionary, settings.allowSpecialMarkup).apply(item.text);
    const prepared = new PreparedItem(item, splitForT2A(text), toTaskSettings(voice, dictionary), this.ctx.synthesizer, this.ctx.transcoders);
    if (item.override?.voiceId === undefined && member.voiceId === undefined) this.serverVoiceOf.set(prepared, voice.voiceId);
    return prepared;
  }

  /** The guild's dictionary as a matcher, rebuilt only when the entries change (building one costs ms). */
  private compiledDictionary(entries: readonly DictionaryEntry[], allowSpecialMarkup: boolean): CompiledDictionary {
    const key = JSON.stringify([allowSpecialMarkup, entries]);
    if (this.dictionary?.key !== key) this.dictionary = { key, compiled: compileDictionary(entries, { allowSpecialMarkup }) };
    return this.dictionary.compiled;
  }

  private onPlayerState(oldState: AudioPlayerState, newState: AudioPlayerState): void {
    if (newState.status !== AudioPlayerStatus.Idle || oldState.status === AudioPlayerStatus.Idle) return;
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
    if (prepared.settled) this.settle(prepared, prepared.settled);
    else void prepared.outcome.then((outcome) => this.settle(prepared, outcome));
    this.advance();
    if (played && !this.current && !this.destroyed) this.playTail();
  }

  private settle(prepared: PreparedItem, outcome: Outcome): void {
    // usage_characters comes from upstream: only a finite, positive count is recorded.
    const billed = Math.round(outcome.usageCharacters);
    if (Number.isFinite(billed) && billed > 0) this.emit('usage', billed);
    const serverVoice = this.serverVoiceOf.get(prepared);
    if (outcome.ok || outcome.aborted || this.destroyed) {
      this.attempts.delete(prepared.item.id);
      if (outcome.ok && serverVoice === this.badServerVoice) this.badServerVoice = null;
      if (outcome.ok) this.emit('played', prepared.item);
      return;
    }
    const verdict = judge(outcome.error, outcome.audioStarted, this.ctx.timings);
    const item = prepared.item;
    if (verdict.action === 'retry') {
      const attempt = (this.attempts.get(item.id) ?? 0) + 1;
      const t = this.ctx.timings;
      const delay = backoffDelay(attempt - 1, t.retryBaseMs, t.retryMaxMs, t.retryAttempts);
      if (delay !== undefined) {
        this.attempts.set(item.id, attempt);
        this.scheduleRetry(item, delay);
        this.emit('retry', item, attempt, delay, outcome.error);
        return;
      }
      this.attempts.delete(item.id);
      this.emit('report', { item, kind: 'failed', reason: 'the speech service kept failing; gave up after retrying' });
      return;
    }
    this.attempts.delete(item.id);
    if (verdict.action === 'pause') {
      this.emit('pause', verdict, item.source.channelId);
      this.emit('report', { item, kind: 'paused', reason: verdict.pause.message });
      return;
    }
    if (verdict.kind === 'skipped_voice' && serverVoice !== undefined && serverVoice !== this.badServerVoice) {
      // Every item in the server's voice will fail the same way: the admins hear about it once, with the fix.
      this.badServerVoice = serverVoice;
      this.emit('notice', item.source.channelId, badServerVoiceNotice(serverVoice, shortReason(outcome.error)));
    }
    this.emit('report', { item, kind: verdict.kind, reason: verdict.reason });
  }

  /**
   * Keeps the failed item first in line: nothing behind it plays before it is retried. An item already being
   * synthesized behind it keeps its audio and plays right after.
   */
  private scheduleRetry(item: QueueItem, delayMs: number): void {
    this.retryItem = item;
    this.cancelRetryTimer();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.advance();
    }, delayMs);
  }

  private cancelRetryTimer(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private cancelRetry(): void {
    this.cancelRetryTimer();
    this.retryItem = null;
  }

  /** Five silence frames after the last item, as Discord asks, so listeners' decoders do not smear the end. */
  private playTail(): void {
    const tail = createAudioResource(Readable.from([SILENCE, SILENCE, SILENCE, SILENCE, SILENCE]), { inputType: StreamType.Opus, silencePaddingFrames: 0 });
    this.player.play(tail);
  }

  /** Leaves the channel, cancels everything in flight, and reports what was still queued. Idempotent. */
  destroy(reason: string): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.leaveTimer) clearTimeout(this.leaveTimer);
    this.leaveTimer = null;
    const pending = [...(this.retryItem ? [this.retryItem] : []), ...(this.next ? [this.next.item] : []), ...this.queue.drain()];
    this.cancelRetry();
    this.next?.abort();
    this.next = null;
    const current = this.current;
    this.current = null;
    current?.abort();
    this.player.stop(true);
    this.link.destroy();
    // The item being read is stopped too: tell its author rather than lose it silently.
    if (current) {
      const cut = current.audioStarted;
      this.emit('report', { item: current.item, kind: cut ? 'cut' : 'failed', reason: `${cut ? 'stopped' : 'not read'}: ${reason}` });
    }
    void this.ctx.synthesizer.close().catch(() => undefined);
    for (const item of pending) this.emit('report', { item, kind: 'failed', reason: `not read: ${reason}` });
    this.emit('ended', reason);
  }
}

/** The admin-facing notice for a server-wide voice that MiniMax refuses. */
function badServerVoiceNotice(voiceId: string, why: string): string {
  return `The server's voice "${voiceId.slice(0, 100)}" cannot be used (${why}), so messages in it are skipped. Server admins: pick another with /voice set voice, or go back to the bot's default with /voice reset.`;
}
