/**
 * Faults table, row 6: MiniMax closes a connection idle for 120 s (task_failed 2201, "timeout disconnect"),
 * and the client ends its own idle task before that. The next utterance opens one new connection (one
 * handshake) and is heard whole; it is never first sent into the closed one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectedMs, startHarness, type Harness } from '../session/harness.js';
import { sends, until } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const A = 'Before the pause.';
const B = 'After the pause, read at once.';

/**
 * A, a pause of `betweenMs` (its connection is closed by then), then B. How long B takes to be heard after a
 * reconnection is the benchmark's (cold rows: a new T2A connection); here, that nothing waited on a dead socket:
 * B went out once, on the one new connection, as its first text, and was never failed or retried.
 */
async function speakTwice(x: Harness, betweenMs: number): Promise<void> {
  await x.manager.join(x.target());
  const session = x.manager.get(x.guildId)!;
  session.enqueue(x.item(A));
  await x.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 10_000 });
  await new Promise((resolve) => setTimeout(resolve, betweenMs));
  expect(x.minimax.connections.every((c) => c.closed)).toBe(true);
  session.enqueue(x.item(B));
  await until(() => x.played.length === 2, 10_000, 'B to play');
  const heard = await x.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 10_000 });
  expect(Math.abs(heard.voiceMs - expectedMs(A) - expectedMs(B))).toBeLessThan(150);
  expect(x.reports).toEqual([]);
  expect(x.retries).toEqual([]);
  // One new connection, one task_start, B sent once: the new connection's only text.
  expect(x.minimax.connections).toHaveLength(2);
  expect(x.minimax.taskStarts).toHaveLength(2);
  expect(sends(x.minimax, B)).toBe(1);
  expect(x.minimax.connections[1]!.received.filter((e) => e.event === 'task_continue').map((e) => e.body?.['text'])).toEqual([B]);
}

describe('idle connections', () => {
  it("MiniMax's 2201 idle close: the next utterance goes out once, on a new connection, never into the closed one", async () => {
    h = await startHarness({ minimax: { idleCloseMs: 300 } });
    await speakTwice(h, 500);
    const first = h.minimax.connections[0]!;
    expect(first.closedBy).toBe('server');
    expect(first.sent.at(-1)).toMatchObject({ event: 'task_failed', statusCode: 2201 });
  });

  it('the client ends its idle task first (task_finish) and reconnects for the next utterance', async () => {
    h = await startHarness({ synthesizer: { idleCloseMs: 200 } });
    await speakTwice(h, 400);
    const first = h.minimax.connections[0]!;
    expect(first.received.map((e) => e.event)).toEqual(['task_start', 'task_continue', 'task_finish']);
    expect(first.sent.at(-1)).toMatchObject({ event: 'task_finished', statusCode: 0 });
  });

  it('a connection closed silently while idle (no 2201) is replaced the same way', async () => {
    h = await startHarness();
    await h.manager.join(h.target());
    const session = h.manager.get(h.guildId)!;
    session.enqueue(h.item(A));
    await h.discord.audio.waitForSilence({ quietMs: 300, timeoutMs: 10_000 });
    h.minimax.disconnectAll('drop');
    await h.minimax.waitFor(() => h!.minimax.connections.every((c) => c.closed), 2_000, 'the drop');
    session.enqueue(h.item(B));
    await until(() => h!.played.length === 2, 10_000, 'B to play');
    expect(sends(h.minimax, B)).toBe(1);
    expect(h.reports).toEqual([]);
  });
});
