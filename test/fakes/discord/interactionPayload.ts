/** INTERACTION_CREATE payloads for chat-input commands and autocomplete, built from a test's short spec. */
import type { GuildState } from './model.js';
import { channelPayload, memberPayload, rolePayload, userPayload, type Json } from './payloads.js';

type OptionKind = 'string' | 'integer' | 'number' | 'boolean' | 'user' | 'channel' | 'role' | 'mentionable';

/** An option value with an explicit type (users, channels and roles are names or ids, resolved in the guild). */
export interface TypedOption {
  type: OptionKind;
  value: string | number | boolean;
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
  string: 3, integer: 4, boolean: 5, user: 6, channel: 7, role: 8, mentionable: 9, number: 10,
};

export interface InteractionIds {
  id: string;
  token: string;
  applicationId: string;
  commandId: string;
}

/** Builds the INTERACTION_CREATE `d` (type 2, or 4 when `focused` is given). */
export function interactionPayload(g: GuildState, spec: CommandSpec & { focused?: string }, ids: InteractionIds): Json {
  const member = spec.user === undefined ? g.firstHuman() : g.member(spec.user);
  const channel = g.textChannel(spec.channel);
  const resolved: { users: Json; members: Json; channels: Json; roles: Json } = { users: {}, members: {}, channels: {}, roles: {} };
  const leaf = Object.entries(spec.options ?? {}).map(([name, raw]) => {
    const typed: TypedOption = typeof raw === 'object' ? raw : { type: inferKind(raw), value: raw };
    const value = resolveValue(g, typed, resolved);
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
    id: ids.id, application_id: ids.applicationId, type: spec.focused === undefined ? 2 : 4, token: ids.token, version: 1,
    data: { id: ids.commandId, name: spec.command, type: 1, options, ...(hasResolved ? { resolved } : {}) },
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

function resolveValue(
  g: GuildState, o: TypedOption, resolved: { users: Json; members: Json; channels: Json; roles: Json },
): string | number | boolean {
  const ref = String(o.value);
  switch (o.type) {
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
