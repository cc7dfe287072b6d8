import { PermissionFlagsBits } from 'discord.js';

/** A permission flag name as discord.js spells it ('Connect', 'Speak', 'ViewChannel', ...). */
export type PermissionName = keyof typeof PermissionFlagsBits;

/** Permissions given as a bit set or a list of flag names. */
export type PermissionsInput = bigint | readonly PermissionName[];

const ALL = Object.values(PermissionFlagsBits).reduce((acc, bit) => acc | bit, 0n);

/** What @everyone may do unless a guild spec says otherwise: a typical community server. */
export const DEFAULT_EVERYONE_PERMISSIONS: readonly PermissionName[] = [
  'ViewChannel', 'SendMessages', 'ReadMessageHistory', 'EmbedLinks', 'AttachFiles', 'AddReactions',
  'UseApplicationCommands', 'Connect', 'Speak', 'UseVAD', 'ChangeNickname', 'CreateInstantInvite',
];

export function toBits(input: PermissionsInput | undefined): bigint {
  if (input === undefined) return 0n;
  if (typeof input === 'bigint') return input;
  return input.reduce((acc, name) => acc | PermissionFlagsBits[name], 0n);
}

/** One permission overwrite as Discord stores it (type 0 = role, 1 = member). */
export interface Overwrite {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface PermissionSubject {
  guildId: string;
  ownerId: string;
  /** Role id -> permission bits, including @everyone (id = guild id). */
  rolePermissions: ReadonlyMap<string, bigint>;
  memberId: string;
  memberRoleIds: readonly string[];
}

/** Guild-level permissions of a member (Discord's algorithm: owner and Administrator get everything). */
export function basePermissions(s: PermissionSubject): bigint {
  if (s.memberId === s.ownerId) return ALL;
  let bits = s.rolePermissions.get(s.guildId) ?? 0n;
  for (const roleId of s.memberRoleIds) bits |= s.rolePermissions.get(roleId) ?? 0n;
  return (bits & PermissionFlagsBits.Administrator) !== 0n ? ALL : bits;
}

/** Channel permissions: base, then @everyone overwrite, role overwrites together, then the member's own. */
export function channelPermissions(s: PermissionSubject, overwrites: readonly Overwrite[]): bigint {
  const base = basePermissions(s);
  if ((base & PermissionFlagsBits.Administrator) !== 0n || base === ALL) return ALL;
  let bits = base;
  const everyone = overwrites.find((o) => o.id === s.guildId);
  if (everyone) bits = (bits & ~everyone.deny) | everyone.allow;
  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites) {
    if (o.type === 0 && o.id !== s.guildId && s.memberRoleIds.includes(o.id)) {
      allow |= o.allow;
      deny |= o.deny;
    }
  }
  bits = (bits & ~deny) | allow;
  const own = overwrites.find((o) => o.type === 1 && o.id === s.memberId);
  if (own) bits = (bits & ~own.deny) | own.allow;
  // Without ViewChannel nothing else in the channel applies.
  return (bits & PermissionFlagsBits.ViewChannel) === 0n ? 0n : bits;
}

export function hasPermission(bits: bigint, name: PermissionName): boolean {
  return (bits & PermissionFlagsBits[name]) !== 0n;
}
