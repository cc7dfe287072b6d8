import { describe, expect, it } from 'vitest';
import { normalizeDefinition, sameDefinitions } from '../../src/bot/commandSync.js';
import { CommandRegistry } from '../../src/bot/registry.js';
import { commands } from '../../src/commands/index.js';

/** What Discord's GET returns for a command we registered: ids, versions, nulls and defaults filled in. */
function asDiscordReturnsIt(def: Record<string, unknown>, i: number): Record<string, unknown> {
  const fill = (options: unknown): unknown =>
    Array.isArray(options)
      ? options.map((o: Record<string, unknown>) => ({
          name_localizations: null,
          description_localizations: null,
          ...o,
          ...(o['options'] ? { options: fill(o['options']) } : {}),
        }))
      : options;
  return {
    id: `10${i}`,
    application_id: '999',
    version: `20${i}`,
    type: 1,
    nsfw: false,
    dm_permission: true,
    integration_types: [0],
    name_localizations: null,
    description_localizations: null,
    default_member_permissions: null,
    ...def,
    ...(def['options'] ? { options: fill(def['options']) } : {}),
  };
}

describe('command sync comparison', () => {
  const local = new CommandRegistry(commands).definitions();

  it('treats the registered set as equal when Discord only added ids, versions and defaults, in any order', () => {
    const remote = local.map((d, i) => asDiscordReturnsIt(d as unknown as Record<string, unknown>, i)).reverse();
    expect(sameDefinitions(remote, local)).toBe(true);
  });

  it('sees a changed description, a new option or a missing command as a difference', () => {
    const remote = local.map((d, i) => asDiscordReturnsIt(d as unknown as Record<string, unknown>, i));
    const changed = remote.map((c) => (c['name'] === 'skip' ? { ...c, description: 'old text' } : c));
    expect(sameDefinitions(changed, local)).toBe(false);
    expect(sameDefinitions(remote.slice(1), local)).toBe(false);
    const speak = remote.find((c) => c['name'] === 'speak') as Record<string, unknown>;
    const fewer = remote.map((c) => (c === speak ? { ...speak, options: (speak['options'] as unknown[]).slice(0, 1) } : c));
    expect(sameDefinitions(fewer, local)).toBe(false);
  });

  it('sees a changed default permission as a difference', () => {
    const remote = local.map((d, i) => asDiscordReturnsIt(d as unknown as Record<string, unknown>, i));
    const opened = remote.map((c) => (c['name'] === 'voice' ? { ...c, default_member_permissions: null } : c));
    expect(sameDefinitions(opened, local)).toBe(false);
  });

  it('drops false, null and empty values and sorts keys', () => {
    expect(normalizeDefinition({ b: 1, a: { required: false, x: [], y: null, z: 'k' } })).toEqual({ a: { z: 'k' }, b: 1 });
  });
});
