/**
 * Start-up problems an operator must fix, each turned into one line that says what to change: the data directory
 * (unusable, or held by another bot), a token Discord refuses, an unreachable Discord or MiniMax.
 */
import { describeDiscordFailure, hostOf, unreachableCode } from './bot/connectErrors.js';
import type { BotConfig } from './config.js';
import type { Logger } from './log.js';
import { StoreError, checkDataDir, claimDataDir, openSqliteStore } from './store/index.js';
import type { Store } from './store/types.js';
import type { VoiceCatalogue } from './t2a/index.js';

/** A start-up problem worth one line on stderr (no stack): bad config, no ffmpeg, unusable database. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** The database and the claim on its directory; release() after the store is closed. */
export interface DataStore {
  store: Store;
  release(): void;
}

/** Claims DATA_DIR (one bot per directory) and opens the database in it. */
export function openDataStore(config: Pick<BotConfig, 'dataDir'>, logger: Logger, options: { claim: boolean } = { claim: true }): DataStore {
  const where = `(DATA_DIR=${config.dataDir})`;
  let claim: { release(): void };
  try {
    if (options.claim) claim = claimDataDir(config.dataDir);
    else {
      checkDataDir(config.dataDir);
      claim = { release: () => undefined };
    }
  } catch (error) {
    if (error instanceof StoreError) throw new StartupError(`${error.message} ${where}`);
    throw error;
  }
  try {
    const store = openSqliteStore({
      dataDir: config.dataDir,
      onInvalidData: (e) => logger.warn('invalid stored data replaced by defaults', { table: e.table, key: e.key, fields: e.fields.join(',') }),
    });
    return { store, release: () => claim.release() };
  } catch (error) {
    claim.release();
    if (error instanceof StoreError) throw new StartupError(`${error.message} ${where}`);
    throw error;
  }
}

/** A failure to connect to Discord as a StartupError saying what to change, or the error as it was. */
export function discordStartupError(error: unknown, config: Pick<BotConfig, 'discordApiUrl'> & { voiceStudio?: { cloning: boolean } }): unknown {
  const line = describeDiscordFailure(error, config.discordApiUrl, { serverMembers: config.voiceStudio?.cloning ?? false });
  return line === null ? error : new StartupError(line);
}

/**
 * Refreshes the voice catalogue from MiniMax (in the background: the built-in list serves meanwhile). Logs a
 * MiniMax it cannot reach with the host and the variable to check, and, once the account's voices are known, a
 * DEFAULT_VOICE that is not one of them (a warning: the built-in list may lag behind MiniMax's).
 */
export async function refreshVoices(
  catalogue: VoiceCatalogue,
  voiceUrl: string,
  config: Pick<BotConfig, 'defaultVoice' | 'minimax'>,
  logger: Logger,
): Promise<void> {
  const result = await catalogue.refresh();
  if (!result.ok) {
    const unreachable = unreachableCode(result.error);
    if (unreachable === undefined) logger.warn('voice catalogue refresh failed; using the built-in list', { error: result.error });
    else {
      const variable = config.minimax.wsUrl ? 'MINIMAX_WS_URL' : 'MINIMAX_REGION';
      logger.warn(`cannot reach MiniMax at ${hostOf(voiceUrl)}: check the network, or ${variable}; using the built-in voice list`, { code: unreachable });
    }
    return;
  }
  logger.info('voice catalogue refreshed', { voices: catalogue.size, added: result.added });
  if (!catalogue.get(config.defaultVoice)) {
    logger.warn(`DEFAULT_VOICE is not one of MiniMax's voices for this key: set it to a voice id from /voice list`, { voice: config.defaultVoice });
  }
}
