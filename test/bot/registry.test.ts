import { SlashCommandBuilder } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { CommandRegistry, CommandShapeError } from '../../src/bot/registry.js';
import { commands } from '../../src/commands/index.js';
import { privately } from '../../src/commands/reply.js';

const EXPECTED = ['speak', 'join', 'leave', 'skip', 'clear', 'voice', 'myvoice', 'autoread', 'dictionary', 'status', 'usage'];

describe('command registry', () => {
  it('loads every command under its contract name', () => {
    const registry = new CommandRegistry(commands);
    expect(registry.names).toEqual(EXPECTED);
    for (const name of EXPECTED) expect(registry.get(name)?.data.name).toBe(name);
  });

  it('marks configuration commands Manage Server by default and leaves the others open', () => {
    const defs = new CommandRegistry(commands).definitions();
    const perms = Object.fromEntries(defs.map((d) => [d.name, d.default_member_permissions ?? null]));
    const manageGuild = (1n << 5n).toString();
    expect(perms).toMatchObject({ voice: manageGuild, autoread: manageGuild, dictionary: manageGuild });
    for (const open of ['speak', 'join', 'leave', 'skip', 'clear', 'myvoice', 'status', 'usage']) expect(perms[open]).toBeNull();
  });

  it('offers choices for model and emotion and autocomplete for voice and language', () => {
    const voice = new CommandRegistry(commands).definitions().find((d) => d.name === 'voice');
    const set = voice?.options?.find((o) => o.name === 'set') as { options: { name: string; choices?: unknown[]; autocomplete?: boolean }[] };
    const byName = Object.fromEntries(set.options.map((o) => [o.name, o]));
    expect(byName['model']?.choices).toHaveLength(8);
    expect(byName['emotion']?.choices).toHaveLength(9);
    expect(byName['voice']?.autocomplete).toBe(true);
    expect(byName['language']?.autocomplete).toBe(true);
  });

  const data = (name: string) => new SlashCommandBuilder().setName(name).setDescription('d');
  const execute = () => Promise.resolve(privately('x'));

  it('refuses a module without execute, a duplicate name, and autocomplete options without a handler', () => {
    expect(() => new CommandRegistry([{ data: data('a') }])).toThrow(CommandShapeError);
    expect(() => new CommandRegistry([{ data: data('a'), execute }, { data: data('a'), execute }])).toThrow(/two commands/);
    const auto = data('b').addStringOption((o) => o.setName('q').setDescription('q').setAutocomplete(true));
    expect(() => new CommandRegistry([{ data: auto, execute }])).toThrow(/autocomplete/);
    expect(() => new CommandRegistry([null])).toThrow(/not an object/);
  });
});
