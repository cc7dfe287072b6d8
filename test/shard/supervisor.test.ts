/**
 * The shard supervisor against stand-in shard processes (real child processes over discord.js's IPC channel):
 * a shard that keeps dying is started again after a doubling back-off, never at once, and never sooner than the
 * IDENTIFY spacing after the previous READY; one that never becomes READY is killed at its deadline and started again;
 * stop() leaves no process behind.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { ShardSupervisor, type SupervisorTimings } from '../../src/shard/supervisor.js';

interface Line {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
  at: number;
}

function recordingLogger(lines: Line[]): Logger {
  const log = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => lines.push({ level, msg, fields, at: performance.now() });
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => logger };
  return logger;
}

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
let supervisor: ShardSupervisor | undefined;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
});

function supervise(file: string, lines: Line[], timings: Partial<SupervisorTimings>, ids = [0]): ShardSupervisor {
  supervisor = new ShardSupervisor({ file: fixture(file), token: 'test-token', count: ids.length, ids, logger: recordingLogger(lines), timings: { exitDeadlineMs: 500, ...timings } });
  return supervisor;
}

describe('ShardSupervisor', () => {
  it('starts a shard that keeps dying again after a back-off that doubles up to its cap, each start spaced from the last READY', async () => {
    const lines: Line[] = [];
    const s = supervise('crashingShard.mjs', lines, { spawnDelayMs: 600, backoffMs: { first: 10, max: 40 } });
    const restarts: string[] = [];
    s.on('restart', (shard, cause) => restarts.push(`${shard}:${cause}`));
    await s.start();
    const deaths = () => lines.filter((l) => l.msg === 'shard process died; starting it again');
    await expect.poll(() => deaths().length, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(5);
    expect(deaths().slice(0, 5).map((l) => l.fields['inMs'])).toStrictEqual([10, 20, 40, 40, 40]);
    expect(restarts.slice(0, 5)).toStrictEqual(['0:crash', '0:crash', '0:crash', '0:crash', '0:crash']);
    // A start never follows a death at once: it waits its back-off, and the IDENTIFY spacing from the last READY
    // (the stand-in is READY as soon as it starts, so the start before).
    const starts = lines.filter((l) => l.msg === 'shard process started').map((l) => l.at);
    for (let i = 1; i < Math.min(starts.length, 6); i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(600);
    for (const [i, death] of deaths().slice(0, 4).entries()) {
      const next = starts.find((t) => t > death.at);
      if (next !== undefined) expect(next - death.at, `start after death ${i}`).toBeGreaterThanOrEqual(Number(death.fields['inMs']) - 5);
    }
  }, 40_000);

  it('kills a shard process that is not READY by its deadline (SIGKILL when it ignores SIGTERM), and gives up the first start', async () => {
    const lines: Line[] = [];
    const s = supervise('silentShard.mjs', lines, { readyTimeoutMs: 500, backoffMs: { first: 50, max: 50 } });
    await expect(s.start()).rejects.toThrow(/shard 0 did not become ready within 0.5 s/);
    const msgs = lines.map((l) => l.msg);
    expect(msgs).toContain('shard process not ready in time; stopping it');
    expect(msgs).toContain('shard process did not stop in time; killing it');
    expect(s.status()).toMatchObject([{ id: 0, state: 'down', ready: false }]);
    // Nothing is started again after a failed first start.
    await new Promise((r) => setTimeout(r, 400));
    expect(msgs.filter((m) => m === 'shard process started')).toHaveLength(1);
  }, 20_000);
});
