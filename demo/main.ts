/**
 * `npm run demo [-- --port N] [-- --fake]`: Parrot's real bot in a playground (fake Discord, fake or real
 * MiniMax) with a page on 127.0.0.1 to write, run commands and hear the voice channel. A MINIMAX_API_KEY (in the
 * environment or .env) makes it speak with MiniMax's voices, unless --fake.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadDotEnv, loadMiniMaxConfig, type MiniMaxConfig } from '../src/config.js';
import { startPlayground } from './playground.js';
import { startDemoServer } from './web.js';

const DEFAULT_PORT = 8370;
const EXIT_DEADLINE_MS = 10_000;

function realMiniMax(fake: boolean): MiniMaxConfig | undefined {
  if (fake) return undefined;
  try {
    loadDotEnv();
    return loadMiniMaxConfig();
  } catch (error) {
    if (error instanceof ConfigError && /MINIMAX_API_KEY/.test(error.message)) return undefined; // no key: the fake speaks
    throw error;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, fake: { type: 'boolean', default: false } } });
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`--port must be a port number from 0 to 65535 (got "${values.port}")`);
  const minimax = realMiniMax(values.fake);
  console.log(minimax ? `Speaking with MiniMax (${minimax.region}), billed to your key.` : 'No MINIMAX_API_KEY: the fake MiniMax speaks (espeak-ng when installed).');
  const pg = await startPlayground(minimax ? { minimax } : {});
  let server;
  try {
    server = await startDemoServer(pg, port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || values.port !== undefined) {
      await pg.close();
      throw error;
    }
    server = await startDemoServer(pg, 0); // the default port is taken: any free one
  }
  console.log(`Parrot playground: open ${server.url} (Ctrl+C to stop)`);
  const stop = (): void => {
    setTimeout(() => process.exit(1), EXIT_DEADLINE_MS).unref();
    Promise.all([server.close(), pg.close()]).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('parrot demo: stopping failed:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`parrot demo: ${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
