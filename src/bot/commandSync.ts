/**
 * Registering slash commands with Discord. At start-up the registered set is fetched and compared with the local
 * definitions after normalization (Discord adds ids and versions and leaves out default values); the set is
 * replaced only when they differ, so restarts do not churn Discord's command cache.
 */
import { Routes, type REST, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';

export type CommandDefinition = RESTPostAPIChatInputApplicationCommandsJSONBody;

/** Keys Discord adds to what it returns (or that do not change behaviour), ignored when comparing. */
const IGNORED_KEYS = new Set(['id', 'application_id', 'version', 'guild_id', 'dm_permission', 'name_localized', 'description_localized', 'handler']);

function isDefault(key: string, value: unknown): boolean {
  if (value === null || value === undefined || value === false) return true;
  if (Array.isArray(value) && value.length === 0) return true;
  // Discord reports guild install as the default integration type.
  if (key === 'integration_types' && Array.isArray(value) && value.length === 1 && value[0] === 0) return true;
  return false;
}

/** A canonical form of a command (or any part of it): ignored and default-valued keys dropped, keys sorted. */
export function normalizeDefinition(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normalizeDefinition(v, key));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (IGNORED_KEYS.has(k) || isDefault(k, v)) continue;
    out[k] = normalizeDefinition(v, k);
  }
  return out;
}

/** Whether two sets of commands register the same thing (order of commands does not matter). */
export function sameDefinitions(a: readonly unknown[], b: readonly unknown[]): boolean {
  const canon = (list: readonly unknown[]): string =>
    JSON.stringify(
      list
        .map((c) => normalizeDefinition(c) as Record<string, unknown>)
        .sort((x, y) => String(x['name']).localeCompare(String(y['name']))),
    );
  return canon(a) === canon(b);
}

export interface SyncTarget {
  applicationId: string;
  /** Register in this guild only (development); undefined: globally. */
  guildId?: string | undefined;
}

function route(target: SyncTarget): `/${string}` {
  return target.guildId ? Routes.applicationGuildCommands(target.applicationId, target.guildId) : Routes.applicationCommands(target.applicationId);
}

/** Replaces the registered commands with `definitions` (one PUT). */
export async function putCommands(rest: REST, target: SyncTarget, definitions: readonly CommandDefinition[]): Promise<void> {
  await rest.put(route(target), { body: definitions });
}

/** Fetches the registered commands and PUTs `definitions` only if they differ; returns whether it did. */
export async function syncCommands(rest: REST, target: SyncTarget, definitions: readonly CommandDefinition[]): Promise<boolean> {
  const registered = await rest.get(route(target));
  if (Array.isArray(registered) && sameDefinitions(registered, definitions)) return false;
  await putCommands(rest, target, definitions);
  return true;
}
