/**
 * Command-line parsing for `parrot say`: options -> TaskSettings checked with src/t2a's validation, so every
 * mistake is found before anything connects and is reported as one line naming the option.
 */
import { extname } from 'node:path';
import {
  EMOTIONS, LANGUAGE_BOOSTS, MODELS, T2AError, checkText, validateTaskSettings,
  type Emotion, type LanguageBoost, type Model, type TaskSettings,
} from '../t2a/index.js';

export const DEFAULT_VOICE = 'English_expressive_narrator';
export const DEFAULT_MODEL = 'speech-2.8-turbo';

/** A mistake in the command line (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type OutputFormat = 'mp3' | 'ogg';

export interface SayCommand {
  command: 'say';
  text: string;
  /** As given (relative to the working directory); undefined with --play alone. */
  out: string | undefined;
  /** Of the file (mp3 when there is none: what is played). */
  format: OutputFormat;
  /** --play: play the speech on this machine as it streams (mpv or ffplay). */
  play: boolean;
  settings: TaskSettings;
}

export type CliCommand = { command: 'help' } | SayCommand;

export const HELP = `Usage: parrot say "text" --out FILE [options]
       parrot say "text" --play [--out FILE] [options]

Reads the text aloud with MiniMax's streaming T2A and writes the audio to FILE:
  .mp3  the MP3 MiniMax streams, as received
  .ogg  Ogg Opus (48 kHz stereo), made by Parrot's Discord audio pipeline
and/or plays it on this machine as it streams (--play: mpv, else ffplay, from PATH).
Prints the time to the first audio chunk, the audio length and the billed characters.

Options:
  -o, --out FILE      output file, .mp3 or .ogg (required without --play)
  --play              play the speech as it arrives, through mpv or ffplay
  --voice ID          voice id (default ${DEFAULT_VOICE})
  --model M           ${MODELS.join(', ')} (default ${DEFAULT_MODEL})
  --speed S           0.5 to 2 (default 1)
  --volume V          above 0, up to 10 (default 1)
  --pitch P           whole number from -12 to 12 (default 0)
  --emotion E         ${EMOTIONS.join(', ')}
  --language L        language boost: English, Chinese, Japanese, ..., auto
  -h, --help          show this help

Environment (or a .env file in the working directory):
  MINIMAX_API_KEY     your MiniMax API key (required)
  MINIMAX_REGION      global (default), us-west or cn: the region the key belongs to
  MINIMAX_WS_URL      a full ws:// or wss:// T2A URL; wins over MINIMAX_REGION (e.g. npm run fake-minimax)
`;

const VALUE_OPTIONS = ['out', 'voice', 'model', 'speed', 'volume', 'pitch', 'emotion', 'language'] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];
const SHORT: Readonly<Record<string, string>> = { '-o': 'out', '-h': 'help' };

/** Option names as the CLI spells them, for messages from validateTaskSettings. */
const FIELD_NAMES: readonly [RegExp, string][] = [
  [/^vol\b/, 'volume'],
  [/^voiceId\b/, 'voice'],
  [/^languageBoost\b/, 'language'],
];

/** Parses argv (without node and script); throws UsageError. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('missing command: parrot say "text" --out FILE or --play (see parrot --help)');
  if (command === '--help' || command === '-h' || command === 'help') return { command: 'help' };
  if (command !== 'say') throw new UsageError(`unknown command "${command}": the command is say (see parrot --help)`);
  return parseSay(rest);
}

function parseSay(args: readonly string[]): CliCommand {
  const values: Partial<Record<ValueOption, string>> = {};
  const words: string[] = [];
  let play = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      words.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const name = SHORT[flag] ?? (flag.startsWith('--') ? flag.slice(2) : flag);
    if (name === 'help') return { command: 'help' };
    if (name === 'play') {
      if (flag !== arg) throw new UsageError('--play takes no value');
      play = true;
      continue;
    }
    if (!(VALUE_OPTIONS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown option ${flag} (see parrot say --help)`);
    }
    const option = name as ValueOption;
    let value: string | undefined;
    if (flag !== arg) value = arg.slice(eq + 1);
    else {
      const next = args[i + 1];
      // A value may start with "-" (a negative pitch), but not with "--" (that is the next option).
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i += 1;
      }
    }
    if (value === undefined || value.trim() === '') throw new UsageError(`${flag} needs a value (see parrot say --help)`);
    if (values[option] !== undefined) throw new UsageError(`--${option} is given twice`);
    values[option] = value.trim();
  }

  const text = words.join(' ');
  if (words.length === 0) throw new UsageError('missing the text to read: parrot say "text" --out FILE or --play');
  const textError = checkText(text);
  if (textError) throw new UsageError(textError.message);
  const out = values.out;
  if (out === undefined && !play) throw new UsageError('missing --out FILE (where to write the audio, .mp3 or .ogg) or --play (to hear it)');
  const ext = out === undefined ? '.mp3' : extname(out).toLowerCase();
  if (ext !== '.mp3' && ext !== '.ogg') {
    throw new UsageError(`--out must end in .mp3 or .ogg (got "${out}")`);
  }

  const settings = toSettings(values);
  try {
    validateTaskSettings(settings);
  } catch (error) {
    if (!(error instanceof T2AError)) throw error;
    throw new UsageError(FIELD_NAMES.reduce((message, [field, name]) => message.replace(field, name), error.message));
  }
  return { command: 'say', text, out, format: ext === '.mp3' ? 'mp3' : 'ogg', play, settings };
}

function toSettings(values: Partial<Record<ValueOption, string>>): TaskSettings {
  const voice: TaskSettings['voice'] = { voiceId: values.voice ?? DEFAULT_VOICE };
  const speed = number('speed', values.speed);
  if (speed !== undefined) voice.speed = speed;
  const vol = number('volume', values.volume);
  if (vol !== undefined) voice.vol = vol;
  const pitch = number('pitch', values.pitch);
  if (pitch !== undefined) voice.pitch = pitch;
  // Names are matched without regard to case ("english" -> "English"); validation rejects unknown ones.
  if (values.emotion !== undefined) voice.emotion = canonical(values.emotion, EMOTIONS) as Emotion;
  const settings: TaskSettings = { model: canonical(values.model ?? DEFAULT_MODEL, MODELS) as Model, voice };
  if (values.language !== undefined) settings.languageBoost = canonical(values.language, LANGUAGE_BOOSTS) as LanguageBoost;
  return settings;
}

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`${name} must be a number (got "${value}")`);
  return n;
}

function canonical(value: string, allowed: readonly string[]): string {
  return allowed.find((a) => a.toLowerCase() === value.toLowerCase()) ?? value;
}
