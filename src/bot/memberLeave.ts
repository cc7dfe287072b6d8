/**
 * A member who leaves (or is removed from) a server where they have a cloned voice gets a direct message offering
 * to delete it (the same two buttons as under /myvoice reset). Nothing is deleted without their press: when the
 * message cannot be sent (the member closed their DMs: Discord error 50007), the clone is kept and the log says
 * so; MiniMax deletes a clone unused for 7 days anyway. (Discord may also refuse a direct message to a user who
 * shares no server with the bot any more: handled the same way.)
 *
 * GUILD_MEMBER_REMOVE needs the Server Members intent (privileged), which the client asks for only while cloning is
 * on (client.ts). The raw dispatch is used, not discord.js's guildMemberRemove, which fires only for cached members.
 */
import { DiscordAPIError, RESTJSONErrorCodes, type Client } from 'discord.js';
import { cloneOf, expiryText, forgetButtons } from '../commands/cloneForget.js';
import { literal, type Reply } from '../commands/reply.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { describeError } from './interactions.js';

export interface MemberLeaveDeps {
  client: Client;
  store: Store;
  logger: Logger;
  /** Sends the offer as a direct message (interactions.ts builds the message from a Reply). */
  sendDirect(userId: string, reply: Reply): Promise<void>;
}

/** Discord's answers for a user the bot may not message: DMs closed, or no server left in common. */
const CANNOT_DM = new Set<number | string>([
  RESTJSONErrorCodes.CannotSendMessagesToThisUser,
  RESTJSONErrorCodes.CannotSendMessagesToThisUserDueToHavingNoMutualGuilds,
]);

/** The GUILD_MEMBER_REMOVE listener (raw dispatch data). Never rejects. */
export function createMemberLeaveHandler(deps: MemberLeaveDeps): (data: unknown) => Promise<void> {
  return async (data) => {
    const { guild_id: guildId, user } = (data ?? {}) as { guild_id?: unknown; user?: { id?: unknown; bot?: unknown } };
    if (typeof guildId !== 'string' || typeof user?.id !== 'string' || user.bot === true) return;
    const userId = user.id;
    try {
      const clone = cloneOf(deps.store, guildId, userId);
      if (!clone) return;
      const name = deps.client.guilds.cache.get(guildId)?.name;
      const where = name ? `**${literal(name)}**` : 'a server';
      const content = [
        `You left ${where}, where I read your messages with a voice cloned from your own.`,
        `It still exists at MiniMax; ${expiryText(clone)}. Do you want me to delete it now? Nothing is deleted unless you press.`,
      ].join('\n');
      await deps.sendDirect(userId, { content, ephemeral: false, buttons: forgetButtons(clone) });
      deps.logger.info('offered a member who left to delete their cloned voice', { guild: guildId });
    } catch (error) {
      if (error instanceof DiscordAPIError && CANNOT_DM.has(error.code)) {
        deps.logger.info('a member who left cannot be sent a direct message: their cloned voice is kept (MiniMax deletes it after 7 unused days)', { guild: guildId, code: String(error.code) });
        return;
      }
      deps.logger.warn('could not offer a member who left to delete their cloned voice; it is kept', { guild: guildId, error: describeError(error) });
    }
  };
}
