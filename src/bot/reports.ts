/**
 * Session events made visible: a failed item gets a ⚠️ on its message plus a short reason in the channel (or
 * just the reason, for a command item); an admin notice becomes one message. Nothing pings, and a burst of
 * failures cannot turn into a burst of messages.
 */
import type { Client, SendableChannels } from 'discord.js';
import type { Logger } from '../log.js';
import type { ItemReport, SessionManager } from '../session/index.js';
import type { Store } from '../store/types.js';
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
