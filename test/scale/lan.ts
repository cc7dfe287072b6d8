/**
 * Separate hosts on this machine for tests: network namespaces (iproute2), each with its own loopback and one veth
 * into a bridge that the test process sits on too. A process run in a host (`ip netns exec`) reaches the others only
 * through their addresses on the bridge; its 127.0.0.1 is its own. Names carry this process's id and a random part,
 * and the subnet is one no route on the machine uses, so a run that crashed and left its namespaces does not break
 * the next one, which also removes the namespaces (and what still runs in them) and the bridges of runs whose
 * process is gone. Needs root and iproute2; without them startLan() fails and says so, never skips.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ip = (...args: string[]) => run('ip', args);

const NETNS_PREFIX = 'parrot-';
const BRIDGE_PREFIX = 'pb';

export interface NetHost {
  /** The namespace's name (for `ip netns exec`). */
  readonly name: string;
  /** Its address on the bridge. */
  readonly address: string;
}

export interface Lan {
  /** This (the test's) process's address on the bridge: where servers run by the test itself listen. */
  readonly address: string;
  /** e.g. 10.213.7.0/24 */
  readonly subnet: string;
  /** A new host (namespace) on the bridge. */
  addHost(role: string): Promise<NetHost>;
  /** Removes every namespace (their veths go with them) and the bridge; tries all, then throws the first error. */
  destroy(): Promise<void>;
}

/** `argv` to run `command` inside `host`. */
export function inHost(host: NetHost, command: string, ...args: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', host.name, command, ...args]];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid that made a name `<prefix><pid base 36>-<random>...`, or undefined for a name not ours. */
function ownerPid(name: string, prefix: string): number | undefined {
  const m = new RegExp(`^${prefix}([0-9a-z]+)-[0-9a-f]{4}`).exec(name);
  return m ? parseInt(m[1]!, 36) : undefined;
}

/** Namespaces and bridges left by runs whose process is gone (a crash, a kill -9) are removed. */
async function removeLeftovers(): Promise<void> {
  const netns = (await ip('netns', 'list')).stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
  for (const name of netns) {
    const pid = ownerPid(name, NETNS_PREFIX);
    if (pid === undefined || alive(pid)) continue;
    // What a dead run left running in there (its bot, its database) can reach nothing any more: it goes too.
    const pids = (await ip('netns', 'pids', name).catch(() => ({ stdout: '' }))).stdout.split('\n').map(Number).filter((n) => n > 0);
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await ip('netns', 'del', name).catch(() => undefined);
  }
  const bridges = (await ip('-o', 'link', 'show', 'type', 'bridge')).stdout.split('\n').map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? '');
  for (const name of bridges) {
    const pid = ownerPid(name, BRIDGE_PREFIX);
    if (pid !== undefined && !alive(pid)) await ip('link', 'del', name).catch(() => undefined);
  }
}

const toInt = (a: string): number => a.split('.').reduce((n, x) => n * 256 + Number(x), 0);

/** A 10.x.y.0/24 that overlaps no address or route on this machine. */
async function freeSubnet(): Promise<string> {
  const used = [(await ip('-4', '-o', 'addr', 'show')).stdout, (await ip('-4', 'route', 'show', 'table', 'all')).stdout]
    .join('\n').match(/\d+\.\d+\.\d+\.\d+(?:\/\d+)?/g) ?? [];
  const ranges = used.map((cidr) => {
    const [a, bits] = cidr.split('/');
    const size = 2 ** (32 - Number(bits ?? 32));
    const start = Math.floor(toInt(a!) / size) * size;
    return [start, start + size] as const;
  });
  for (let i = 0; i < 100; i++) {
    const start = toInt(`10.${randomInt(160, 250)}.${randomInt(1, 255)}.0`);
    if (!ranges.some(([s, e]) => s < start + 256 && start < e)) return `10.${(start >> 16) & 255}.${(start >> 8) & 255}.0/24`;
  }
  throw new Error('no free 10.x.y.0/24 subnet for the test hosts');
}

export async function startLan(): Promise<Lan> {
  try {
    await removeLeftovers();
  } catch (error) {
    throw new Error(`network namespaces need root and iproute2 (\`ip\`; .ci/run installs it): ${(error as Error).message}`);
  }
  const tag = `${process.pid.toString(36)}-${randomBytes(2).toString('hex')}`;
  const subnet = await freeSubnet();
  const base = subnet.slice(0, subnet.lastIndexOf('.') + 1);
  const bridge = `${BRIDGE_PREFIX}${tag}`;
  const address = `${base}1`;
  const made: string[] = [];
  let bridgeMade = false;
  const destroy = async (): Promise<void> => {
    let first: Error | undefined;
    const keep = (error: unknown) => (first ??= error instanceof Error ? error : new Error(`ip failed: ${JSON.stringify(error)}`));
    for (const name of made.splice(0).reverse()) await ip('netns', 'del', name).catch(keep);
    if (bridgeMade) {
      bridgeMade = false;
      await ip('link', 'del', bridge).catch(keep);
    }
    if (first) throw first;
  };
  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    bridgeMade = true;
    await ip('addr', 'add', `${address}/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
  } catch (error) {
    await destroy().catch(() => undefined);
    throw new Error(`could not make the test bridge (root and iproute2 are needed): ${(error as Error).message}`);
  }
  let hosts = 0;
  return {
    address,
    subnet,
    async addHost(role) {
      const n = ++hosts;
      const name = `${NETNS_PREFIX}${tag}-${role}`;
      const [outer, inner] = [`pv${tag}${n}`, `pn${tag}${n}`];
      const host = { name, address: `${base}${n + 1}` };
      await ip('netns', 'add', name);
      made.push(name);
      await ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner, 'netns', name);
      await ip('link', 'set', outer, 'master', bridge, 'up');
      await ip('-n', name, 'addr', 'add', `${host.address}/24`, 'dev', inner);
      await ip('-n', name, 'link', 'set', inner, 'up');
      await ip('-n', name, 'link', 'set', 'lo', 'up');
      return host;
    },
    destroy,
  };
}

/** A throwaway self-signed certificate (and key) for `address`, written into `dir` with openssl: what a TLS server there needs. */
export async function certificateFor(dir: string, address: string): Promise<{ certFile: string; keyFile: string }> {
  const [certFile, keyFile] = [`${dir}/cert.pem`, `${dir}/key.pem`];
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${address}`, '-addext', `subjectAltName=IP:${address}`, '-keyout', keyFile, '-out', certFile,
  ]);
  return { certFile, keyFile };
}
