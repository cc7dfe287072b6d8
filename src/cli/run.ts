/**
 * The `parrot` command line, runnable in-process: parse, check, load the MiniMax config, synthesize into the
 * file, print the figures. Returns the exit code; every failure is one line on stderr.
 */
import { resolve } from 'node:path';
import { createTranscoderFactory, type TranscoderFactory } from '../audio/index.js';
import { loadAudioConfig, loadDotEnv, loadMiniMaxConfig, type AudioConfig, type MiniMaxConfig } from '../config.js';
import { redact } from '../log.js';
import { createSynthesizer, resolveT2AUrl, type T2ATimeouts } from '../t2a/index.js';
import { HELP, parseCliArgs, type SayCommand } from './args.js';
import { EXIT_OK, describeFailure, type FailureContext } from './failure.js';
import { Player, findPlayer } from './Player.js';
import { sayToFile, type SayResult } from './say.js';

export interface TextSink {
  write(text: string): unknown;
}

export interface CliOptions {
  stdout: TextSink;
  stderr: TextSink;
  /** Where relative paths (and .env) are resolved. */
  cwd: string;
  /**
   * Environment variables to use (tests). When absent, `.env` in `cwd` is loaded and src/config.ts reads the
   * process environment.
   */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Milliseconds clock for the time to first chunk; default performance.now. */
  now?: (() => number) | undefined;
  /** Stops the run (Ctrl+C): the request is cancelled, the partial file removed, the exit code is 130. */
  signal?: AbortSignal | undefined;
  /** T2A deadlines (default the client's). */
  timeouts?: Partial<T2ATimeouts> | undefined;
}

/** Runs `parrot <argv>` and resolves to the exit code (0 success, 1 failure, 2 usage, 130 interrupted). */
export async function runCli(argv: readonly string[], options: CliOptions): Promise<number> {
  const context: FailureContext = {};
  let secrets: string[] = [];
  try {
    const command = parseCliArgs(argv);
    if (command.command === 'help') {
      options.stdout.write(HELP);
      return EXIT_OK;
    }
    const writesOgg = command.out !== undefined && command.format === 'ogg';
    const config = loadConfig(options, writesOgg || command.play);
    secrets = [config.minimax.apiKey];
    context.url = resolveT2AUrl({ region: config.minimax.region, url: config.minimax.wsUrl });
    context.wsUrlSet = config.minimax.wsUrl !== undefined;
    const path = command.out === undefined ? undefined : resolve(options.cwd, command.out);
    // Looked up before connecting: a missing ffmpeg (AUDIO_DECODER=ffmpeg) or player must not cost a request.
    const transcoders = config.audio && writesOgg ? transcoderFactory(config.audio) : undefined;
    const found = command.play ? findPlayer(config.audio?.pathEnv) : undefined;
    const synthesizer = createSynthesizer({ url: context.url, apiKey: config.minimax.apiKey, timeouts: options.timeouts });
    let result: SayResult;
    // Started before the request: the player's start-up overlaps MiniMax's first-chunk latency.
    const player = found ? new Player(found) : undefined;
    try {
      result = await sayToFile({
        synthesizer, text: command.text, settings: command.settings, path, format: command.format, transcoders,
        now: options.now, signal: options.signal, player,
      });
    } finally {
      await synthesizer.close();
    }
    options.stdout.write(report(command, result, player?.found.name));
    return EXIT_OK;
  } catch (error) {
    const failure = describeFailure(error, context);
    // One line, whatever a server or library put in the message, and never the key.
    const line = redact(failure.message, secrets).replace(/\s*[\r\n]+\s*/g, ' ');
    options.stderr.write(`parrot: ${line}\n`);
    return failure.exitCode;
  }
}

/** MiniMax settings, and the audio ones only when needed (an MP3 run does not care about AUDIO_DECODER). */
function loadConfig(options: CliOptions, needAudio: boolean): { minimax: MiniMaxConfig; audio: AudioConfig | undefined } {
  const env = options.env;
  if (env === undefined) loadDotEnv(resolve(options.cwd, '.env'));
  // Without an explicit env, the loaders' default argument is the process environment (read in src/config.ts).
  const minimax = env ? loadMiniMaxConfig(env) : loadMiniMaxConfig();
  const audio = !needAudio ? undefined : env ? loadAudioConfig(env) : loadAudioConfig();
  return { minimax, audio };
}

function transcoderFactory(audio: AudioConfig): TranscoderFactory {
  return createTranscoderFactory({
    kind: audio.decoder, ffmpegPath: audio.ffmpegPath, pathEnv: audio.pathEnv, encoder: { complexity: audio.opusComplexity },
  });
}

function report(command: SayCommand, result: SayResult, played: string | undefined): string {
  const kind = command.format === 'mp3' ? 'MP3' : 'Ogg Opus';
  const length = `${(result.audioLengthMs / 1000).toFixed(2)} s${result.audioLengthSource === 'mp3' ? ' (measured from the MP3; MiniMax did not report it)' : ''}`;
  const billed = result.usageCharacters === undefined ? 'not reported by MiniMax' : String(result.usageCharacters);
  return [
    ...(command.out === undefined ? [] : [`Wrote ${command.out} (${kind}, ${result.bytes} bytes)`]),
    ...(played === undefined ? [] : [`Played with ${played}`]),
    `time to first chunk: ${Math.round(result.firstChunkMs)} ms`,
    `audio length: ${length}`,
    `billed characters: ${billed}`,
    '',
  ].join('\n');
}
