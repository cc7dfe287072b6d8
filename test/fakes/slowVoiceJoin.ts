/** A test helper over both fakes: a voice join held up, and what MiniMax had seen by the time it was ready. */
import type { FakeDiscord } from './discord/index.js';
import type { FakeMiniMax } from './minimax/FakeMiniMax.js';

/**
 * Holds the voice gateway's session description (the last step of a join) back by `delayMs`; returns the number
 * of task_starts MiniMax had seen when it was sent (undefined until then).
 */
export function slowVoiceJoin(fakes: { discord: FakeDiscord; minimax: FakeMiniMax }, delayMs = 300): () => number | undefined {
  fakes.discord.delayVoiceServer(delayMs);
  let starts: number | undefined;
  fakes.discord.voice.once('ready', () => {
    starts = fakes.minimax.taskStarts.length;
  });
  return () => starts;
}
