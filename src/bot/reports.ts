/**
 * Session events made visible: a failed item gets a ⚠️ on its message plus a short reason in the channel (or
 * just the reason, for a command item); an admin notice becomes one message. Nothing pings, and a burst of
 * failures cannot turn into a burst of messages.
 */
import type { Client, SendableChannels } from 'discord.js';
import type { Logger } from '../log.js';
import type { ItemReport, SessionManager } from '../session/index.js';
import type { PendingItem, Store } from '../store/types.js';
import { fitMessage, literal } from '../commands/reply.js';
import { NO_MENTIONS } from './client.js';
import { describeError } from './interactions.js';

export const REPORT_REACTION = '⚠️';
/** Reason messages per guild per minute; past that, failed messages only get the reaction. */
const MESSAGES_PER_MINUTE = 5;

export interface ReportDeps {
  client: Client;
  sessions: SessionManager;
  store: Store;
  logger: Logger;
  now: () => number;
}

export interface ReportWiring {
  /** Remembers where people last talked to the bot in a guild: notices with no channel go there. */
  noteChannel(guildId: string, channelId: string): void;
  forgetGuild(guildId: string): void;
  /**
   * Tells, in one notice per text channel, whose queued texts an earlier life of the process left unread in these
   * guilds (a crash, kill -9, a stop), then forgets them. Resolves with how many items were found.
   */
  tellCut(guildIds: Iterable<string>): Promise<number>;
  unwire(): void;
}

/** Subscribes to 'report' and 'notice'. */
export function wireReports(deps: ReportDeps): ReportWiring {
  const lastChannel = new Map<string, string>();
  const sent = new Map<string, number[]>();
  const allowMessage = (guildId: string): boolean => {
    const t = deps.now();
    const recent = (sent.get(guildId) ?? []).filter((x) => x > t - 60_000);
    const ok = recent.length < MESSAGES_PER_MINUTE;
    if (ok) recent.push(t);
    if (recent.length > 0) sent.set(guildId, recent);
    else sent.delete(guildId);
    return ok;
  };

  const onReport = (guildId: string, report: ItemReport): void => {
    void deliverReport(deps, guildId, report, allowMessage).catch((error: unknown) =>
      deps.logger.warn('could not deliver a report', { guild: guildId, error: describeError(error) }),
    );
  };
  const onNotice = (guildId: string, channelId: string | null, message: string): void => {
    const target =
      channelId ?? deps.store.getGuildSettings(guildId).autoread.channelId ?? lastChannel.get(guildId) ?? activeTextChannel(deps.store, guildId);
    deps.logger.info('notice', { guild: guildId, message });
    if (!target) return;
    void sendTo(deps.client, target, message).catch((error: unknown) =>
      deps.logger.warn('could not send a notice', { guild: guildId, error: describeError(error) }),
    );
  };
  deps.sessions.on('report', onReport);
  deps.sessions.on('notice', onNotice);
  return {
    noteChannel: (guildId, channelId) => lastChannel.set(guildId, channelId),
    forgetGuild: (guildId) => lastChannel.delete(guildId),
    tellCut: (guildIds) => tellCut(deps, guildIds),
    unwire: () => {
      deps.sessions.off('report', onReport);
      deps.sessions.off('notice', onNotice);
      lastChannel.clear();
    },
  };
}

async function deliverReport(deps: ReportDeps, guildId: string, report: ItemReport, allowMessage: (g: string) => boolean): Promise<void> {
  const { item, kind, reason, detail, traceId } = report;
  deps.logger.info('item not read', { guild: guildId, kind, reason, ...(detail === undefined ? {} : { detail }), ...(traceId === undefined ? {} : { trace: traceId }) });
  const channel = sendable(deps.client, item.source.channelId);
  if (!channel) return;
  if (item.source.kind === 'message') {
    // The message may be gone, or the bot may not add reactions there: the reason below is still owed.
    await channel.messages.react(item.source.messageId, REPORT_REACTION).catch((error: unknown) =>
      deps.logger.warn('could not react to a message not read', { guild: guildId, error: describeError(error) }),
    );
  }
  // A pause already has its own notice; one message per queued item would only repeat it.
  if (kind === 'paused' || !allowMessage(guildId)) return;
  const name = literal(item.authorName);
  const what = item.source.kind === 'message' ? `${name}'s message` : `${name}'s /speak`;
  const verb = kind === 'cut' ? 'was cut off' : 'was not read';
  await channel.send({ content: fitMessage(`${REPORT_REACTION} ${what} ${verb}: ${reason}`), allowedMentions: NO_MENTIONS });
}

/**
 * The items are told, not read again: speech that comes minutes late, out of the conversation it answered, after a
 * crash nobody chose, is worse than a notice; and a text that crashed the process would crash it again. Every item
 * is forgotten once told, or once it cannot be (channel gone, no permission, Discord refused): a failed notice
 * is logged, never repeated at every start.
 */
async function tellCut(deps: ReportDeps, guildIds: Iterable<string>): Promise<number> {
  const sessions = deps.sessions;
  let found = 0;
  for (const guildId of guildIds) {
    let items: PendingItem[];
    try {
      items = sessions.pending.leftOver(guildId);
    } catch (error) {
      deps.logger.warn('could not read the items a restart cut', { guild: guildId, error: describeError(error) });
      continue;
    }
    if (items.length === 0) continue;
    found += items.length;
    const byChannel = new Map<string, PendingItem[]>();
    for (const item of items) byChannel.set(item.channelId, [...(byChannel.get(item.channelId) ?? []), item]);
    await Promise.all(
      [...byChannel].map(async ([channelId, cut]) => {
        deps.logger.info('telling the authors of items a restart cut', { guild: guildId, channel: channelId, items: cut.length });
        await sendTo(deps.client, channelId, cutNotice(cut)).catch((error: unknown) =>
          deps.logger.warn('could not tell the authors of items a restart cut', { guild: guildId, error: describeError(error) }),
        );
        sessions.pending.forget(cut);
      }),
    );
  }
  return found;
}

/** Authors named in a cut notice; the rest are counted. */
const NAMED_AUTHORS = 20;

/**
 * "Parrot restarted and did not read 3 queued messages: from <@1> (2), <@2> (1)." Authors by most items, then by
 * who came first; a mention shows the member's name and, sent with no allowed mentions, pings nobody.
 */
export function cutNotice(items: readonly PendingItem[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.authorId, (counts.get(item.authorId) ?? 0) + 1);
  const authors = [...counts].sort((a, b) => b[1] - a[1]);
  // Ids come from the database: anything but a snowflake is not put in a mention.
  const who = ([id, n]: [string, number]): string => `${/^\d{1,20}$/.test(id) ? `<@${id}>` : 'someone'} (${n})`;
  const named = authors.slice(0, NAMED_AUTHORS).map(who);
  const rest = authors.length - named.length;
  const messages = items.length === 1 ? '1 queued message' : `${items.length} queued messages`;
  return `Parrot restarted and did not read ${messages}: from ${named.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}.`;
}

function activeTextChannel(store: Store, guildId: string): string | null {
  return store.listActiveSessions().find((s) => s.guildId === guildId)?.textChannelId ?? null;
}

function sendable(client: Client, channelId: string): SendableChannels | null {
  const channel = client.channels.cache.get(channelId);
  return channel?.isSendable() ? channel : null;
}

async function sendTo(client: Client, channelId: string, content: string): Promise<void> {
  const channel = sendable(client, channelId);
  if (channel) await channel.send({ content: fitMessage(content), allowedMentions: NO_MENTIONS });
}
