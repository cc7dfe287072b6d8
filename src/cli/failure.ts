/**
 * Turns any failure of the CLI into the one line it prints and its exit code: what went wrong and, where it
 * is the user's to fix, what to change. Never a stack trace.
 */
import { AudioError } from '../audio/index.js';
import { ConfigError } from '../config.js';
import { T2AError } from '../t2a/index.js';
import { UsageError } from './args.js';
import { OutputError } from './OutputFile.js';
import { PlayerError } from './Player.js';
import { LeftoverFileError } from './say.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT, as shells report a run stopped with Ctrl+C. */
export const EXIT_INTERRUPTED = 130;

export interface FailureContext {
  /** The T2A URL in use (named when it cannot be reached). */
  url?: string | undefined;
  /** Whether MINIMAX_WS_URL chose the URL (then it, not MINIMAX_REGION, is what to check). */
  wsUrlSet?: boolean | undefined;
}

export interface Failure {
  message: string;
  exitCode: number;
}

/** The line to print (without prefix) and the exit code for `error`. */
export function describeFailure(error: unknown, context: FailureContext = {}): Failure {
  if (error instanceof LeftoverFileError) {
    const inner = describeFailure(error.cause, context);
    return { message: `${inner.message}; ${error.message}`, exitCode: inner.exitCode };
  }
  if (error instanceof UsageError) return { message: error.message, exitCode: EXIT_USAGE };
  if (error instanceof PlayerError && error.interrupted) return { message: error.message, exitCode: EXIT_INTERRUPTED };
  if (error instanceof ConfigError || error instanceof OutputError || error instanceof PlayerError) return { message: error.message, exitCode: EXIT_FAILURE };
  if (error instanceof AudioError) return { message: `could not make the Ogg Opus audio: ${error.message}`, exitCode: EXIT_FAILURE };
  if (error instanceof T2AError && error.code === 'aborted') return { message: 'interrupted: no file was written', exitCode: EXIT_INTERRUPTED };
  if (error instanceof T2AError) return { message: t2aMessage(error, context), exitCode: error.code === 'validation' ? EXIT_USAGE : EXIT_FAILURE };
  const message = error instanceof Error ? error.message : String(error);
  return { message: `unexpected error: ${message}`, exitCode: EXIT_FAILURE };
}

function t2aMessage(error: T2AError, context: FailureContext): string {
  const where = context.wsUrlSet ? 'MINIMAX_WS_URL' : 'MINIMAX_REGION';
  if (error.category === 'auth') {
    const how = typeof error.code === 'number' ? `(${error.code})` : 'when connecting';
    return `MiniMax rejected the API key ${how}: check MINIMAX_API_KEY and ${where}`;
  }
  const trace = error.traceId ? ` [trace id ${error.traceId}]` : '';
  const cause = error.cause as NodeJS.ErrnoException | undefined;
  if (error.code === 'closed' && cause instanceof Error && typeof cause.syscall === 'string' && context.url) {
    // A system call failed (connect ECONNREFUSED, getaddrinfo ENOTFOUND, ...): the server could not be reached.
    return `could not reach MiniMax at ${context.url} (${cause.message}): check your network and ${where}`;
  }
  if (error.category === 'voice') return `${error.message}: check --voice and the other options${trace}`;
  if (error.kind !== 'status' && context.url) return `${error.message} (${context.url})${trace}`;
  return `${error.message}${trace}`;
}
