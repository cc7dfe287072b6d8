import { afterEach, describe, expect, it } from 'vitest';
import { opt } from '../fakes/discord/index.js';
import { slowVoiceJoin } from '../fakes/slowVoiceJoin.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';

/**
 * A cold start (the bot not yet in voice) opens the caller's MiniMax task while the voice connection is being
 * joined. The join is held up by delaying Discord's VOICE_SERVER_UPDATE, so the order is not a race.
 */
describe('cold start: the MiniMax task opens during the voice join', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** The bot with a slow voice join, and the task_starts MiniMax had seen when the voice session was ready. */
  async function slowJoin(options?: HarnessOptions): Promise<{ h: Harness; startsAtVoiceReady: () => number | undefined }> {
    const x = (h = await startHarness(options));
    return { h: x, startsAtVoiceReady: slowVoiceJoin(x) };
  }

  it('/speak: task_start reaches MiniMax before the voice session is ready, and the text goes on that task', async () => {
    const { h, startsAtVoiceReady } = await slowJoin();
    const text = 'Cold start, warm task.';
    const reply = await h.run({ command: 'speak', options: { text, voice: 'English_Graceful_Lady' } });
    expect(reply.content).toMatch(/^(Reading it now\.|Queued \(position 1\)\.)$/);
    expect(startsAtVoiceReady()).toBe(1);
    await h.minimax.waitFor(() => h.minimax.texts.length === 1, 5_000, 'the text');
    expect(h.minimax.texts).toEqual([text]);
    expect(h.minimax.connections).toHaveLength(1);
    expect(h.minimax.taskStarts[0]).toMatchObject({ voice_setting: { voice_id: 'English_Graceful_Lady' } });
  });

  it('/speak whose join times out: no text reaches MiniMax, and the caller is told', async () => {
    h = await startHarness({ timings: { joinTimeoutMs: 500 } });
    h.discord.refuseJoins('Voice');
    const reply = await h.run({ command: 'speak', options: { text: 'Never billed.' } });
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain("couldn't connect");
    expect(h.minimax.taskStarts).toHaveLength(1);
    const sent = h.minimax.connections.flatMap((c) => c.received.map((e) => e.event));
    expect(sent).not.toContain('task_continue');
    expect(h.minimax.texts).toEqual([]);
    await h.minimax.waitFor(() => h!.minimax.connections.every((c) => c.closed), 2_000, 'the warmed task closed');
  });

  it("auto-read's autojoin warms the author's task during the join", async () => {
    const { h, startsAtVoiceReady } = await slowJoin();
    await h.run({ command: 'autoread', subcommand: 'set', options: { channel: opt.channel('reading') } });
    await h.run({ command: 'autoread', subcommand: 'options', options: { autojoin: true, xsaid: false } });
    h.discord.message({ channel: 'reading', author: 'bob', content: 'Come and read this' });
    await h.minimax.waitFor(() => h.minimax.texts.includes('Come and read this'), 5_000, 'the message');
    expect(startsAtVoiceReady()).toBe(1);
    expect(h.minimax.connections).toHaveLength(1);
  });
});
