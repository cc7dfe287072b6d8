/**
 * The shape every slash command has, and what it gets to work with. A command reads its interaction, calls the
 * session manager or the store, and returns a Reply; the dispatcher in src/bot sends it (and handles the
 * unexpected). Commands never send their final answer themselves.
 */
import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { BotConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { SessionManager } from '../session/index.js';
import type { Store } from '../store/types.js';
import type { VoiceCatalogue, VoiceStudio } from '../t2a/index.js';
import type { RateLimiter } from './rateLimit.js';
import type { Reply } from './reply.js';

/** Everything a command may use; built per interaction by the dispatcher. */
export interface CommandContext {
  readonly interaction: ChatInputCommandInteraction<'cached'>;
  readonly sessions: SessionManager;
  readonly store: Store;
  readonly catalogue: VoiceCatalogue;
  /** MiniMax voice design and cloning; undefined when not wired (those commands then say so). */
  readonly studio?: VoiceStudio | undefined;
  readonly config: BotConfig;
  readonly logger: Logger;
  readonly rateLimiter: RateLimiter;
  readonly now: () => number;
  /**
   * Acknowledges the interaction now (privately) when the work may take longer than Discord's 3 s; the Reply
   * returned later is then sent as an edit of that acknowledgement. Safe to call more than once.
   */
  readonly defer: () => Promise<void>;
}

export interface AutocompleteContext {
  readonly interaction: AutocompleteInteraction<'cached'>;
  readonly store: Store;
  readonly catalogue: VoiceCatalogue;
}

/** What a button press may use (buttons are under messages the bot sent for a command). */
export interface ButtonContext {
  readonly interaction: ButtonInteraction<'cached'>;
  readonly sessions: SessionManager;
  readonly store: Store;
  readonly studio?: VoiceStudio | undefined;
  readonly config: BotConfig;
  readonly logger: Logger;
  readonly now: () => number;
  /** Acknowledges the press now (privately) when the work may take longer than 3 s. */
  defer(): Promise<void>;
}

/**
 * A press that may come from a direct message (no guild: the custom id carries what the handler needs, and the
 * handler checks that the presser may act on it).
 */
export interface PressContext {
  readonly customId: string;
  /** Who pressed. */
  readonly userId: string;
  /** null in a direct message. */
  readonly guildId: string | null;
  readonly store: Store;
  readonly studio?: VoiceStudio | undefined;
  readonly logger: Logger;
  readonly now: () => number;
  defer(): Promise<void>;
}

/**
 * Handles the presses of buttons whose custom id starts with `prefix`: `press` in a server only, or
 * `pressAnywhere` for buttons also sent in direct messages.
 */
export type ButtonHandler =
  | { readonly prefix: string; press(ctx: ButtonContext): Promise<Reply> }
  | { readonly prefix: string; pressAnywhere(ctx: PressContext): Promise<Reply> };

/** One slash command: its definition (what Discord registers) and its handlers. */
export interface Command {
  readonly data: { readonly name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  /** Synchronous commands return the Reply itself; the dispatcher awaits either. */
  execute(ctx: CommandContext): Reply | Promise<Reply>;
  autocomplete?(ctx: AutocompleteContext): Promise<void>;
}
