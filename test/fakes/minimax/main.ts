/**
 * `npm run fake-minimax`: a fake MiniMax for trying Parrot without a key or network.
 * FAKE_MINIMAX_PORT (default random), FAKE_MINIMAX_KEY (default: any key accepted),
 * FAKE_MINIMAX_VOICE_EXPIRY_DAYS (designed and cloned voices unused this long disappear; default 7).
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

const expiryDays = Number(process.env['FAKE_MINIMAX_VOICE_EXPIRY_DAYS'] ?? 7);
if (!(expiryDays > 0)) {
  console.error(`FAKE_MINIMAX_VOICE_EXPIRY_DAYS must be a positive number of days (got ${process.env['FAKE_MINIMAX_VOICE_EXPIRY_DAYS']})`);
  process.exit(2);
}
fake.studio.options.cloneExpiryMs = expiryDays * 24 * 3600_000;
fake.studio.options.designExpiryMs = expiryDays * 24 * 3600_000;

const { url, httpUrl } = await fake.start();
console.log(`Fake MiniMax T2A listening on ${url} (get_voice at ${httpUrl}/v1/get_voice)`);
console.log(`Voice studio: ${httpUrl}/v1/files/upload, /v1/voice_clone, /v1/voice_design, /v1/delete_voice`);
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
