/**
 * interactionCreate: dispatches chat-input commands and autocomplete by name, sends each command's Reply, and
 * is the ONE place unexpected errors are handled (logged with command and guild, answered generically).
 */
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
} from 'discord.js';
import type { BotConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { RateLimiter } from '../commands/rateLimit.js';
import { fitMessage, privately, type Reply } from '../commands/reply.js';
import type { ButtonContext, ButtonHandler, CommandContext, PressContext } from '../commands/types.js';
import type { SessionManager } from '../session/index.js';
import { StoreError } from '../store/errors.js';
import type { Store } from '../store/types.js';
import type { VoiceCatalogue, VoiceStudio } from '../t2a/index.js';
import { NO_MENTIONS } from './client.js';
import type { CommandRegistry } from './registry.js';

export interface InteractionDeps {
  registry: CommandRegistry;
  sessions: SessionManager;
  store: Store;
  catalogue: VoiceCatalogue;
  studio?: VoiceStudio | undefined;
  /** Handlers of the buttons under the bot's replies. */
  buttons?: readonly ButtonHandler[] | undefined;
  config: BotConfig;
  logger: Logger;
  rateLimiter: RateLimiter;
  now: () => number;
}

const GENERIC_ERROR = 'Something went wrong on my side. Try again in a moment; if it keeps happening, tell a server admin.';

/** The interactionCreate listener. Never rejects: every failure is logged here. */
export function createInteractionHandler(deps: InteractionDeps): (interaction: Interaction) => Promise<void> {
  return async (interaction) => {
    if (interaction.isChatInputCommand()) await runCommand(deps, interaction);
    else if (interaction.isAutocomplete()) await runAutocomplete(deps, interaction);
    else if (interaction.isButton()) await runButton(deps, interaction);
  };
}

async function runCommand(deps: InteractionDeps, interaction: ChatInputCommandInteraction): Promise<void> {
  const name = interaction.commandName;
  const log = deps.logger.child({ command: name, guild: interaction.guildId ?? 'dm' });
  try {
    const command = deps.registry.get(name);
    if (!command) {
      await send(interaction, privately('That command is not available any more. Discord will update the command list shortly.'));
      return;
    }
    if (!interaction.inCachedGuild()) {
      await send(interaction, privately('Parrot works in servers only.'));
      return;
    }
    const ctx: CommandContext = {
      interaction,
      sessions: deps.sessions,
      store: deps.store,
      catalogue: deps.catalogue,
      studio: deps.studio,
      config: deps.config,
      logger: log,
      rateLimiter: deps.rateLimiter,
      now: deps.now,
      defer: async () => {
        if (!interaction.deferred && !interaction.replied) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      },
    };
    const reply = await command.execute(ctx);
    await send(interaction, reply);
  } catch (error) {
    // The database could not save a change: the store already logged the cause once; the member hears why.
    const unsaved = error instanceof StoreError && error.code === 'unavailable';
    if (unsaved) log.info('command could not save its change', { error: describeError(error) });
    else log.error('command failed', { error: describeError(error), at: whereFrom(error) });
    try {
      await send(interaction, privately(unsaved ? `${error.message}. Nothing was changed; try again later.` : GENERIC_ERROR));
    } catch (sendError) {
      // The interaction may have expired (15 min) or Discord is unreachable: nothing more to tell the user.
      log.warn('could not send the error reply', { error: describeError(sendError) });
    }
  }
}

/** A button press: the handler whose prefix starts the custom id answers it (privately). Never rejects. */
async function runButton(deps: InteractionDeps, interaction: ButtonInteraction): Promise<void> {
  const log = deps.logger.child({ button: interaction.customId.split(':').slice(0, 2).join(':'), guild: interaction.guildId ?? 'dm' });
  try {
    const handler = deps.buttons?.find((b) => interaction.customId.startsWith(b.prefix));
    const defer = async (): Promise<void> => {
      if (!interaction.deferred && !interaction.replied) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    };
    if (handler && 'pressAnywhere' in handler) {
      const { customId, guildId, user } = interaction;
      const ctx: PressContext = { customId, userId: user.id, guildId, store: deps.store, studio: deps.studio, logger: log, now: deps.now, defer };
      await send(interaction, await handler.pressAnywhere(ctx));
      return;
    }
    if (!handler || !interaction.inCachedGuild()) {
      await send(interaction, privately('That button does not work any more. Run the command again.'));
      return;
    }
    const ctx: ButtonContext = {
      interaction, sessions: deps.sessions, store: deps.store, studio: deps.studio, config: deps.config, logger: log, now: deps.now, defer,
    };
    await send(interaction, await handler.press(ctx));
  } catch (error) {
    log.error('button failed', { error: describeError(error), at: whereFrom(error) });
    try {
      await send(interaction, privately(GENERIC_ERROR));
    } catch (sendError) {
      log.warn('could not send the error reply', { error: describeError(sendError) });
    }
  }
}

const BUTTON_STYLES = { primary: ButtonStyle.Primary, secondary: ButtonStyle.Secondary, danger: ButtonStyle.Danger } as const;

/** The message body of a Reply: text (never pinging), files, one row of buttons. */
export function messageOf(reply: Reply): { content: string; allowedMentions: typeof NO_MENTIONS; files?: AttachmentBuilder[]; components?: ActionRowBuilder<ButtonBuilder>[] } {
  const files = reply.files?.map((f) => new AttachmentBuilder(f.data, { name: f.name }));
  const buttons = reply.buttons?.slice(0, 5).map((b) =>
    new ButtonBuilder().setCustomId(b.customId).setLabel(b.label).setStyle(BUTTON_STYLES[b.style ?? 'secondary']));
  return {
    content: fitMessage(reply.content), allowedMentions: NO_MENTIONS,
    ...(files && files.length > 0 ? { files } : {}),
    ...(buttons && buttons.length > 0 ? { components: [new ActionRowBuilder<ButtonBuilder>().addComponents(...buttons)] } : {}),
  };
}

/** Sends a Reply whatever state the interaction is in: first answer, edit of a deferral, or a follow-up. */
async function send(interaction: ChatInputCommandInteraction | ButtonInteraction, reply: Reply): Promise<void> {
  const message = messageOf(reply);
  if (interaction.deferred && !interaction.replied) {
    await interaction.editReply(message);
  } else if (interaction.replied || interaction.deferred) {
    await interaction.followUp({ ...message, ...(reply.ephemeral ? { flags: MessageFlags.Ephemeral } : {}) });
  } else {
    await interaction.reply({ ...message, ...(reply.ephemeral ? { flags: MessageFlags.Ephemeral } : {}) });
  }
}

async function runAutocomplete(deps: InteractionDeps, interaction: AutocompleteInteraction): Promise<void> {
  const name = interaction.commandName;
  try {
    const command = deps.registry.get(name);
    if (!command?.autocomplete || !interaction.inCachedGuild()) {
      await interaction.respond([]);
      return;
    }
    await command.autocomplete({ interaction, store: deps.store, catalogue: deps.catalogue });
  } catch (error) {
    deps.logger.warn('autocomplete failed', { command: name, guild: interaction.guildId ?? 'dm', error: describeError(error) });
  }
}

/** The top frames of an error's stack, on one line (code locations only, for the log). */
function whereFrom(error: unknown): string | undefined {
  if (!(error instanceof Error) || !error.stack) return undefined;
  const frames = error.stack.split('\n').slice(1, 4).map((f) => f.trim().replace(/^at /, ''));
  return frames.length > 0 ? frames.join(' < ') : undefined;
}

/** An error as a short line for the log (the logger also redacts secrets). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    // MiniMax's trace id, when the error has one: what MiniMax support asks for.
    const trace = (error as { traceId?: unknown }).traceId;
    const shown = typeof code === 'string' || typeof code === 'number' ? String(code) : JSON.stringify(code);
    return `${error.name}${code !== undefined ? `(${shown})` : ''}: ${error.message}${typeof trace === 'string' && trace ? ` trace=${trace}` : ''}`;
  }
  return String(error);
}
