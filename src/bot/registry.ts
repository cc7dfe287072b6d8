/**
 * Commands keyed by name, checked when loaded: a malformed command module fails start-up with its name, not
 * the first interaction that reaches it.
 */
import type { APIApplicationCommandOption, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { Command } from '../commands/types.js';

export class CommandShapeError extends Error {
  override readonly name = 'CommandShapeError';
}

export class CommandRegistry {
  private readonly byName = new Map<string, Command>();

  /** Validates every command's shape; throws CommandShapeError naming the first bad one. */
  constructor(commands: readonly unknown[]) {
    commands.forEach((candidate, index) => {
      const command = assertCommand(candidate, index);
      const name = command.data.name;
      if (this.byName.has(name)) throw new CommandShapeError(`two commands are named "${name}"`);
      this.byName.set(name, command);
    });
  }

  get(name: string): Command | undefined {
    return this.byName.get(name);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** The definitions Discord registers, in load order. */
  definitions(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
    return [...this.byName.values()].map((c) => c.data.toJSON());
  }
}

function assertCommand(candidate: unknown, index: number): Command {
  const where = `command #${index}`;
  if (typeof candidate !== 'object' || candidate === null) throw new CommandShapeError(`${where} is not an object`);
  const c = candidate as Partial<Record<keyof Command, unknown>>;
  const data = c.data as Partial<Command['data']> | undefined;
  if (!data || typeof data.name !== 'string' || typeof data.toJSON !== 'function') {
    throw new CommandShapeError(`${where} has no data with a name and toJSON()`);
  }
  const label = `command "${data.name}"`;
  if (typeof c.execute !== 'function') throw new CommandShapeError(`${label} has no execute()`);
  if (c.autocomplete !== undefined && typeof c.autocomplete !== 'function') throw new CommandShapeError(`${label} has a non-function autocomplete`);
  const json = data.toJSON();
  if (json.name !== data.name) throw new CommandShapeError(`${label} serializes under another name ("${json.name}")`);
  if (usesAutocomplete(json.options ?? []) && c.autocomplete === undefined) {
    throw new CommandShapeError(`${label} has autocomplete options but no autocomplete()`);
  }
  return candidate as Command;
}

function usesAutocomplete(options: readonly APIApplicationCommandOption[]): boolean {
  return options.some((o) => {
    if ('autocomplete' in o && o.autocomplete === true) return true;
    return 'options' in o && Array.isArray(o.options) && usesAutocomplete(o.options);
  });
}
