/**
 * The test hosts' network (lan.ts): what a crashed run left (its namespaces, what runs in them, its bridge) is
 * removed by the next run and does not stop it; a live run's namespaces are left alone; destroy() leaves nothing.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startLan } from './lan.js';

const run = promisify(execFile);
const ip = async (...args: string[]): Promise<string> => (await run('ip', args)).stdout;
const namespaces = async (): Promise<string[]> => (await ip('netns', 'list')).split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
const bridges = async (): Promise<string[]> => (await ip('-o', 'link', 'show', 'type', 'bridge')).split('\n').map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? '').filter(Boolean);

// 'zzzzz' in base 36 is 60466175, above any pid Linux hands out (at most 4194304): that run is gone.
const DEAD = ['parrot-zzzzz-dead-db', 'pbzzzzz-dead'] as const;
const LIVE = `parrot-${process.pid.toString(36)}-beef-live`;
let orphan: ChildProcess | undefined;
afterAll(async () => {
  if (orphan?.exitCode === null && orphan.signalCode === null) orphan.kill('SIGKILL');
  for (const name of [DEAD[0], LIVE]) await ip('netns', 'del', name).catch(() => undefined);
  await ip('link', 'del', DEAD[1]).catch(() => undefined);
});

describe('the test hosts\' network', () => {
  it('removes what a dead run left, keeps what a live run has, and leaves nothing after destroy()', async () => {
    await ip('netns', 'add', DEAD[0]);
    await ip('netns', 'add', LIVE);
    await ip('link', 'add', DEAD[1], 'type', 'bridge');
    const child = spawn('ip', ['netns', 'exec', DEAD[0], 'sleep', '120'], { stdio: 'ignore' });
    orphan = child;
    const orphanEnded = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    await expect.poll(async () => (await ip('netns', 'pids', DEAD[0])).trim().length > 0).toBe(true);

    const lan = await startLan();
    try {
      expect(await orphanEnded).toBe('SIGKILL');
      expect(await namespaces()).not.toContain(DEAD[0]);
      expect(await bridges()).not.toContain(DEAD[1]);
      expect(await namespaces()).toContain(LIVE);
      const a = await lan.addHost('a');
      const b = await lan.addHost('b');
      expect(lan.subnet).toMatch(/^10\.\d+\.\d+\.0\/24$/);
      expect(new Set([lan.address, a.address, b.address]).size).toBe(3);
      expect(await namespaces()).toEqual(expect.arrayContaining([a.name, b.name]));
      // Each host has its own address on the bridge and its own loopback.
      expect(await ip('-n', a.name, '-4', '-o', 'addr', 'show')).toMatch(new RegExp(`inet ${a.address.replaceAll('.', '\\.')}/24`));
      expect(await ip('-n', a.name, '-4', '-o', 'addr', 'show')).toContain('inet 127.0.0.1/8');
    } finally {
      await lan.destroy();
    }
    // Only this process's names are looked at: another test file may have hosts of its own up meanwhile.
    const ours = `${process.pid.toString(36)}-`;
    expect((await namespaces()).filter((n) => n.startsWith(`parrot-${ours}`) && n !== LIVE)).toStrictEqual([]);
    expect((await bridges()).filter((n) => n.startsWith(`pb${ours}`))).toStrictEqual([]);
  });
});
