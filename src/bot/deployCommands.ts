/**
 * `npm run deploy-commands -- [--guild ID | --global]`: registers the slash commands now (one PUT), whether or
 * not they changed. Without a flag: COMMAND_GUILD_ID when set, else globally. Guild commands update at once;
 * global ones can take a while to reach every client.
 */
import '../nodeVersion.js';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { REST, Routes, type APIApplication } from 'discord.js';
import { commands } from '../commands/index.js';
import { ConfigError, loadDiscordConfig, loadDotEnv, type DiscordConfig } from '../config.js';
import { putCommands } from './commandSync.js';
import { describeDiscordFailure } from './connectErrors.js';
import { CommandRegistry } from './registry.js';

export interface DeployOptions {
  /** Guild to register in; undefined: global. */
  guildId: string | undefined;
}

/** Registers every command; returns where and how many. */
export async function deployCommands(config: Pick<DiscordConfig, 'discordToken' | 'discordApiUrl'>, options: DeployOptions): Promise<{ count: number; scope: string }> {
  const rest = new REST(config.discordApiUrl ? { api: config.discordApiUrl } : {}).setToken(config.discordToken);
  try {
    const app = (await rest.get(Routes.currentApplication())) as APIApplication;
    const definitions = new CommandRegistry(commands).definitions();
    await putCommands(rest, { applicationId: app.id, guildId: options.guildId }, definitions);
    return { count: definitions.length, scope: options.guildId ? `guild ${options.guildId}` : 'global' };
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
}

/** Reads `--guild ID` / `--global` from the arguments; throws ConfigError on anything else. */
export function parseDeployArgs(args: readonly string[], fallbackGuild: string | undefined): DeployOptions {
  let guildId = fallbackGuild;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--global') guildId = undefined;
    else if (arg === '--guild') {
      const id = args[i + 1];
      if (!id || !/^\d{17,20}$/.test(id)) throw new ConfigError('--guild needs a server id (17 to 20 digits)');
      guildId = id;
      i += 1;
    } else throw new ConfigError(`unknown argument "${arg}" (use --guild ID or --global)`);
  }
  return { guildId };
}

async function main(): Promise<void> {
  let config: DiscordConfig | undefined;
  try {
    loadDotEnv();
    // Only what Discord needs: no MiniMax key for a script that never calls MiniMax.
    config = loadDiscordConfig();
    const options = parseDeployArgs(process.argv.slice(2), config.commandGuildId);
    const { count, scope } = await deployCommands(config, options);
    process.stdout.write(`Registered ${count} commands (${scope}).\n`);
  } catch (error) {
    // Config problems and Discord's refusals are one line; neither carries the token.
    const described = error instanceof ConfigError ? error.message : describeDiscordFailure(error, config?.discordApiUrl);
    const message = described ?? (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    process.stderr.write(`deploy-commands: ${message}\n`);
    process.exitCode = 1;
  }
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) void main();
