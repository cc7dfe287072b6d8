/**
 * A real PostgreSQL server for tests: initdb into a temp directory, started on a free loopback port as the
 * `postgres` OS user when the tests run as root (PostgreSQL refuses root), stopped and removed by `destroy()`.
 * Options put it on another address, in a network namespace, open to a subnet.
 * Password authentication is on (scram), so the URL carries a password the tests can look for in logs and errors.
 * Missing binaries are an error, never a skip: `.ci/run` installs Debian's postgresql.
 */
import { execFile } from 'node:child_process';
import { appendFile, chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export const PG_PASSWORD = 'pg-secret-Xy7q-do-not-log';
const PG_USER = 'parrot';

/** The newest /usr/lib/postgresql/<n>/bin holding a postgres binary. */
async function findBinDir(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? (await readdir(root)).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) {
    throw new Error(
      'PostgreSQL server binaries are missing (/usr/lib/postgresql/*/bin/postgres): run .ci/run, or its install step ' +
        '`apt-get update && apt-get install -y --no-install-recommends postgresql`',
    );
  }
  return join(root, newest, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function ownerIds(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

export interface PgServer {
  readonly port: number;
  /** postgres://parrot:<password>@<host>:<port>/<database> */
  url(database?: string): string;
  /** A fresh, empty database on this server; returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown: clients are disconnected); the data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

export interface PgServerOptions {
  /** The address to listen on and to put in URLs. Default 127.0.0.1. */
  host?: string;
  /** A network namespace to run the server in (`ip netns exec`), as a database on a host of its own. */
  netns?: string;
  /** A subnet (CIDR) whose clients may log in with the password, besides loopback. */
  allow?: string;
}

export async function startPgServer(options: PgServerOptions = {}): Promise<PgServer> {
  const host = options.host ?? '127.0.0.1';
  const bin = await findBinDir();
  const owner = await ownerIds();
  const dir = await mkdtemp(join(tmpdir(), 'parrot-pg-'));
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  await writeFile(pwfile, `${PG_PASSWORD}\n`);
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    await chown(pwfile, owner.uid, owner.gid);
  }
  const as = (cmd: string, args: string[]) => {
    const argv = owner ? ['runuser', '-u', 'postgres', '--', join(bin, cmd), ...args] : [join(bin, cmd), ...args];
    const [file, ...rest] = options.netns ? ['ip', 'netns', 'exec', options.netns, ...argv] : argv;
    return run(file!, rest, { cwd: dir });
  };
  await as('initdb', ['-D', data, '-U', PG_USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale=C']);
  if (options.allow) await appendFile(join(data, 'pg_hba.conf'), `host all all ${options.allow} scram-sha-256\n`);
  const port = await freePort();
  const flags = `-p ${port} -k ${dir} -c listen_addresses=${host} -c fsync=off -c full_page_writes=off -c max_connections=200`;
  const start = async (): Promise<void> => {
    await as('pg_ctl', ['-D', data, '-o', flags, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  };
  let running = false;
  const stop = async (): Promise<void> => {
    if (!running) return;
    await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
    running = false;
  };
  await start();
  running = true;
  const url = (database = 'postgres') => `postgres://${PG_USER}:${encodeURIComponent(PG_PASSWORD)}@${host}:${port}/${database}`;
  let databases = 0;
  return {
    port,
    url,
    async createDatabase() {
      const name = `t${process.pid}_${++databases}`;
      const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 10_000 });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop,
    async start() {
      await start();
      running = true;
    },
    async destroy() {
      try {
        await stop();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Runs one query on the database at `url` over a connection of its own; its rows. */
export async function sql<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
