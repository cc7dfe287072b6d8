/**
 * The real bot (startBot) pointed at the fakes' child process, with the T2A sockets instrumented through the
 * WebSocketFactory the synthesizer accepts. Used by the end-to-end benchmark and by the load worker.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBotConfig } from '../src/config.js';
import { startBot, startTranscoders, type RunningBot } from '../src/index.js';
import { createLogger } from '../src/log.js';
import type { SessionTimings } from '../src/session/index.js';
import type { TranscoderFactory } from '../src/audio/index.js';
import { createSynthesizer, type Synthesizer } from '../src/t2a/index.js';
import { AudioArrivalProbe } from './audioProbe.js';
import type { FakeServers } from './fakeClient.js';

export const BENCH_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.bench-fake.token-0123456789abcdef';
export const BENCH_MINIMAX_KEY = 'sk-bench-fake-minimax-key-0123456789';

export interface BotUnderTest {
  bot: RunningBot;
  /** Every T2A socket of the bot. */
  probe: AudioArrivalProbe;
  /** One per synthesizer, in the order the sessions were created (a session is created by its first join). */
  probes: AudioArrivalProbe[];
  /** Warnings and errors the bot logged (a healthy run has none). */
  logs: string[];
  /** Why utterances or transcoders failed (cancellations excluded), for diagnosis. */
  utteranceErrors: string[];
  close(): Promise<void>;
}

export interface BotUnderTestOptions {
  env?: Record<string, string>;
  timings?: Partial<SessionTimings>;
}

/** Starts the bot against `fakes`; resolves once it is connected and ready. */
export async function startBotUnderTest(fakes: FakeServers, options: BotUnderTestOptions = {}): Promise<BotUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parrot-bench-'));
  const config = loadBotConfig({
    DISCORD_TOKEN: BENCH_TOKEN,
    MINIMAX_API_KEY: BENCH_MINIMAX_KEY,
    DISCORD_API_URL: fakes.info.restApi,
    MINIMAX_WS_URL: fakes.info.minimaxUrl,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    // The benchmark speaks far more often than a person may.
    RATE_LIMIT_USER_PER_MINUTE: '10000',
    RATE_LIMIT_GUILD_PER_MINUTE: '100000',
    ...options.env,
  });
  const probe = new AudioArrivalProbe();
  const probes: AudioArrivalProbe[] = [];
  const utteranceErrors: string[] = [];
  const logs: string[] = [];
  const logger = createLogger({ level: 'warn', secrets: [BENCH_TOKEN, BENCH_MINIMAX_KEY], write: (line) => logs.push(line) });
  let transcoders: TranscoderFactory | undefined;
  try {
    // The transcoders the configuration makes (worker threads by default), with their failures recorded.
    transcoders = await startTranscoders(config.audio, logger);
    const started = transcoders;
    const bot = await startBot(config, {
      logger,
      synthesizerFactory: () => {
        const own = new AudioArrivalProbe(probe);
        probes.push(own);
        return watchErrors(createSynthesizer({ url: fakes.info.minimaxUrl, apiKey: BENCH_MINIMAX_KEY, WebSocket: own.factory, maxTasks: config.minimax.tasksPerGuild }), utteranceErrors);
      },
      transcoders: watchTranscoders(transcoders, utteranceErrors),
      ...(options.timings ? { timings: options.timings } : {}),
    });
    return {
      bot,
      probe,
      probes,
      logs,
      utteranceErrors,
      async close() {
        await bot.stop();
        await started.close?.();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await transcoders?.close?.();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The synthesizer, with every failed utterance's reason recorded (the session sees the same errors). */
function watchErrors(inner: Synthesizer, errors: string[]): Synthesizer {
  return {
    speak(text, settings, options) {
      const utterance = inner.speak(text, settings, options);
      utterance.result.catch((error: unknown) => {
        const e = error as { code?: unknown; message?: unknown };
        if (e.code !== 'aborted') errors.push(`${String(e.code)}: ${String(e.message)}`);
      });
      return utterance;
    },
    warm: (settings) => inner.warm?.(settings),
    close: () => inner.close(),
  };
}

/** The transcoders, with every audio failure recorded ('error' listeners only: the flow is unchanged). */
function watchTranscoders(inner: TranscoderFactory, errors: string[]): TranscoderFactory {
  return {
    name: inner.name,
    ...(inner.input ? { input: inner.input } : {}), // what MiniMax is asked for follows the transcoders
    // No close(): startBot does not close transcoders it is given; close() above does.
    create() {
      const t = inner.create();
      t.opus.on('error', (error: Error) => errors.push(`audio: ${error.message}`));
      return t;
    },
  };
}
