/**
 * voiceStateUpdate: keeps each session's count of people in its channel right (none left arms the leave timer).
 * Kicks, moves and drops of the bot itself are handled by the session's voice connection; here the count just
 * follows the channel the bot is in now.
 */
import type { VoiceState } from 'discord.js';
import { countHumans } from '../commands/voiceJoin.js';
import type { SessionManager } from '../session/index.js';

export function createVoiceStateHandler(sessions: SessionManager): (oldState: VoiceState, newState: VoiceState) => void {
  return (oldState, newState) => {
    const guild = newState.guild;
    const session = sessions.get(guild.id);
    if (!session) return;
    const isBot = newState.id === guild.client.user.id;
    // The bot's own update carries its new channel before the connection reports the move.
    const channelId = isBot ? newState.channelId : session.channelId;
    if (!channelId) return;
    if (!isBot && oldState.channelId !== channelId && newState.channelId !== channelId) return;
    session.setHumanCount(countHumans(guild, channelId));
  };
}
