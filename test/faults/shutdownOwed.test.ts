/**
 * Shutdown waits for what the sessions owe: SessionManager.destroyAll resolves only once every MiniMax socket of
 * the ended sessions has closed, and gives up at its deadline when one never does. The sockets are real (fake
 * MiniMax over loopback); the test holds back the client's 'close' event to decide when a socket counts as closed.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocketFactory } from '../../src/t2a/T2ASocket.js';
import { startHarness, type Harness } from '../session/harness.js';

/** Real sockets whose 'close' events are held until release(). */
function heldCloses(): { factory: WebSocketFactory; held: () => number; release: () => void } {
  const waiting: (() => void)[] = [];
  let holding = true;
  const factory: WebSocketFactory = (url, options) => {
    const ws = new WebSocket(url, { headers: options.headers });
    const emit = ws.emit.bind(ws);
    ws.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
      if (event === 'close' && holding) {
        waiting.push(() => emit(event, ...args));
        return true;
      }
      return emit(event, ...args);
    }) as typeof ws.emit;
    return ws;
  };
  return {
    factory,
    held: () => waiting.length,
    release: () => {
      holding = false;
      for (const fire of waiting.splice(0)) fire();
    },
  };
}

let h: Harness | undefined;
let release: (() => void) | undefined;
afterEach(async () => {
  release?.();
  await h?.close();
  h = undefined;
});

const LONG = 'A long message that is still being read when the bot shuts down, so its socket is open.';

describe('destroyAll at shutdown', () => {
  it('resolves only after the MiniMax sockets of the ended sessions have closed', async () => {
    const sockets = heldCloses();
    release = sockets.release;
    h = await startHarness({ synthesizer: { WebSocket: sockets.factory } });
    await h.manager.join(h.target());
    h.manager.get(h.guildId)!.enqueue(h.item(LONG));
    await h.discord.audio.waitForAudio({ minMs: 200, timeoutMs: 10_000 });
    let done: boolean | undefined;
    const destroying = h.manager.destroyAll('shutting down', 60_000).then((ok) => (done = ok));
    // The socket really closed (the client got its close); the manager still waits for the session to see it.
    await h.minimax.waitFor(() => sockets.held() > 0, 10_000, 'the socket closed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBeUndefined();
    sockets.release();
    await destroying;
    expect(done).toBe(true);
  });

  it('gives up at its deadline when a socket never closes, and says so', async () => {
    const sockets = heldCloses();
    release = sockets.release;
    h = await startHarness({ synthesizer: { WebSocket: sockets.factory } });
    await h.manager.join(h.target());
    h.manager.get(h.guildId)!.enqueue(h.item(LONG));
    await h.discord.audio.waitForAudio({ minMs: 200, timeoutMs: 10_000 });
    expect(await h.manager.destroyAll('shutting down', 300)).toBe(false);
  });
});
