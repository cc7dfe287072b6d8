/**
 * `npm run fake-minimax`: a fake MiniMax for trying Parrot without a key or network.
 * FAKE_MINIMAX_PORT (default random), FAKE_MINIMAX_KEY (default: any key accepted).
 */
import { FakeMiniMax } from './FakeMiniMax.js';

const port = Number(process.env['FAKE_MINIMAX_PORT'] ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`FAKE_MINIMAX_PORT must be a port number (got ${process.env['FAKE_MINIMAX_PORT']})`);
  process.exit(2);
}

const fake = new FakeMiniMax({
  port,
  apiKey: process.env['FAKE_MINIMAX_KEY'] || undefined,
  firstChunkMs: 250,
  realtimeFactor: 1,
  maxAudioMs: 30_000,
  speech: 'espeak',
});

const { url, httpUrl } = await fake.start();
console.log(`Fake MiniMax T2A listening on ${url} (get_voice at ${httpUrl}/v1/get_voice)`);
console.log('Point Parrot at it:');
console.log(`  MINIMAX_WS_URL=${url} MINIMAX_API_KEY=${process.env['FAKE_MINIMAX_KEY'] || 'any-key'} npm start`);
console.log('Ctrl+C to stop.');

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  console.log(`\nStopping (${fake.connections.length} connections served, ${fake.texts.length} texts).`);
  fake.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('close failed:', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
