/** Who an underrun belongs to: was MiniMax's audio for the missing frame at the bot in time? */

/** The fake's chunk in the load steps: 4 KB of 128 kbps MP3, 256 ms of audio (its Opus chunks hold as much audio time). */
export const CHUNK_BYTES = 4096;
export const CHUNK_AUDIO_MS = (CHUNK_BYTES * 8) / 128;
/** MP3 priming the transcoder drops (~35 ms), and the MP3 frame (36 ms) and Opus frame still being assembled. */
export const UNDERRUN_SOURCE_SLACK_MS = 80;

/** An underrun as the voice server saw it (its clock). */
export interface HeardUnderrun {
  /** When the missing frame was due: the voice frame before it + 20 ms. */
  dueAt: number;
  /** The guild's audio heard before it (voice frames x 20 ms). */
  heardMs: number;
}

/**
 * For each underrun of one guild: how long (ms) the bot had held the MiniMax chunk with the missing frame's audio
 * when that frame was due. `arrivals`: when each of the guild's audio chunks reached the bot (bot clock, in
 * order); `clockOffset` turns the bot's clock into the voice server's. The chunk is taken generously
 * (UNDERRUN_SOURCE_SLACK_MS more audio than was heard through the frame), so a late MiniMax is never blamed on
 * the bot. Underruns whose chunk never came are left out.
 */
export function heldAtUnderruns(arrivals: readonly number[], underruns: readonly HeardUnderrun[], clockOffset: number): number[] {
  const held: number[] = [];
  for (const u of underruns) {
    const chunk = arrivals[Math.floor((u.heardMs + 20 + UNDERRUN_SOURCE_SLACK_MS) / CHUNK_AUDIO_MS)];
    if (chunk !== undefined) held.push(Math.round(u.dueAt - (chunk + clockOffset)));
  }
  return held;
}
