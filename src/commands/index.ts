/** Every slash command, in the order Discord lists them. The bot's registry validates and keys them by name. */
import { autoread } from './autoread.js';
import { clear } from './clear.js';
import { dictionary } from './dictionary.js';
import { join } from './join.js';
import { leave } from './leave.js';
import { myvoice } from './myvoice.js';
import { skip } from './skip.js';
import { speak } from './speak.js';
import { status } from './status.js';
import type { Command } from './types.js';
import { usage } from './usage.js';
import { voice } from './voice.js';
import { dropButton, keepButton } from './cloneForget.js';
import { cloneConsent } from './voiceClone.js';
import { keepDesignedVoice } from './voiceDesign.js';
import type { ButtonHandler } from './types.js';

export const commands: readonly Command[] = [speak, join, leave, skip, clear, voice, myvoice, autoread, dictionary, status, usage];

/** Handlers of the buttons under the bot's replies, by custom id prefix. */
export const buttons: readonly ButtonHandler[] = [keepDesignedVoice, cloneConsent, dropButton, keepButton];

export type { Command, CommandContext, AutocompleteContext } from './types.js';
export type { Reply } from './reply.js';
