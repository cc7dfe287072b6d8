import { FakeDiscordError } from './errors.js';
import {
  DEFAULT_EVERYONE_PERMISSIONS, basePermissions, channelPermissions, toBits,
  type Overwrite, type PermissionSubject, type PermissionsInput,
} from './permissions.js';
import type { SnowflakeFactory } from './snowflakes.js';

/** A user; `id` is generated when omitted. */
export interface UserSpec {
  id?: string;
  username: string;
  globalName?: string;
  bot?: boolean;
}

export interface MemberSpec extends UserSpec {
  /** Role names or ids (besides @everyone). */
  roles?: readonly string[];
  nick?: string;
}

export interface RoleSpec {
  id?: string;
  name: string;
  permissions?: PermissionsInput;
}

/**
 * A channel permission overwrite. `target` is '@everyone', 'bot' (the fake's bot user), a role name/id or a
 * member name/id (in that order of precedence).
 */
export interface OverwriteSpec {
  target: string;
  allow?: PermissionsInput;
  deny?: PermissionsInput;
}

export interface ChannelSpec {
  id?: string;
  name: string;
  /** Default 'text'. */
  type?: 'text' | 'voice';
  overwrites?: readonly OverwriteSpec[];
  userLimit?: number;
  /** Voice only: bits per second the server's admin chose (Discord: 8000..384000 by boost level). Default 64000. */
  bitrate?: number;
  /** Voice only: the gateway ignores the bot's joins here, as Discord does when it may not connect. */
  refuseJoins?: boolean;
}

export interface VoiceStateSpec {
  /** Member name or id. */
  user: string;
  /** Voice channel name or id. */
  channel: string;
  selfMute?: boolean;
  selfDeaf?: boolean;
}

/** What a test declares about a guild. Every field has a default (see DEFAULT_GUILD). */
export interface GuildSpec {
  id?: string;
  name?: string;
  /** Member name or id of the owner; default a user who is not a listed member. */
  owner?: string;
  /** Default DEFAULT_EVERYONE_PERMISSIONS. */
  everyonePermissions?: PermissionsInput;
  roles?: readonly RoleSpec[];
  /** Default: text 'general' and voice 'Voice'. */
  channels?: readonly ChannelSpec[];
  /** The bot is always a member; these are the others. Default: 'alice'. */
  members?: readonly MemberSpec[];
  /** Role names or ids given to the bot's member. */
  botRoles?: readonly string[];
  /** Who sits in which voice channel when the bot connects. Default none. */
  voiceStates?: readonly VoiceStateSpec[];
}

/** The guild used when a test gives no spec at all: alice sits in 'Voice'. */
export const DEFAULT_GUILD: GuildSpec = {
  name: 'Fake Guild',
  channels: [{ name: 'general' }, { name: 'Voice', type: 'voice' }],
  members: [{ username: 'alice' }],
  voiceStates: [{ user: 'alice', channel: 'Voice' }],
};

export interface UserRecord {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
}

export interface MemberRecord {
  user: UserRecord;
  roleIds: string[];
  nick: string | null;
  joinedAt: string;
}

export interface RoleRecord {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
}

export interface ChannelRecord {
  id: string;
  name: string;
  /** Discord channel type: 0 text, 2 voice. */
  type: 0 | 2;
  position: number;
  overwrites: Overwrite[];
  userLimit: number;
  bitrate: number;
  refuseJoins: boolean;
}

export interface VoiceStateRecord {
  userId: string;
  channelId: string;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
}

/** The live state of one fake guild: what GUILD_CREATE describes and what the dispatch helpers change. */
export class GuildState {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly joinedAt = new Date().toISOString();
  readonly roles = new Map<string, RoleRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly members = new Map<string, MemberRecord>();
  readonly voiceStates = new Map<string, VoiceStateRecord>();

  constructor(spec: GuildSpec, readonly bot: UserRecord, ids: SnowflakeFactory) {
    this.id = spec.id ?? ids.next();
    this.name = spec.name ?? 'Fake Guild';
    this.roles.set(this.id, {
      id: this.id, name: '@everyone', position: 0,
      permissions: toBits(spec.everyonePermissions ?? DEFAULT_EVERYONE_PERMISSIONS),
    });
    (spec.roles ?? []).forEach((r, i) => {
      const id = r.id ?? ids.next();
      this.roles.set(id, { id, name: r.name, permissions: toBits(r.permissions), position: i + 1 });
    });
    this.addMember({ id: bot.id, username: bot.username, bot: true, roles: spec.botRoles ?? [] }, ids);
    for (const m of spec.members ?? DEFAULT_GUILD.members ?? []) this.addMember(m, ids);
    this.ownerId = spec.owner === undefined ? ids.next() : this.member(spec.owner).user.id;
    (spec.channels ?? DEFAULT_GUILD.channels ?? []).forEach((c, i) => this.addChannel(c, i, ids));
    for (const v of spec.voiceStates ?? []) {
      this.setVoiceState(this.member(v.user).user.id, this.voiceChannel(v.channel).id, {
        selfMute: v.selfMute ?? false, selfDeaf: v.selfDeaf ?? false,
      });
    }
  }

  addMember(spec: MemberSpec, ids: SnowflakeFactory): MemberRecord {
    const user: UserRecord = {
      id: spec.id ?? ids.next(), username: spec.username, globalName: spec.globalName ?? null, bot: spec.bot ?? false,
    };
    const member: MemberRecord = {
      user, roleIds: (spec.roles ?? []).map((r) => this.role(r).id), nick: spec.nick ?? null, joinedAt: this.joinedAt,
    };
    this.members.set(user.id, member);
    return member;
  }

  addChannel(spec: ChannelSpec, position: number, ids: SnowflakeFactory): ChannelRecord {
    const channel: ChannelRecord = {
      id: spec.id ?? ids.next(), name: spec.name, type: spec.type === 'voice' ? 2 : 0, position,
      overwrites: (spec.overwrites ?? []).map((o) => this.#overwrite(o)),
      userLimit: spec.userLimit ?? 0, bitrate: spec.bitrate ?? 64000, refuseJoins: spec.refuseJoins ?? false,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** A channel by id or name. */
  channel(ref: string): ChannelRecord {
    const found = this.channels.get(ref) ?? [...this.channels.values()].find((c) => c.name === ref);
    if (!found) throw this.#unknown('channel', ref, [...this.channels.values()].map((c) => c.name));
    return found;
  }

  textChannel(ref?: string): ChannelRecord {
    if (ref !== undefined) return this.#ofType(this.channel(ref), 0);
    const first = [...this.channels.values()].find((c) => c.type === 0);
    if (!first) throw new FakeDiscordError(`guild '${this.name}' has no text channel`);
    return first;
  }

  voiceChannel(ref: string): ChannelRecord {
    return this.#ofType(this.channel(ref), 2);
  }

  /** A member by id, username, global name or nickname; 'bot' is the fake's bot. */
  member(ref: string): MemberRecord {
    if (ref === 'bot') return this.member(this.bot.id);
    const found = this.members.get(ref)
      ?? [...this.members.values()].find((m) => m.user.username === ref || m.user.globalName === ref || m.nick === ref);
    if (!found) throw this.#unknown('member', ref, [...this.members.values()].map((m) => m.user.username));
    return found;
  }

  /** The first member who is not a bot (who fires interactions when a test does not say). */
  firstHuman(): MemberRecord {
    const human = [...this.members.values()].find((m) => !m.user.bot);
    if (!human) throw new FakeDiscordError(`guild '${this.name}' has no human member`);
    return human;
  }

  /** A role by id or name; '@everyone' is the guild id. */
  role(ref: string): RoleRecord {
    const found = this.roles.get(ref) ?? [...this.roles.values()].find((r) => r.name === ref);
    if (!found) throw this.#unknown('role', ref, [...this.roles.values()].map((r) => r.name));
    return found;
  }

  /** Guild-level permissions of a member. */
  memberPermissions(userId: string): bigint {
    return basePermissions(this.#subject(userId));
  }

  /** Permissions of a member in a channel, overwrites applied. */
  permissionsIn(channelId: string, userId: string): bigint {
    return channelPermissions(this.#subject(userId), this.channel(channelId).overwrites);
  }

  /** Moves a user (null: out of voice). Returns the new record, or undefined when they left. */
  setVoiceState(
    userId: string, channelId: string | null, extras: { sessionId?: string; selfMute?: boolean; selfDeaf?: boolean } = {},
  ): VoiceStateRecord | undefined {
    if (channelId === null) {
      this.voiceStates.delete(userId);
      return undefined;
    }
    const previous = this.voiceStates.get(userId);
    const record: VoiceStateRecord = {
      userId, channelId,
      sessionId: extras.sessionId ?? previous?.sessionId ?? `fake-voice-session-${userId}`,
      selfMute: extras.selfMute ?? previous?.selfMute ?? false,
      selfDeaf: extras.selfDeaf ?? previous?.selfDeaf ?? false,
    };
    this.voiceStates.set(userId, record);
    return record;
  }

  /** Users (ids) currently in a voice channel. */
  usersIn(channelId: string): string[] {
    return [...this.voiceStates.values()].filter((v) => v.channelId === channelId).map((v) => v.userId);
  }

  #overwrite(o: OverwriteSpec): Overwrite {
    const allow = toBits(o.allow);
    const deny = toBits(o.deny);
    if (o.target === '@everyone') return { id: this.id, type: 0, allow, deny };
    if (o.target === 'bot') return { id: this.bot.id, type: 1, allow, deny };
    const role = this.roles.get(o.target) ?? [...this.roles.values()].find((r) => r.name === o.target);
    if (role) return { id: role.id, type: 0, allow, deny };
    return { id: this.member(o.target).user.id, type: 1, allow, deny };
  }

  #subject(userId: string): PermissionSubject {
    const rolePermissions = new Map([...this.roles.values()].map((r) => [r.id, r.permissions] as const));
    return { guildId: this.id, ownerId: this.ownerId, rolePermissions, memberId: userId, memberRoleIds: this.member(userId).roleIds };
  }

  #ofType(channel: ChannelRecord, type: 0 | 2): ChannelRecord {
    if (channel.type !== type) {
      throw new FakeDiscordError(`channel '${channel.name}' is a ${channel.type === 2 ? 'voice' : 'text'} channel`);
    }
    return channel;
  }

  #unknown(kind: string, ref: string, known: string[]): FakeDiscordError {
    return new FakeDiscordError(`unknown ${kind} '${ref}' in guild '${this.name}' (known: ${known.join(', ')})`);
  }
}
