/**
 * Failures to reach or log in to Discord, put as one line that says what to change (start-up and
 * deploy-commands). Never carries the token.
 */

/** Error codes of a connection that never got an answer (DNS, refused, timed out, no route). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** The network error code somewhere in `error`'s cause chain, if the failure was not reaching the host at all. */
export function unreachableCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE.has(code)) return code;
  }
  return undefined;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Where to enable the Message Content intent, for the 4014 line and auto-read's replies. */
export const MESSAGE_CONTENT_HINT =
  'enable Message Content Intent in the Discord developer portal (https://discord.com/developers/applications > your application > Bot > Privileged Gateway Intents)';

/**
 * The line for a token Discord refused, a refused intent, or a Discord that cannot be reached; else null.
 * `asked.serverMembers`: the client also asked for the Server Members intent (VOICE_CLONING=on).
 */
export function describeDiscordFailure(error: unknown, apiUrl: string | undefined, asked: { serverMembers: boolean } = { serverMembers: false }): string | null {
  const { code, status } = (error ?? {}) as { code?: unknown; status?: unknown };
  if (code === 'TokenInvalid' || status === 401) {
    return 'Discord rejected the bot token: copy it again from the Discord developer portal (your application > Bot > Reset Token) into DISCORD_TOKEN';
  }
  // Close code 4014: discord.js's own code, or @discordjs/ws's error (which carries only this message).
  if (code === 'DisallowedIntents' || (error instanceof Error && error.message === 'Used disallowed intents')) {
    if (asked.serverMembers) {
      return 'Discord refused a privileged intent this bot asks for: enable Message Content Intent (to read channels aloud; or set AUTOREAD=off) and ' +
        'Server Members Intent (to offer members who leave to delete their cloned voice; or set VOICE_CLONING=off) in the Discord developer portal ' +
        '(https://discord.com/developers/applications > your application > Bot > Privileged Gateway Intents)';
    }
    return `Discord refused the Message Content intent this bot asks for to read channels aloud: ${MESSAGE_CONTENT_HINT}, or set AUTOREAD=off to run without auto-read`;
  }
  const unreachable = unreachableCode(error);
  if (unreachable === undefined) return null;
  const where = apiUrl ? `${hostOf(apiUrl)} (${unreachable}): check the network, or DISCORD_API_URL` : `discord.com (${unreachable}): check the network, or DISCORD_API_URL if you use a proxy`;
  return `Cannot reach Discord at ${where}`;
}
