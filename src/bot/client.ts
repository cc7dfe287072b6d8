/**
 * The discord.js client Parrot runs on. Auto-read needs the Message Content privileged intent enabled in the
 * developer portal (Bot > Privileged Gateway Intents); Discord closes the gateway with 4014 otherwise. With
 * AUTOREAD=off the client asks for no message events at all: /speak and the other commands work without them.
 * With VOICE_CLONING=on it also asks for the Server Members privileged intent (enable it there too), the only way
 * to hear that a member left (GUILD_MEMBER_REMOVE) and offer them to delete their cloned voice.
 */
import { Client, GatewayIntentBits, Options, type ClientOptions } from 'discord.js';
import type { BotConfig } from '../config.js';

/** Mentions in anything the bot sends are plain text: nobody is ever pinged. */
export const NO_MENTIONS = Object.freeze({ parse: [] as never[], repliedUser: false });

export function createClient(config: Pick<BotConfig, 'discordApiUrl' | 'autoRead' | 'voiceStudio'>): Client {
  const options: ClientOptions = {
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildVoiceStates,
      ...(config.autoRead ? [GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent] : []),
      ...(config.voiceStudio.cloning ? [GatewayIntentBits.GuildMembers] : []),
    ],
    allowedMentions: { parse: [], repliedUser: false },
    // Messages are read as they arrive and never looked up again: keep none beyond what reactions need.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 50 }),
  };
  if (config.discordApiUrl) options.rest = { api: config.discordApiUrl };
  return new Client(options);
}
