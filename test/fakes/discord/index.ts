/**
 * A fake Discord on 127.0.0.1 (or `host`) for end-to-end tests: REST, gateway, voice gateway (wss) and voice UDP, which
 * the unmodified discord.js and @discordjs/voice connect to. See FakeDiscord.
 */
import { performance } from 'node:perf_hooks';
import { AudioLog } from './audio.js';
import { CommandStore } from './commandStore.js';
import { FakeDiscordError } from './errors.js';
import { GatewayServer, type GatewaySession } from './gateway.js';
import { buttonPayload, interactionPayload, type AutocompleteSpec, type ButtonSpec, type CommandSpec } from './interactionPayload.js';
import {
  InteractionLog, type DispatchedInteraction, type InteractionReply, type InteractionResponse, type ReplyWaitOptions,
} from './interactionLog.js';
import { DirectMessages, type DmButtonSpec } from './directMessages.js';
import { createBotMessage, dispatchMessage, reactionRefusal, type BotMessage, type MessageSpec, type SentMessage } from './messages.js';
import { DEFAULT_GUILD, GuildState, type GuildSpec, type UserRecord } from './model.js';
import { channelPayload, guildCreatePayload, messagePayload, readyPayload, userPayload, type Json } from './payloads.js';
import { RestServer } from './rest.js';
import { VOICE_MODES, type VoiceEncryptionMode } from './rtpCrypto.js';
import { SnowflakeFactory, randomToken } from './snowflakes.js';
import { VoiceUdpServer } from './udp.js';
import { VoiceGatewayServer, type FakeVoiceConnection } from './voiceGateway.js';
import { VoiceSignalling, type BotVoiceRequest } from './voiceSignalling.js';

export { opt, type AttachmentSpec, type AutocompleteSpec, type ButtonSpec, type CommandSpec, type OptionValue, type TypedOption } from './interactionPayload.js';
export type { GuildSpec, ChannelSpec, MemberSpec, RoleSpec, OverwriteSpec, VoiceStateSpec, GuildState } from './model.js';
export type { PermissionName, PermissionsInput } from './permissions.js';
export type { AudioReport, AudioBurst, AudioGap, ReceivedFrame, FrameFilter, AnalysisOptions } from './audio.js';
export type { RestCall } from './rest.js';
export type { InteractionReply, InteractionResponse, DispatchedInteraction } from './interactionLog.js';
export type { BotVoiceRequest } from './voiceSignalling.js';
export type { FakeVoiceConnection, VoiceRejection } from './voiceGateway.js';
export type { DaveTransition } from './dave/call.js';
export type { DaveMember, MemberFrame, MemberFrameKind } from './dave/member.js';
export type { MessageSpec, SentMessage, BotMessage } from './messages.js';
export type { DirectMessage, DmButtonSpec } from './directMessages.js';
export type { VoiceEncryptionMode } from './rtpCrypto.js';
export { VOICE_MODES } from './rtpCrypto.js';
export { FakeDiscordError, FakeDiscordTimeoutError } from './errors.js';

export interface FakeDiscordOptions {
  /** Default: one DEFAULT_GUILD (text 'general', voice 'Voice', alice sitting in it). */
  guilds?: readonly GuildSpec[];
  bot?: { id?: string; username?: string };
  /** The bot token the fake accepts (REST Authorization and gateway IDENTIFY). Default 'fake-bot-token'. */
  token?: string;
  /** Encryption modes offered in voice READY, in that order. Default both, AES-GCM first. */
  voiceModes?: readonly VoiceEncryptionMode[];
  /** Whether the application has Message Content Intent enabled; without it, IDENTIFY asking for it is closed 4014. Default true. */
  messageContentIntent?: boolean;
  /**
   * Whether the application has Server Members Intent enabled; without it, IDENTIFY asking for it is closed 4014.
   * With it, GUILD_MEMBER_REMOVE reaches the sessions that asked for it. Default true.
   */
  serverMembersIntent?: boolean;
  /** Close with 4017 a voice IDENTIFY without DAVE support, as Discord does. Default true. */
  requireDave?: boolean;
  /**
   * Speak DAVE (end-to-end encryption, protocol 1) with the clients that offer it, as Discord does: the users in
   * the bot's voice channel are simulated DAVE members, and the audio log holds what they decrypted. Default
   * true; false declines DAVE (transport encryption only: pair it with `requireDave: false`).
   */
  dave?: boolean;
  gatewayHeartbeatMs?: number;
  voiceHeartbeatMs?: number;
  /** Clock for every recorded time (audio frames, dispatches, replies). Default performance.now. */
  clock?: () => number;
  /**
   * Gateway shards, as Discord serves a large bot: /gateway/bot recommends `count`; a connection identified with
   * `shard: [i, count]` gets READY, GUILD_CREATE and every dispatch only for its guilds ((id >> 22) % count == i);
   * with `required`, an unsharded or wrongly counted IDENTIFY is closed with 4011; IDENTIFYs are rate limited per
   * max_concurrency bucket (one per 5 s; default 1 bucket). Default: one shard, not required, no rate limit.
   */
  sharding?: { count: number; required?: boolean; maxConcurrency?: number };
  /**
   * The address every server listens on and is announced at (REST, gateway, voice endpoint, UDP ip), for bots in
   * other network namespaces. Default 127.0.0.1. The voice gateway's TLS certificate must name it: pass `tls`.
   */
  host?: string;
  /** The voice gateway's certificate and key (PEM). Default `cert/` (made for 127.0.0.1). */
  tls?: { cert: Buffer | string; key: Buffer | string };
}

/** An interaction the fake dispatched, with its answers. */
export interface FakeInteraction extends DispatchedInteraction {
  /** The first reply (callback, edit of a deferral, or follow-up) — content, flags, ephemeral. */
  reply(options?: ReplyWaitOptions): Promise<InteractionReply>;
  replies(): InteractionReply[];
  responses(): InteractionResponse[];
  /** Autocomplete result choices. */
  choices(timeoutMs?: number): Promise<{ name: string; value: string | number }[]>;
}

const GUILD_MEMBERS = 1 << 1;
const GUILD_VOICE_STATES = 1 << 7;
const MESSAGE_CONTENT = 1 << 15;

/** The fake Discord: start it, point a discord.js Client at `restApi`, drive it, assert on what it saw. */
export class FakeDiscord {
  readonly guilds: GuildState[] = [];
  /** Messages the bot posted with REST. */
  readonly botMessages: BotMessage[] = [];
  readonly ids: SnowflakeFactory;
  readonly interactions: InteractionLog;
  readonly commands: CommandStore;
  readonly audio: AudioLog;
  /** The bot's direct messages with users (DM channels, messages sent, closed DMs). */
  readonly dms: DirectMessages;
  /** Members who left every guild they were in, still known as users (a DM can be opened to them). */
  readonly #departed = new Map<string, UserRecord>();

  private constructor(
    readonly bot: UserRecord,
    readonly token: string,
    readonly now: () => number,
    readonly rest: RestServer,
    readonly gateway: GatewayServer,
    readonly voice: VoiceGatewayServer,
    readonly udp: VoiceUdpServer,
    readonly signalling: VoiceSignalling,
    shared: { ids: SnowflakeFactory; interactions: InteractionLog; commands: CommandStore; audio: AudioLog },
  ) {
    this.dms = new DirectMessages(bot, (ref) => this.#user(ref), () => shared.ids.next(), now);
    this.ids = shared.ids;
    this.interactions = shared.interactions;
    this.commands = shared.commands;
    this.audio = shared.audio;
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const now = options.clock ?? (() => performance.now());
    const ids = new SnowflakeFactory();
    const bot: UserRecord = { id: options.bot?.id ?? ids.next(), username: options.bot?.username ?? 'Parrot', globalName: null, bot: true };
    const token = options.token ?? 'fake-bot-token';
    const host = options.host ?? '127.0.0.1';
    const modes = [...(options.voiceModes ?? VOICE_MODES)];
    const interactions = new InteractionLog(now, () => ids.next());
    const commands = new CommandStore(bot.id, () => ids.next());
    const audio = new AudioLog(now);
    const guilds: GuildState[] = (options.guilds ?? [DEFAULT_GUILD]).map((spec) => new GuildState(spec, bot, ids));
    // The servers call back into pieces created after them (the facade, the UDP port).
    const late: { fake?: FakeDiscord; udp?: VoiceUdpServer } = {};
    const self = (): FakeDiscord => {
      if (!late.fake) throw new FakeDiscordError('fake Discord used before it started');
      return late.fake;
    };
    const gateway = await GatewayServer.start({
      token, now, heartbeatIntervalMs: options.gatewayHeartbeatMs ?? 41_250, host,
      readyPayload: (s) => readyPayload(bot, self().guilds, s.identify['shard']),
      afterReady: (s) => self().#sendGuilds(s),
      disallowedIntents: (options.messageContentIntent === false ? MESSAGE_CONTENT : 0) | (options.serverMembersIntent === false ? GUILD_MEMBERS : 0),
      ...(options.sharding
        ? { sharding: { count: options.sharding.count, required: options.sharding.required ?? false, maxConcurrency: options.sharding.maxConcurrency ?? 1 } }
        : {}),
    });
    const voice = await VoiceGatewayServer.start({
      now, heartbeatIntervalMs: options.voiceHeartbeatMs ?? 13_750, modes: () => modes,
      requireDave: options.requireDave ?? true, dave: options.dave ?? true, udpPort: () => late.udp?.port ?? 0, host,
      ...(options.tls ? { tls: options.tls } : {}),
      channelMembers: (guildId, channelId) => {
        const g = self().guilds.find((x) => x.id === guildId);
        return g ? g.usersIn(channelId).filter((id) => id !== bot.id) : [];
      },
      onOpus: (conn, frame, rtp) => {
        const at = now();
        // With DAVE what is heard is what the members decrypted; a frame none of them could decrypt is not heard.
        const heard = conn.dave ? conn.dave.receive(frame, { at, sequence: rtp.sequence, connectionId: conn.id }) : { opus: frame, e2ee: false };
        if (!heard) return;
        audio.add({
          connectionId: conn.id, guildId: conn.guildId, channelId: conn.channelId, ssrc: rtp.ssrc,
          sequence: rtp.sequence, rtpTimestamp: rtp.timestamp, at, opus: heard.opus, e2ee: heard.e2ee,
        });
      },
    });
    const udp = await VoiceUdpServer.start((ssrc) => voice.udpTarget(ssrc), now, host);
    late.udp = udp;
    const rest = await RestServer.start({
      token, bot, applicationId: bot.id, gatewayUrl: () => gateway.url, interactions, commands, now, host,
      newId: () => ids.next(),
      ...(options.sharding ? { sharding: { count: options.sharding.count, maxConcurrency: options.sharding.maxConcurrency ?? 1 } } : {}),
      openDm: (body) => self().dms.open(body),
      createMessage: (channelId, body) => {
        if (self().dms.has(channelId)) return self().dms.send(channelId, body);
        const result = createBotMessage(gateway, self().guilds, channelId, body, ids.next(), now());
        if ('created' in result) self().botMessages.push(result.message);
        return result;
      },
      react: (channelId) => reactionRefusal(self().guilds, channelId),
    });
    const signalling = new VoiceSignalling({ gateway, voice, now, guild: (id) => self().guilds.find((g) => g.id === id) });
    const fake = new FakeDiscord(bot, token, now, rest, gateway, voice, udp, signalling, { ids, interactions, commands, audio });
    fake.guilds.push(...guilds);
    late.fake = fake;
    return fake;
  }

  /** `rest.api` for discord.js: `new Client({ intents, rest: { api: fake.restApi } })`. */
  get restApi(): string {
    return this.rest.apiUrl;
  }

  /** Options to spread into the discord.js Client constructor (next to `intents`). */
  clientOptions(): { rest: { api: string } } {
    return { rest: { api: this.restApi } };
  }

  /** A guild by id or name; default the first. */
  guild(ref?: string): GuildState {
    const g = ref === undefined ? this.guilds[0] : this.guilds.find((x) => x.id === ref || x.name === ref);
    if (!g) throw new FakeDiscordError(`unknown guild '${ref ?? '(first)'}' (known: ${this.guilds.map((x) => x.name).join(', ')})`);
    return g;
  }

  /** The bot joins a new guild: GUILD_CREATE to every live session. */
  addGuild(spec: GuildSpec): GuildState {
    const g = new GuildState(spec, this.bot, this.ids);
    this.guilds.push(g);
    for (const s of this.gateway.live) this.gateway.dispatchTo(s, 'GUILD_CREATE', guildCreatePayload(g, { voiceStates: (s.intents & GUILD_VOICE_STATES) !== 0 }));
    return g;
  }

  /** Resolves when the bot has identified (READY and GUILD_CREATEs sent). */
  waitForIdentify(timeoutMs = 5000): Promise<GatewaySession> {
    return this.gateway.waitForIdentify(timeoutMs);
  }

  /** A user runs a slash command: INTERACTION_CREATE (type 2). */
  interaction(spec: CommandSpec): FakeInteraction {
    return this.#dispatchInteraction(spec, 'command');
  }

  /** A user types in an autocompleted option: INTERACTION_CREATE (type 4). */
  autocomplete(spec: AutocompleteSpec): FakeInteraction {
    return this.#dispatchInteraction(spec, 'autocomplete');
  }

  /** A user presses a button on a message the bot sent: INTERACTION_CREATE (type 3, MESSAGE_COMPONENT). */
  button(spec: ButtonSpec): FakeInteraction {
    const g = this.guild(spec.guild);
    const ids = { id: this.ids.next(), token: `fake-interaction-${randomToken()}`, applicationId: this.bot.id };
    const channelId = g.textChannel(spec.channel).id;
    const message = messagePayload({
      id: spec.message.id, channelId, guildId: g.id, author: this.bot, type: 20, flags: spec.message.flags ?? 0,
      content: spec.message.content, webhookId: this.bot.id, applicationId: this.bot.id,
    });
    return this.#dispatch(g, buttonPayload(g, spec, ids, message), ids, 'component', spec.customId);
  }

  /** A user presses a button on a direct message the bot sent them: INTERACTION_CREATE type 3 without a guild. */
  dmButton(spec: DmButtonSpec): FakeInteraction {
    const ids = { id: this.ids.next(), token: `fake-interaction-${randomToken()}` };
    const { d, channelId, userId } = this.dms.buttonPayload(spec, ids);
    const dispatched: DispatchedInteraction = {
      id: ids.id, token: ids.token, kind: 'component', command: spec.customId, guildId: '', channelId, userId, dispatchedAt: this.now(),
    };
    return this.#deliver(dispatched, d);
  }

  /**
   * A member leaves the guild (or is kicked): gone from its members and voice, then GUILD_MEMBER_REMOVE to the
   * sessions that asked for the Server Members intent. The user stays known (a DM can still be opened).
   */
  memberLeave(user: string, options: { guild?: string } = {}): void {
    const g = this.guild(options.guild);
    const member = g.member(user);
    if (g.voiceStates.has(member.user.id)) this.voiceState({ guild: g.id, user: member.user.id, channel: null });
    g.members.delete(member.user.id);
    this.#departed.set(member.user.id, member.user);
    this.gateway.dispatch('GUILD_MEMBER_REMOVE', { guild_id: g.id, user: userPayload(member.user) }, (s) => (s.intents & GUILD_MEMBERS) !== 0);
  }

  /** A user closes their DMs: the bot's messages to them are refused with 50007. */
  closeDms(user: string): void {
    const found = this.#user(user);
    if (!found) throw new FakeDiscordError(`unknown user '${user}'`);
    this.dms.closed.add(found.id);
  }

  /** A user posts a message (MESSAGE_CREATE filtered by each session's intents). */
  message(spec: MessageSpec): SentMessage {
    const g = this.guild(spec.guild);
    const channelId = spec.channel === undefined ? g.textChannel().id : g.channel(spec.channel).id;
    if (spec.webhook !== undefined) {
      // A webhook message: its author is the webhook itself (a bot user with the webhook's id) and has no member.
      const webhookId = this.ids.next();
      const author = { id: webhookId, username: spec.webhook, discriminator: '0000', global_name: null, avatar: null, bot: true };
      const sent = dispatchMessage(this.gateway, g, g.firstHuman(), channelId, this.ids.next(), spec.content, { author, webhook_id: webhookId, member: undefined });
      return { ...sent, authorId: webhookId };
    }
    const author = spec.author === undefined ? g.firstHuman() : g.member(spec.author);
    return dispatchMessage(this.gateway, g, author, channelId, this.ids.next(), spec.content);
  }

  /** A user joins (channel), moves (another channel) or leaves (null) voice; VOICE_STATE_UPDATE follows. */
  voiceState(spec: { user: string; channel: string | null; guild?: string; selfMute?: boolean; selfDeaf?: boolean }): void {
    const g = this.guild(spec.guild);
    const member = g.member(spec.user);
    if (member.user.id === this.bot.id) throw new FakeDiscordError('use moveBot/kickBot for the bot\'s own voice state');
    const previous = g.voiceStates.get(member.user.id);
    const channelId = spec.channel === null ? null : g.voiceChannel(spec.channel).id;
    g.setVoiceState(member.user.id, channelId, {
      ...(spec.selfMute === undefined ? {} : { selfMute: spec.selfMute }),
      ...(spec.selfDeaf === undefined ? {} : { selfDeaf: spec.selfDeaf }),
    });
    this.signalling.dispatchUserVoiceState(g, member.user.id, previous?.sessionId);
    this.voice.userVoiceState(g.id, member.user.id, channelId);
  }

  /** The bot is removed from a guild (voice socket closed 4014), or the guild becomes unavailable: GUILD_DELETE. */
  guildDelete(ref?: string, options: { unavailable?: boolean } = {}): void {
    const g = this.guild(ref);
    this.gateway.dispatch('GUILD_DELETE', { id: g.id, ...(options.unavailable ? { unavailable: true } : {}) });
    if (options.unavailable) return;
    this.voice.closeConnections(4014, g.id);
    this.guilds.splice(this.guilds.indexOf(g), 1);
  }

  /** A channel is deleted: users in it leave voice first (the bot is kicked), then CHANNEL_DELETE. */
  channelDelete(channel: string, options: { guild?: string } = {}): void {
    const g = this.guild(options.guild);
    const c = g.channel(channel);
    for (const userId of g.usersIn(c.id)) {
      if (userId === this.bot.id) this.signalling.kickBot(g);
      else this.voiceState({ guild: g.id, user: userId, channel: null });
    }
    this.gateway.dispatch('CHANNEL_DELETE', channelPayload(g, c));
    g.channels.delete(c.id);
  }

  /** An admin changes a voice channel's bitrate (bits per second): CHANNEL_UPDATE. */
  channelBitrate(channel: string, bitrate: number, options: { guild?: string } = {}): void {
    const g = this.guild(options.guild);
    const c = g.channel(channel);
    c.bitrate = bitrate;
    this.gateway.dispatch('CHANNEL_UPDATE', channelPayload(g, c));
  }

  // ---- fault controls ----

  /** Closes the bot's voice sockets with `code` (4006 -> rejoin, 4014 -> disconnected, 4015 -> resume). */
  closeVoice(code: number, options: { guild?: string } = {}): FakeVoiceConnection[] {
    return this.voice.closeConnections(code, options.guild === undefined ? undefined : this.guild(options.guild).id);
  }

  /** Ignores every UDP datagram for `ms`. */
  dropUdp(ms: number): void {
    this.udp.drop(ms);
  }

  /** A moderator moves the bot (VOICE_STATE_UPDATE + new VOICE_SERVER_UPDATE; optionally closes the old socket). */
  moveBot(channel: string, options: { guild?: string; closeOldWith?: number } = {}): void {
    const g = this.guild(options.guild);
    this.signalling.moveBot(g, g.voiceChannel(channel).id, options.closeOldWith);
  }

  /** A moderator disconnects the bot (voice state without channel, voice socket closed with 4014). */
  kickBot(options: { guild?: string } = {}): void {
    this.signalling.kickBot(this.guild(options.guild));
  }

  /**
   * Drops the gateway socket; the bot resumes (missed dispatches replayed) unless `invalidate`. `replayFrom`
   * (a sequence number, see `gateway.sessions[i].log`) also replays dispatches the bot already received.
   */
  closeGateway(code = 4000, options: { invalidate?: boolean; replayFrom?: number } = {}): void {
    this.gateway.closeSockets(code, options);
  }

  /** Delays every following VOICE_SERVER_UPDATE by `ms` (0 = immediate). */
  delayVoiceServer(ms: number): void {
    this.signalling.voiceServerDelayMs = ms;
  }

  /** Makes the gateway ignore the bot's joins of a voice channel (or accept them again). */
  refuseJoins(channel: string, refuse = true, options: { guild?: string } = {}): void {
    this.guild(options.guild).voiceChannel(channel).refuseJoins = refuse;
  }

  // ---- observations ----

  /** The bot's op 4 voice state updates, in order. */
  get voiceRequests(): BotVoiceRequest[] {
    return this.signalling.requests;
  }

  waitForVoiceRequest(match: (r: BotVoiceRequest) => boolean, timeoutMs = 5000): Promise<BotVoiceRequest> {
    return this.signalling.waitForRequest(match, timeoutMs);
  }

  /** The voice channel the fake has the bot in (null: not in voice). */
  botVoiceChannel(guild?: string): string | null {
    return this.guild(guild).voiceStates.get(this.bot.id)?.channelId ?? null;
  }

  /** The first voice connection (past or future) that is ready and matches. */
  waitForVoiceReady(match: (c: FakeVoiceConnection) => boolean = () => true, timeoutMs = 5000): Promise<FakeVoiceConnection> {
    return this.voice.waitForReady(match, timeoutMs);
  }

  /** Closes every server, socket and timer. */
  async close(): Promise<void> {
    this.signalling.close();
    await Promise.all([this.rest.close(), this.gateway.close(), this.voice.close(), this.udp.close()]);
    this.audio.close();
  }

  #dispatchInteraction(spec: CommandSpec & { focused?: string }, kind: 'command' | 'autocomplete'): FakeInteraction {
    const g = this.guild(spec.guild);
    const ids = {
      id: this.ids.next(), token: `fake-interaction-${randomToken()}`, applicationId: this.bot.id,
      commandId: spec.commandId ?? this.commands.idOf(spec.command, g.id) ?? this.ids.next(),
    };
    return this.#dispatch(g, interactionPayload(g, spec, ids), ids, kind, spec.command);
  }

  #dispatch(g: GuildState, d: Json, ids: { id: string; token: string }, kind: DispatchedInteraction['kind'], command: string): FakeInteraction {
    const member = d['member'] as { user: { id: string } };
    const dispatched: DispatchedInteraction = {
      id: ids.id, token: ids.token, kind, command, guildId: g.id, channelId: String(d['channel_id']),
      userId: member.user.id, dispatchedAt: this.now(),
    };
    return this.#deliver(dispatched, d);
  }

  #deliver(dispatched: DispatchedInteraction, d: Json): FakeInteraction {
    const ids = dispatched;
    this.interactions.register(dispatched);
    if (this.gateway.dispatch('INTERACTION_CREATE', d).length === 0) {
      throw new FakeDiscordError('no bot session is connected to the fake gateway to receive the interaction');
    }
    return {
      ...dispatched,
      reply: (options) => this.interactions.waitForReply(ids.id, options),
      replies: () => this.interactions.replies(ids.id),
      responses: () => this.interactions.responses(ids.id),
      choices: (timeoutMs) => this.interactions.waitForChoices(ids.id, timeoutMs),
    };
  }

  /** A user by id or name: a member of some guild, or someone who left. */
  #user(ref: string): UserRecord | undefined {
    for (const g of this.guilds) {
      for (const m of g.members.values()) if (m.user.id === ref || m.user.username === ref) return m.user;
    }
    return this.#departed.get(ref) ?? [...this.#departed.values()].find((u) => u.username === ref);
  }

  #sendGuilds(session: GatewaySession): void {
    for (const g of this.guilds) {
      this.gateway.dispatchTo(session, 'GUILD_CREATE', guildCreatePayload(g, { voiceStates: (session.intents & GUILD_VOICE_STATES) !== 0 }));
    }
  }
}
