/** INTERACTION_CREATE payloads for chat-input commands and autocomplete, built from a test's short spec. */
import type { GuildState } from './model.js';
import { channelPayload, memberPayload, rolePayload, userPayload, type Json } from './payloads.js';

type OptionKind = 'string' | 'integer' | 'number' | 'boolean' | 'user' | 'channel' | 'role' | 'mentionable' | 'attachment';

/** A file the user attached to an option (type 11); `url` is where the bot downloads it (a test's CDN). */
export interface AttachmentSpec {
  filename: string;
  size: number;
  url: string;
  contentType?: string;
}

/** An option value with an explicit type (users, channels and roles are names or ids, resolved in the guild). */
export interface TypedOption {
  type: OptionKind;
  value: string | number | boolean;
  /** For 'attachment': the file (the value is then its id). */
  attachment?: AttachmentSpec;
}

/** A plain value infers its type: string 3, integer 4, non-integer 10, boolean 5. */
export type OptionValue = string | number | boolean | TypedOption;

/** Typed option helpers: `options: { who: opt.user('alice'), where: opt.channel('Voice') }`. */
export const opt = {
  string: (value: string): TypedOption => ({ type: 'string', value }),
  integer: (value: number): TypedOption => ({ type: 'integer', value }),
  number: (value: number): TypedOption => ({ type: 'number', value }),
  boolean: (value: boolean): TypedOption => ({ type: 'boolean', value }),
  user: (ref: string): TypedOption => ({ type: 'user', value: ref }),
  channel: (ref: string): TypedOption => ({ type: 'channel', value: ref }),
  role: (ref: string): TypedOption => ({ type: 'role', value: ref }),
  attachment: (file: AttachmentSpec): TypedOption => ({ type: 'attachment', value: '', attachment: file }),
};

/** A slash command as a user types it. */
export interface CommandSpec {
  command: string;
  subcommand?: string;
  /** Subcommand group (needs `subcommand`). */
  group?: string;
  options?: Record<string, OptionValue>;
  /** Guild name or id; default the first guild. */
  guild?: string;
  /** Text channel name or id; default the guild's first text channel. */
  channel?: string;
  /** Member name or id; default the guild's first human member. */
  user?: string;
  /** Default the id of the registered command with that name, else a fresh id. */
  commandId?: string;
  locale?: string;
}

/** Autocomplete: `focused` names the option being typed; its value in `options` is the partial text. */
export interface AutocompleteSpec extends CommandSpec {
  focused: string;
}

const TYPE_NUMBERS: Record<OptionKind, number> = {
  string: 3, integer: 4, boolean: 5, user: 6, channel: 7, role: 8, mentionable: 9, number: 10, attachment: 11,
};

export interface InteractionIds {
  id: string;
  token: string;
  applicationId: string;
  commandId: string;
}

/** Builds the INTERACTION_CREATE `d` (type 2, or 4 when `focused` is given). */
export function interactionPayload(g: GuildState, spec: CommandSpec & { focused?: string }, ids: InteractionIds): Json {
  const resolved: Resolved = { users: {}, members: {}, channels: {}, roles: {}, attachments: {} };
  const leaf = Object.entries(spec.options ?? {}).map(([name, raw]) => {
    const typed: TypedOption = typeof raw === 'object' ? raw : { type: inferKind(raw), value: raw };
    const value = resolveValue(g, typed, resolved, ids.id);
    return {
      name, type: TYPE_NUMBERS[typed.type], value,
      ...(spec.focused === name ? { focused: true } : {}),
    };
  });
  let options: Json[] = leaf;
  if (spec.subcommand !== undefined) options = [{ name: spec.subcommand, type: 1, options: leaf }];
  if (spec.group !== undefined) options = [{ name: spec.group, type: 2, options }];
  const hasResolved = Object.values(resolved).some((m) => Object.keys(m).length > 0);
  return {
    ...interactionBase(g, spec, ids, spec.focused === undefined ? 2 : 4),
    data: { id: ids.commandId, name: spec.command, type: 1, options, ...(hasResolved ? { resolved } : {}) },
  };
}

/** A button press on a message the bot sent: INTERACTION_CREATE type 3 (MESSAGE_COMPONENT). */
export interface ButtonSpec {
  customId: string;
  /** The message carrying the button (id and content as the bot sent it). */
  message: { id: string; content: string; flags?: number };
  guild?: string;
  channel?: string;
  user?: string;
}

/** Builds the INTERACTION_CREATE `d` of a button press (type 3, component_type 2). */
export function buttonPayload(g: GuildState, spec: ButtonSpec, ids: Omit<InteractionIds, 'commandId'>, message: Json): Json {
  return {
    ...interactionBase(g, spec, { ...ids, commandId: '' }, 3),
    data: { custom_id: spec.customId, component_type: 2 },
    message,
  };
}

type Resolved = { users: Json; members: Json; channels: Json; roles: Json; attachments: Json };

function interactionBase(g: GuildState, spec: { guild?: string; channel?: string; user?: string; locale?: string }, ids: InteractionIds, type: number): Json {
  const member = spec.user === undefined ? g.firstHuman() : g.member(spec.user);
  const channel = g.textChannel(spec.channel);
  return {
    id: ids.id, application_id: ids.applicationId, type, token: ids.token, version: 1,
    guild_id: g.id, guild: { id: g.id, locale: 'en-US', features: [] },
    channel_id: channel.id,
    channel: { ...channelPayload(g, channel), permissions: g.permissionsIn(channel.id, member.user.id).toString() },
    member: { ...memberPayload(member), permissions: g.permissionsIn(channel.id, member.user.id).toString() },
    app_permissions: g.permissionsIn(channel.id, g.bot.id).toString(),
    locale: spec.locale ?? 'en-US', guild_locale: 'en-US',
    entitlements: [], authorizing_integration_owners: { '0': g.id }, context: 0, attachment_size_limit: 10_485_760,
  };
}

function inferKind(value: string | number | boolean): OptionKind {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  return Number.isInteger(value) ? 'integer' : 'number';
}

function resolveValue(g: GuildState, o: TypedOption, resolved: Resolved, interactionId: string): string | number | boolean {
  const ref = String(o.value);
  switch (o.type) {
    case 'attachment': {
      const file = o.attachment;
      if (!file) return ref;
      const id = `${interactionId}${Object.keys(resolved.attachments).length}`;
      resolved.attachments[id] = {
        id, filename: file.filename, size: file.size, url: file.url, proxy_url: file.url,
        ...(file.contentType === undefined ? {} : { content_type: file.contentType }), ephemeral: true,
      };
      return id;
    }
    case 'user':
    case 'mentionable': {
      const m = g.member(ref);
      resolved.users[m.user.id] = userPayload(m.user);
      resolved.members[m.user.id] = { ...memberPayload(m, false), permissions: g.memberPermissions(m.user.id).toString() };
      return m.user.id;
    }
    case 'channel': {
      const c = g.channel(ref);
      resolved.channels[c.id] = { id: c.id, name: c.name, type: c.type, guild_id: g.id, permissions: g.permissionsIn(c.id, g.bot.id).toString() };
      return c.id;
    }
    case 'role': {
      const r = g.role(ref);
      resolved.roles[r.id] = rolePayload(r);
      return r.id;
    }
    default:
      return o.value;
  }
}
