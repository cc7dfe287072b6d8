/**
 * Connects the Discord client to the rest of Parrot: event listeners, command sync at start-up, restoring the
 * voice sessions recorded before the last stop, and an orderly stop.
 */
import { once } from 'node:events';
import { ChannelType, GatewayDispatchEvents, type Client, type Guild } from 'discord.js';
import { RateLimiter } from '../commands/rateLimit.js';
import type { ButtonHandler } from '../commands/types.js';
import { countHumans, joinVoiceChannelOf } from '../commands/voiceJoin.js';
import type { BotConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { SessionManager } from '../session/index.js';
import type { ActiveSession, Store } from '../store/types.js';
import type { VoiceCatalogue, VoiceStudio } from '../t2a/index.js';
import { createAutoreader } from './autoread.js';
import { syncCommands } from './commandSync.js';
import { ownsGuild, registersCommands } from '../shard/shards.js';
import { createInteractionHandler, describeError, messageOf } from './interactions.js';
import { createMemberLeaveHandler } from './memberLeave.js';
import { inviteUrl } from './invite.js';
import { CommandRegistry } from './registry.js';
import { wireReports } from './reports.js';
import { createVoiceStateHandler } from './voiceState.js';

export interface WireOptions {
  client: Client;
  sessions: SessionManager;
  store: Store;
  catalogue: VoiceCatalogue;
  /** MiniMax voice design and cloning (undefined: those commands say they are unavailable). */
  studio?: VoiceStudio | undefined;
  buttons?: readonly ButtonHandler[] | undefined;
  config: BotConfig;
  logger: Logger;
  commands: readonly unknown[];
  now: () => number;
  readyTimeoutMs: number;
}

export interface Wiring {
  /** Logs in and resolves once READY (or rejects at the deadline). */
  start(token: string): Promise<void>;
  /** Settles when recorded sessions were rejoined (or given up on). */
  readonly restored: Promise<void>;
  stop(): Promise<void>;
}

export function wireBot(options: WireOptions): Wiring {
  const { client, sessions, store, config, logger, now } = options;
  const registry = new CommandRegistry(options.commands);
  const rateLimiter = new RateLimiter(config.rateLimit, now);
  let stopping = false;

  const reports = wireReports({ client, sessions, store, logger, now });
  const onInteraction = createInteractionHandler({ registry, sessions, store, catalogue: options.catalogue, studio: options.studio, buttons: options.buttons, config, logger, rateLimiter, now });
  const autoreader = createAutoreader({ sessions, store, config, logger, rateLimiter, now });
  const onVoiceState = createVoiceStateHandler(sessions);
  const onGuildDelete = (guild: Guild): void => {
    logger.info('removed from a server', { guild: guild.id });
    sessions.leave(guild.id, 'removed from the server');
    reports.forgetGuild(guild.id);
  };
  const memberLeave = createMemberLeaveHandler({
    client, store, logger,
    sendDirect: async (userId, reply) => {
      const dm = await client.users.createDM(userId);
      await dm.send(messageOf(reply));
    },
  });
  const onMemberRemove = (data: unknown): void => void memberLeave(data);
  const onClientError = (error: Error): void => logger.error('discord client error', { error: describeError(error) });
  const onClientWarn = (message: string): void => logger.warn('discord client warning', { message });
  const onRetry = (guildId: string, _item: unknown, attempt: number, delayMs: number, error: unknown): void =>
    logger.info('retrying an item', { guild: guildId, attempt, delayMs, error: describeError(error) });
  const onPlayout = (ms: number, cause: { underruns: number; minBuffered: number }, saveError?: unknown): void => {
    logger.info(cause.underruns > 0 ? 'playout delay raised: a message ran dry while MiniMax was still sending' : 'playout delay lowered: messages had time to spare', {
      playoutDelayMs: ms,
      silenceFrames: cause.underruns,
      ...(Number.isFinite(cause.minBuffered) ? { fewestPacketsBuffered: cause.minBuffered } : {}),
    });
    if (saveError !== undefined) logger.warn('could not save the learned playout delay; the next start learns it again', { error: describeError(saveError) });
  };
  // The manager forgets a session that ended for any reason but a shutdown, so a restart does not rejoin it.
  const onEnded = (guildId: string, reason: string): void => logger.info('voice session ended', { guild: guildId, reason });

  const onInteractionCreate = (interaction: Parameters<typeof onInteraction>[0]): void => {
    if (interaction.isChatInputCommand() && interaction.guildId && interaction.channelId) reports.noteChannel(interaction.guildId, interaction.channelId);
    void onInteraction(interaction);
  };
  client.on('interactionCreate', onInteractionCreate);
  client.on('messageCreate', autoreader.onMessage);
  client.on('voiceStateUpdate', onVoiceState);
  client.on('guildDelete', onGuildDelete);
  client.ws.on(GatewayDispatchEvents.GuildMemberRemove, onMemberRemove);
  client.on('error', onClientError);
  client.on('warn', onClientWarn);
  sessions.on('retry', onRetry);
  sessions.on('playout', onPlayout);
  sessions.on('ended', onEnded);

  let resolveRestored: () => void = () => undefined;
  const restored = new Promise<void>((resolve) => (resolveRestored = resolve));

  async function start(token: string): Promise<void> {
    const ready = once(client, 'clientReady', { signal: AbortSignal.timeout(options.readyTimeoutMs) }).then(
      () => null,
      (error: unknown) => error,
    );
    await client.login(token);
    const failure = await ready;
    if (failure !== null) throw new Error(`Discord did not send READY within ${options.readyTimeoutMs} ms`, { cause: failure });
    logger.info('connected to Discord', { user: client.user?.tag, guilds: client.guilds.cache.size });
    const applicationId = client.application?.id;
    if (client.guilds.cache.size === 0 && applicationId) logger.info('in no server yet: invite the bot with this link', { url: inviteUrl(applicationId) });
    void sync();
    void restore().finally(resolveRestored);
  }

  async function sync(): Promise<void> {
    const applicationId = client.application?.id;
    // Several shard processes: registered once, by the one running shard 0.
    if (!applicationId || !registersCommands(config.shards)) return;
    try {
      const changed = await syncCommands(client.rest, { applicationId, guildId: config.commandGuildId }, registry.definitions());
      logger.info(changed ? 'slash commands registered' : 'slash commands already up to date', { scope: config.commandGuildId ?? 'global' });
    } catch (error) {
      logger.error('could not register slash commands', { error: describeError(error) });
    }
  }

  /** Rejoins the recorded sessions and tells the authors of what the last stop or crash cut (this process's guilds). */
  async function restore(): Promise<void> {
    const recorded = store.listActiveSessions();
    await Promise.all([...recorded.map((entry) => restoreOne(entry)), reports.tellCut([...client.guilds.cache.keys()])]);
  }

  async function restoreOne(entry: ActiveSession): Promise<void> {
    const guild = client.guilds.cache.get(entry.guildId);
    // Another shard's guild (a database shared by shard processes): its own process rejoins it.
    if (!guild && !ownsGuild(client, entry.guildId)) return;
    const channel = guild?.channels.cache.get(entry.voiceChannelId);
    if (!guild || !channel || (channel.type !== ChannelType.GuildVoice && channel.type !== ChannelType.GuildStageVoice)) {
      store.clearActiveSession(entry.guildId);
      return;
    }
    if (countHumans(guild, channel.id) === 0) {
      logger.info('not rejoining an empty voice channel', { guild: guild.id });
      store.clearActiveSession(entry.guildId);
      return;
    }
    const outcome = await joinVoiceChannelOf(sessions, guild, channel);
    if (outcome.ok) logger.info('rejoined a voice channel after restart', { guild: guild.id });
    else logger.warn('could not rejoin a voice channel after restart', { guild: guild.id, reason: outcome.message });
  }

  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    // Stop reading first, so nothing new is queued while voice channels are being left.
    client.off('messageCreate', autoreader.onMessage);
    client.off('interactionCreate', onInteractionCreate);
    client.ws.off(GatewayDispatchEvents.GuildMemberRemove, onMemberRemove);
    reports.unwire();
    const pending = sessions.statuses().reduce((n, s) => n + s.queued + (s.playing ? 1 : 0), 0);
    if (pending > 0) logger.info('dropping queued items at shutdown', { items: pending });
    if (!(await sessions.destroyAll('shutting down'))) logger.warn('voice sessions did not finish closing in time; stopping anyway');
    sessions.off('retry', onRetry);
    sessions.off('playout', onPlayout);
    sessions.off('ended', onEnded);
    autoreader.dispose();
    await client.destroy();
  }

  return { start, restored, stop };
}
