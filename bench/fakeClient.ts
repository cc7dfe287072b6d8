/**
 * The benchmark's side of the fakes' child process: starts bench/fakeServers.ts with IPC, calls its methods
 * with a deadline each, and estimates the offset between the child's clock and this process's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchNow } from './clock.js';
import type { FakeOp, FakeRequest, FakeResponse, FakeServersApi, FakeServersConfig, FakeServersInfo } from './fakeProtocol.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = resolve(ROOT, 'bench/fakeServers.ts');

type Result<K extends FakeOp> = Awaited<ReturnType<FakeServersApi[K]>>;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class FakeServers {
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private exited = false;
  private readonly exit: Promise<void>;
  /** URLs and guilds of the running fakes (set by `start`). */
  info!: FakeServersInfo;
  /** Add to a time of this process to get the child's clock (estimated by `syncClocks`). */
  clockOffset = 0;

  private constructor(private readonly child: ChildProcess) {
    this.exit = new Promise((done) => child.once('exit', () => done()));
    child.on('message', (m: FakeResponse) => this.onResponse(m));
    child.once('exit', () => this.onExit());
  }

  /** Forks the child, starts the fakes in it, and measures the clock offset. */
  static async start(config: FakeServersConfig): Promise<FakeServers> {
    const child = fork(ENTRY, [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const servers = new FakeServers(child);
    try {
      servers.info = await servers.call('start', [config], 60_000);
      await servers.syncClocks();
      return servers;
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  /** Calls a method of the child; rejects after `timeoutMs` (default 30 s). */
  call<K extends FakeOp>(op: K, args: Parameters<FakeServersApi[K]>, timeoutMs = 30_000): Promise<Result<K>> {
    if (this.exited || !this.child.connected) return Promise.reject(new Error(`fake servers are gone (calling ${op})`));
    const id = ++this.seq;
    return new Promise<Result<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`fake servers: ${op} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      const request: FakeRequest = { id, op, args };
      this.child.send(request);
    });
  }

  /** Offset of the child's clock, from the round trip with the smallest delay among a few. */
  async syncClocks(rounds = 15): Promise<void> {
    let best = Infinity;
    for (let i = 0; i < rounds; i++) {
      const t0 = benchNow();
      const child = await this.call('now', []);
      const t1 = benchNow();
      if (t1 - t0 < best) {
        best = t1 - t0;
        this.clockOffset = child - (t0 + t1) / 2;
      }
    }
  }

  /** Closes the fakes and waits for the child to exit (killed after a deadline). */
  async close(): Promise<void> {
    if (!this.exited) {
      await this.call('close', [], 10_000).catch(() => undefined);
      if (this.child.connected) this.child.disconnect();
    }
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exit;
    clearTimeout(killer);
  }

  private onResponse(response: FakeResponse): void {
    const p = this.pending.get(response.id);
    if (!p) return;
    this.pending.delete(response.id);
    clearTimeout(p.timer);
    if (response.ok) p.resolve(response.result);
    else p.reject(new Error(`fake servers: ${response.error}`));
  }

  private onExit(): void {
    this.exited = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('fake servers exited'));
    }
    this.pending.clear();
  }
}
