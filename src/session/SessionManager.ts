import { EventEmitter } from 'node:events';
import type { TranscoderFactory } from '../audio/types.js';
import { ACCOUNT_AWAY_WORDS, type AccountBudget, type AccountUsage } from '../store/accountBudget.js';
import { effectiveCaps } from '../store/budget.js';
import type { Store } from '../store/types.js';
import type { Model, Synthesizer } from '../t2a/types.js';
import { AudioCache, CachingSynthesizer } from './AudioCache.js';
import { DEFAULT_TIMINGS, GuildSession, type SessionTimings } from './GuildSession.js';
import { PendingItems } from './pendingItems.js';
import { DEFAULT_PLAYOUT_DELAY, PlayoutDelay, type PlayoutObservation } from './PlayoutDelay.js';
import type { QueueLimits } from './Queue.js';
import type { ItemReport, JoinResult, PauseState, QueueItem, SessionStatus, VoiceOverride, VoiceTarget } from './types.js';

export interface SessionManagerOptions {
  /** One synthesizer (warm MiniMax connection) per guild session. */
  synthesizerFactory: () => Synthesizer;
  transcoders: TranscoderFactory;
  store: Store;
  defaults: { voiceId: string; model: Model };
  limits: QueueLimits;
  /** The owner's per-guild character caps (null: none); admins' caps in the store can only be lower. */
  budget: { dailyChars: number | null; monthlyChars: number | null };
  timings?: Partial<SessionTimings>;
  /** The playout delay every session uses; default: learned, from timings.playoutDelayMs up, kept in the store (PLAYOUT_DELAY_MS=auto). */
  playout?: PlayoutDelay;
  now?: () => number;
  /** Shared cache of short phrases' audio; repeats are played from it and billed nothing. */
  audioCache?: AudioCache;
  /** See SessionContext.opusBitrate. */
  opusBitrate?: (channelId: string) => number | undefined;
  /** The owner's account-wide monthly cap (every server, every process; see store/accountBudget). */
  account?: Pick<AccountBudget, 'admit' | 'refresh' | 'epoch'>;
}

export interface SessionManagerEvents {
  /** An item failed, was cut or skipped: tell its author where they will see it. */
  report: [guildId: string, report: ItemReport];
  /** Admin-facing notice, sent once per pause. */
  notice: [guildId: string, channelId: string | null, message: string];
  /**
   * For the log only: the learned playout delay moved (see PlayoutDelay), and the message that moved it.
   * `saveError`: the store could not keep it for the next start (playback is not affected).
   */
  playout: [ms: number, cause: PlayoutObservation, saveError?: unknown];
  /** For the log only: an item will be retried. */
  retry: [guildId: string, item: QueueItem, attempt: number, delayMs: number, error: unknown];
  /** An item was synthesized in full and handed to the player (counters, tests). */
  played: [guildId: string, item: QueueItem];
  /** Counters (src/ops): an item stopped by /skip or /clear; its first packet sent; silence frames inside items; billing. */
  skipped: [guildId: string, item: QueueItem];
  audible: [guildId: string, item: QueueItem, at: number];
  underruns: [guildId: string, frames: number];
  billed: [guildId: string, characters: number, model: string];
  ended: [guildId: string, reason: string];
  /** For the log: a guild's voice connection or audio player reported an error. */
  voiceError: [guildId: string, source: 'connection' | 'player', error: Error];
  /** For the log: something threw inside a voice, timer or promise callback and was caught there (see GuildSession). */
  fault: [guildId: string, error: unknown, where: string];
}

export interface JoinOptions {
  /**
   * Who the join is for: their T2A task is opened while the voice connection is being joined, so their text
   * does not wait for it afterwards (no text is sent before the join succeeds). Ignored when already there.
   */
  /** `text`: the words to come, so the task is opened for their language. */
  warmFor?: { authorId: string; override?: VoiceOverride; text?: string };
}

interface Pause extends PauseState {
  until: number;
}

/** Holds one GuildSession per guild; a session removes itself from the map when it ends. */
export class SessionManager extends EventEmitter<SessionManagerEvents> {
  private readonly sessions = new Map<string, GuildSession>();
  private readonly guildPauses = new Map<string, Pause>();
  private globalPause: Pause | null = null;
  /**
   * The reason of the last every-guild pause the admins were told about. It outlives the pause itself: a probe
   * after the cooldown that meets the same refusal pauses again without a second notice; a played item clears it.
   */
  private globalNoticed: PauseState['reason'] | null = null;
  /** Per guild, the account budget's stop it was told about (epoch and message kind): one notice per server per stop. */
  private readonly accountNoticed = new Map<string, string>();
  private shuttingDown = false;
  private readonly timings: SessionTimings;
  private readonly playout: PlayoutDelay;
  private readonly now: () => number;
  /** Every queued item kept in the store until it is over, so that a crash can tell its author (bot/reports tellCut). */
  readonly pending: PendingItems;

  constructor(private readonly options: SessionManagerOptions) {
    super();
    this.pending = new PendingItems(options.store, (guildId, error, where) => this.emit('fault', guildId, error, where));
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.playout = options.playout ?? this.learnedPlayout();
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** The playout delay the next message starts with (learned or fixed; see PlayoutDelay). */
  get playoutDelayMs(): number {
    return this.playout.ms;
  }

  get(guildId: string): GuildSession | undefined {
    return this.sessions.get(guildId);
  }

  /** Gets or creates the guild's session and joins (or moves to) the target channel within the join deadline. */
  async join(target: VoiceTarget, options: JoinOptions = {}): Promise<JoinResult> {
    let session = this.sessions.get(target.guildId);
    if (!session) {
      session = this.create(target.guildId);
    }
    const warmFor = options.warmFor;
    // The T2A connect overlaps the voice join instead of following it.
    if (warmFor && !session.readyIn(target.channelId)) session.warm(warmFor.authorId, warmFor.override, warmFor.text);
    const result = await session.join(target);
    // A first join that failed leaves nothing behind.
    if (!result.ok && result.reason === 'timeout' && session.status().playing === null && session.status().queued === 0) {
      session.destroy('could not join the voice channel in time');
    }
    return result;
  }

  /** Leaves the guild's voice channel; returns whether the bot was in one. */
  leave(guildId: string, reason = 'asked to leave'): boolean {
    const session = this.sessions.get(guildId);
    if (!session) return false;
    session.destroy(reason);
    return true;
  }

  /** The pause in force for the guild, if any (expired pauses lift themselves: the next item is a probe). */
  pauseState(guildId: string): PauseState | null {
    const now = this.now();
    if (this.globalPause && this.globalPause.until <= now) this.globalPause = null;
    const own = this.guildPauses.get(guildId);
    if (own && own.until <= now) this.guildPauses.delete(guildId);
    const p = this.globalPause ?? this.guildPauses.get(guildId) ?? null;
    return p ? { reason: p.reason, message: p.message, since: p.since } : null;
  }

  /** The account-wide month (billed, reserved) and cap as the database has them, when the owner set a cap. */
  async accountUsage(): Promise<AccountUsage | null> {
    return (await this.options.account?.refresh()) ?? null;
  }

  statuses(): SessionStatus[] {
    return [...this.sessions.values()].map((s) => s.status());
  }

  /**
   * Ends every session (shutdown) and waits, at most `deadlineMs`, for what they owe: the outcomes (and usage) of
   * the items they were reading and their MiniMax connections finished or closed. Active sessions stay recorded
   * so a restart rejoins them. Resolves false when the deadline came first.
   */
  async destroyAll(reason: string, deadlineMs = 5_000): Promise<boolean> {
    this.shuttingDown = true;
    const all = [...this.sessions.values()];
    for (const s of all) s.destroy(reason);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs)));
    try {
      return await Promise.race([Promise.all(all.map((s) => s.whenFinished())).then(() => true), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The default playout delay: learned, from timings.playoutDelayMs up, starting where the last run left it (the
   * store) and saved at each change. Without that, every restart relearned it with a message that ran dry.
   */
  private learnedPlayout(): PlayoutDelay {
    const store = this.options.store;
    let saved: number | null = null;
    try {
      saved = store.getPlayoutDelay();
    } catch {
      // Unreadable: start at the floor, as on a first start; the next change overwrites it (a failed write is reported).
    }
    const onChange = (ms: number, cause: PlayoutObservation): void => {
      let saveError: unknown;
      try {
        store.setPlayoutDelay(ms);
      } catch (error) {
        saveError = error;
      }
      this.emit('playout', ms, cause, saveError);
    };
    return new PlayoutDelay({ ...DEFAULT_PLAYOUT_DELAY, floorMs: this.timings.playoutDelayMs }, onChange, saved ?? undefined);
  }

  private create(guildId: string): GuildSession {
    const o = this.options;
    const synthesizer = o.synthesizerFactory();
    const session = new GuildSession(guildId, {
      synthesizer: o.audioCache ? new CachingSynthesizer(synthesizer, o.audioCache) : synthesizer,
      transcoders: o.transcoders,
      store: o.store,
      defaults: { voiceId: o.defaults.voiceId, model: o.defaults.model, speed: 1, volume: 1, pitch: 0 },
      limits: o.limits,
      timings: this.timings,
      playout: this.playout,
      now: this.now,
      pausedFor: (id) => this.pauseState(id),
      checkBudget: (id, channelId) => this.checkBudget(id, channelId),
      opusBitrate: o.opusBitrate,
      admit: o.account ? (pieces) => o.account!.admit(pieces) : undefined,
    });
    this.sessions.set(guildId, session);
    session.on('queued', (item) => this.pending.queued(guildId, item));
    // A shutdown drops the queue as a crash does, and tells nobody now (the replies are unwired by then): the items
    // stay kept, and the next start tells their authors as after a crash, in one notice per channel.
    const over = (item: QueueItem): void => (this.shuttingDown ? this.pending.kept(item) : this.pending.done(guildId, item));
    session.on('report', (report) => {
      over(report.item);
      this.emit('report', guildId, report);
    });
    session.on('retry', (item, attempt, delay, error) => this.emit('retry', guildId, item, attempt, delay, error));
    session.on('notice', (channelId, message) => this.emit('notice', guildId, channelId, message));
    session.on('played', (item) => {
      over(item);
      this.globalNoticed = null;
      this.emit('played', guildId, item);
    });
    session.on('usage', (chars, model) => {
      this.emit('billed', guildId, chars, model);
      try {
        o.store.addUsage(guildId, chars, new Date(this.now()));
      } catch (error) {
        // Never into the player's tick (see ResilientStore, which keeps usage it could not write).
        this.emit('fault', guildId, error, 'recording usage');
      }
    });
    session.on('voiceError', (source, error) => this.emit('voiceError', guildId, source, error));
    session.on('fault', (error, where) => this.emit('fault', guildId, error, where));
    session.on('skipped', (item) => {
      over(item);
      this.emit('skipped', guildId, item);
    });
    session.on('audible', (item, at) => this.emit('audible', guildId, item, at));
    session.on('underruns', (frames) => this.emit('underruns', guildId, frames));
    session.on('pause', (verdict, channelId) => {
      const pause: Pause = { ...verdict.pause, since: this.now(), until: this.now() + verdict.cooldownMs };
      let told: boolean;
      if (verdict.scope === 'all') {
        told = this.globalNoticed === pause.reason;
        this.globalPause = pause;
        this.globalNoticed = pause.reason;
      } else if (pause.reason === 'budget') {
        // Only the account budget pauses through a verdict (a server's own caps are checked in checkBudget).
        const stop = `${this.options.account?.epoch ?? 0}:${pause.message.includes(ACCOUNT_AWAY_WORDS) ? 'away' : 'spent'}`;
        told = this.accountNoticed.get(guildId) === stop;
        this.accountNoticed.set(guildId, stop);
        this.guildPauses.set(guildId, pause);
      } else {
        told = this.guildPauses.get(guildId)?.reason === pause.reason;
        this.guildPauses.set(guildId, pause);
      }
      if (!told) this.emit('notice', guildId, channelId, `Speech is paused: ${pause.message}.`);
    });
    session.once('ended', (reason) => {
      if (this.sessions.get(guildId) === session) this.sessions.delete(guildId);
      // Kicked, left, emptied: do not rejoin after a restart. A shutdown keeps the record for that.
      try {
        if (!this.shuttingDown) o.store.clearActiveSession(guildId);
      } catch (error) {
        this.emit('fault', guildId, error, 'forgetting the active session');
      }
      this.emit('ended', guildId, reason);
    });
    return session;
  }

  /**
   * A pause when the guild spent its daily or monthly characters (the lower of owner's and admins' caps). The
   * account-wide cap is not checked here: each text reserves its characters in the database before it is sent.
   */
  private checkBudget(guildId: string, channelId: string): PauseState | null {
    const store = this.options.store;
    const { dailyChars: daily, monthlyChars: monthly } = effectiveCaps(this.options.budget, store.getGuildSettings(guildId).budget);
    if (daily === null && monthly === null) return null;
    const used = store.getUsage(guildId, new Date(this.now()));
    const over = daily !== null && used.day >= daily ? 'daily' : monthly !== null && used.month >= monthly ? 'monthly' : null;
    if (!over) return null;
    return this.budgetPause(guildId, channelId, `this server's ${over} character budget is spent (${over === 'daily' ? `${used.day}/${daily}` : `${used.month}/${monthly}`}); see /usage`);
  }

  /** Pauses the guild for a spent budget; its admins are told once per pause. */
  private budgetPause(guildId: string, channelId: string, message: string): PauseState {
    const now = this.now();
    const existing = this.guildPauses.get(guildId);
    if (!existing || existing.reason !== 'budget') {
      this.emit('notice', guildId, channelId, `Speech is paused: ${message}.`);
    }
    // Re-checked on every item: the pause lasts until usage falls in a new day or month, or a cap is raised.
    this.guildPauses.set(guildId, { reason: 'budget', message, since: existing?.since ?? now, until: now + 60_000 });
    return { reason: 'budget', message, since: now };
  }
}
