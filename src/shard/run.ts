/**
 * `npm start` past one shard: this process becomes the supervisor of one process per shard (see supervisor.ts),
 * serves HTTP_PORT for them all (see supervisorOps.ts), and owns the signals: SIGINT and SIGTERM stop every shard
 * process (each leaves its voice channels), SIGHUP restarts them one at a time (a rolling restart).
 */
import { describeError } from '../bot/interactions.js';
import type { BotConfig } from '../config.js';
import type { Logger } from '../log.js';
import { StoreError, claimDataDir } from '../store/index.js';
import { ShardError, resolveShardCount } from './shards.js';
import { ShardSupervisor } from './supervisor.js';
import { SupervisorOps } from './supervisorOps.js';

/** The supervisor's own deadline to stop: the shards' exit deadline, then a margin. */
const EXIT_DEADLINE_MS = 20_000;

/**
 * More than one shard: supervises the shard processes running `entry` and returns true. One shard (or a shard
 * process itself): false, the bot runs in this process.
 */
export async function runAsSupervisor(config: BotConfig, logger: Logger, entry: string): Promise<boolean> {
  if (config.shards.managed) return false;
  let count = 1;
  try {
    count = await resolveShardCount(config);
  } catch (error) {
    if (!(error instanceof ShardError)) throw error;
    logger.warn('running one shard: the recommended shard count is unknown', { error: error.message });
  }
  if (count <= 1) return false;
  // With SQLite the shard processes share DATA_DIR: the supervisor claims it for them all (a second bot is refused).
  if (config.databaseUrl === undefined) {
    try {
      claimDataDir(config.dataDir);
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      process.stderr.write(`parrot: ${error.message} (DATA_DIR=${config.dataDir})\n`);
      process.exit(1);
    }
  }
  const ids = config.shards.ids ?? [...Array(count).keys()];
  const supervisor = new ShardSupervisor({ file: entry, token: config.discordToken, count, ids, logger });
  const ops = new SupervisorOps(supervisor);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('signal received; stopping the shard processes', { signal });
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, EXIT_DEADLINE_MS).unref();
    void Promise.all([supervisor.stop(), ops.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: rolling restart of the shard processes');
    void supervisor.rollingRestart();
  });
  if (config.http) {
    try {
      await ops.listen(config.http.host, config.http.port);
      logger.info('serving metrics and health for every shard', { url: ops.url });
    } catch (error) {
      logger.error('start-up failed', { error: describeError(error) });
      process.exit(1);
    }
  }
  try {
    await supervisor.start();
  } catch (error) {
    logger.error('the shard processes did not start', { error: describeError(error) });
    process.exit(1);
  }
  return true;
}
