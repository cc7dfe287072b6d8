/**
 * messageCreate -> auto-read. A message is read when it is in the server's read channel (or, with
 * text_in_voice, the text chat of the bot's voice channel), passes the author rules (bots and webhooks only
 * with read_bots; the author in the bot's voice channel with require_voice), survives cleanup, and fits the
 * rate limits. Messages that clean to nothing are dropped silently: there was nothing to say.
 */
import { MessageType, type Guild, type Message, type VoiceBasedChannel } from 'discord.js';
import { describeRateLimit, type RateLimiter } from '../commands/rateLimit.js';
import { cleanChatMessage } from '../commands/speakText.js';
import { joinVoiceChannelOf, memberVoiceChannel, type JoinOutcome } from '../commands/voiceJoin.js';
import type { BotConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { GuildSession, SessionManager } from '../session/index.js';
import type { GuildSettings, Store } from '../store/types.js';
import { XSaidTracker, speakerPrefix } from '../text/index.js';
import { describeError } from './interactions.js';

/** Reaction on a message that was refused (rate limit, full queue, paused); at most one per user a minute. */
export const REFUSED_REACTION = '⏳';
/** Message ids remembered to drop gateway replays (resume) without reading twice. */
const SEEN_LIMIT = 1000;
const NOTICE_WINDOW_MS = 60_000;

export interface AutoreadDeps {
  sessions: SessionManager;
  store: Store;
  config: BotConfig;
  logger: Logger;
  rateLimiter: RateLimiter;
  now: () => number;
}

export interface Autoreader {
  onMessage: (message: Message) => void;
  dispose(): void;
}

export function createAutoreader(deps: AutoreadDeps): Autoreader {
  const { sessions, store, logger, now } = deps;
  const xsaid = new XSaidTracker();
  const seen = new Set<string>();
  const joining = new Map<string, Promise<JoinOutcome>>();
  const noticed = new Map<string, number>();
  const onEnded = (guildId: string): void => xsaid.forget(guildId);
  sessions.on('ended', onEnded);

  /** The guild's session in a voice channel, joining the author's channel first when autojoin allows it. */
  async function sessionFor(message: Message<true>, settings: GuildSettings, inReadChannel: boolean): Promise<GuildSession | null> {
    const existing = sessions.get(message.guildId);
    if (existing?.channelId) return existing;
    if (!settings.autoread.autojoin || !inReadChannel) return null;
    const channel = memberVoiceChannel(message.guild, message.author.id);
    if (!channel) return null;
    const outcome = await joinOnce(message.guild, channel, message.author.id);
    if (outcome.ok) return outcome.session;
    logger.info('autojoin failed', { guild: message.guildId, reason: outcome.message });
    return null;
  }

  /**
   * One join per guild at a time: messages arriving meanwhile wait for it, in order. The author's speech task
   * opens during the join.
   */
  function joinOnce(guild: Guild, channel: VoiceBasedChannel, authorId: string): Promise<JoinOutcome> {
    let pending = joining.get(guild.id);
    if (!pending) {
      pending = joinVoiceChannelOf(sessions, guild, channel, { authorId }).finally(() => joining.delete(guild.id));
      joining.set(guild.id, pending);
    }
    return pending;
  }

  function firstTime(messageId: string): boolean {
    if (seen.has(messageId)) return false;
    seen.add(messageId);
    if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value as string);
    return true;
  }

  /** Tells a refused author once a minute with a reaction (a message would add to the flood). */
  function refuse(message: Message<true>, why: string): void {
    logger.debug('message not queued', { guild: message.guildId, why });
    const key = `${message.guildId}:${message.author.id}`;
    const t = now();
    if ((noticed.get(key) ?? 0) > t) return;
    if (noticed.size > SEEN_LIMIT) for (const [k, until] of noticed) if (until <= t) noticed.delete(k);
    noticed.set(key, t + NOTICE_WINDOW_MS);
    message.react(REFUSED_REACTION).catch((error: unknown) => logger.warn('could not react', { guild: message.guildId, error: describeError(error) }));
  }

  async function handle(message: Message): Promise<void> {
    if (!message.inGuild() || message.author.id === message.client.user.id) return;
    const receivedAt = now();
    if (message.type !== MessageType.Default && message.type !== MessageType.Reply) return;
    const settings = store.getGuildSettings(message.guildId);
    const ar = settings.autoread;
    if (!ar.channelId) return;
    const current = sessions.get(message.guildId);
    const inReadChannel = message.channelId === ar.channelId;
    const inVoiceChat = ar.textInVoice && current?.channelId != null && message.channelId === current.channelId;
    if (!inReadChannel && !inVoiceChat) return;
    const fromBot = message.author.bot || message.webhookId !== null;
    if (fromBot && !ar.readBots) return;
    // Side talk the server marked as not for reading (the prefix is the admins' choice: "; not this").
    if (ar.ignorePrefix !== null && message.content.trimStart().startsWith(ar.ignorePrefix)) return;
    if (!firstTime(message.id)) return;

    const text = cleanChatMessage(message, settings, now());
    if (!text) return;
    const session = await sessionFor(message, settings, inReadChannel);
    if (!session?.channelId) return;
    // Bots and webhooks are never in a voice channel: require_voice is about people.
    if (ar.requireVoice && !fromBot && memberVoiceChannel(message.guild, message.author.id)?.id !== session.channelId) return;

    const rate = deps.rateLimiter.take(message.guildId, message.author.id);
    if (!rate.ok) return refuse(message, describeRateLimit(rate));

    const name = message.member?.displayName ?? message.author.displayName;
    const spoken = ar.xsaid && xsaid.shouldAnnounce(message.guildId, message.author.id, now()) ? `${speakerPrefix(name)}, ${text}` : text;
    const result = session.enqueue({
      authorId: message.author.id,
      authorName: name,
      text: spoken,
      authorText: message.content,
      source: { kind: 'message', channelId: message.channelId, messageId: message.id },
      receivedAt,
    });
    if (!result.ok) refuse(message, result.reason);
  }

  return {
    onMessage: (message) => {
      handle(message).catch((error: unknown) =>
        logger.error('auto-read failed', { guild: message.guildId ?? 'dm', error: describeError(error) }),
      );
    },
    dispose: () => {
      sessions.off('ended', onEnded);
      seen.clear();
      noticed.clear();
    },
  };
}
