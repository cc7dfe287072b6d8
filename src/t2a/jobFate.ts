/**
 * What becomes of a job still held by a connection that closed: failed, retried once, or re-sent; and the
 * errors a job can end with that no server sent.
 */
import { T2AError } from './errors.js';
import type { Job } from './TaskLane.js';
import { MAX_TEXT_LENGTH } from './validate.js';

export type Outcome = 'fail' | 'retry' | 'resend';

/** Account-wide refusals: every queued text would meet the same answer. */
function sharedByAll(error: T2AError): boolean {
  return error.category === 'auth' || error.category === 'billing' || (error.category === 'rate_limit' && error.code !== 2205);
}

/** Refusals of the account or the settings: a new connection with the same settings would meet them again. */
export function recurs(error: T2AError): boolean {
  return error.category === 'auth' || error.category === 'billing' || error.category === 'voice';
}

function transient(error: T2AError): boolean {
  return error.retryable && (error.category === 'transient' || error.category === 'idle');
}

/** The sent text a status error is about, when one can be named. */
export function attribute(error: T2AError, inflight: Job[]): Job | undefined {
  if (typeof error.code !== 'number' || error.code === 2201) return undefined;
  switch (error.code) {
    case 2203:
      return inflight.find((j) => j.text.trim() === '') ?? inflight[0];
    case 2204:
      return inflight.find((j) => j.text.length > MAX_TEXT_LENGTH) ?? inflight[0];
    case 2205:
      // The queue overflowed when the latest text arrived.
      return inflight[inflight.length - 1];
    default:
      return inflight[0];
  }
}

/**
 * What happens to a job still held by a closed connection:
 * - 'resend': not its fault and nothing heard (a neighbour was cancelled or refused): re-sent, no retry used;
 * - 'retry': a transient failure before audio: re-sent once;
 * - 'fail': everything else (a cut, the text's own refusal, an account-wide refusal).
 */
export function decide(error: T2AError, job: Job, started: boolean, culprit: Job | undefined): Outcome {
  if (job.stream.audioStarted) return 'fail';
  if (error.code === 'aborted') return 'resend';
  if (!started || sharedByAll(error) || error.kind !== 'status' || error.code === 2201) {
    return transient(error) ? 'retry' : 'fail';
  }
  if (job !== culprit) return 'resend';
  return transient(error) ? 'retry' : 'fail';
}

export function cutError(reason: T2AError, job: Job): T2AError {
  return new T2AError(`the speech was cut off after ${job.stream.bytes} bytes of audio; the rest was not read (${reason.message})`, {
    code: reason.code,
    category: reason.category === 'idle' ? 'transient' : reason.category,
    retryable: false,
    traceId: reason.traceId,
    cause: reason,
  });
}

/** What a cancelled utterance rejects with (the synthesizer's and the audio cache's alike). */
export function abortError(why: unknown): T2AError {
  return new T2AError('the utterance was cancelled', { code: 'aborted', cause: why });
}

export function shutdownError(): T2AError {
  return new T2AError('the synthesizer was closed', { code: 'closed', category: 'aborted', retryable: false });
}
