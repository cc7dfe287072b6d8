/**
 * There is no Docker engine here, so the image is never built: this holds the Dockerfile and compose.yaml to the
 * project instead. Every file they copy exists, every variable they set is one config.ts reads, the command is
 * `npm start`'s entry, the HEALTHCHECK command itself passes against a running bot (and fails without one), and
 * `npm ci --omit=dev` keeps every package the bot imports.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HTTP_PATHS } from '../../src/ops/index.js';
import { startHarness, type Harness } from '../bot/harness.js';
import { freePort } from './helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string>; optionalDependencies?: Record<string, string> };
const readByConfig = new Set([...read('src/config.ts').matchAll(/\(env, '([A-Z0-9_]+)'/g)].map((m) => m[1]!));
/** Node's own convention, read by libraries, not by Parrot's config. */
const ECOSYSTEM_VARS = new Set(['NODE_ENV']);

interface Instruction {
  op: string;
  args: string;
}
/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
const instructions: Instruction[] = read('Dockerfile')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'))
  .map((l) => {
    const [op = '', ...rest] = l.split(/\s+/);
    return { op: op.toUpperCase(), args: rest.join(' ') };
  });
const all = (op: string): string[] => instructions.filter((i) => i.op === op).map((i) => i.args);
const finalStage = instructions.slice(instructions.map((i) => i.op).lastIndexOf('FROM'));
const envSet = new Map(all('ENV').flatMap((args) => [...args.matchAll(/([A-Z0-9_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const)));
const healthcheck = all('HEALTHCHECK')[0] ?? '';
const healthCommand = healthcheck.slice(healthcheck.indexOf('CMD ') + 4);

describe('Dockerfile', () => {
  it('builds in stages from Node 22 slim, installs production dependencies only, runs as node under tini', () => {
    const froms = all('FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^node:22-[a-z]*-?slim\b/);
    expect(all('RUN').some((r) => r.includes('npm ci --omit=dev'))).toBe(true);
    expect(finalStage.filter((i) => i.op === 'USER').map((i) => i.args)).toEqual(['node']);
    expect(finalStage.some((i) => i.op === 'RUN' && /apt-get install .*\btini\b/.test(i.args))).toBe(true);
    expect(JSON.parse(all('ENTRYPOINT')[0] ?? 'null')).toEqual(['/usr/bin/tini', '--']);
    expect(all('VOLUME').join(' ')).toContain(envSet.get('DATA_DIR'));
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    const sources = all('COPY').filter((a) => !a.startsWith('--from')).flatMap((a) => a.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(ignored, source).not.toContain(source.split('/')[0]);
    }
  });

  it('sets only variables config.ts reads', () => {
    expect(envSet.size).toBeGreaterThan(2);
    for (const name of envSet.keys()) expect(readByConfig.has(name) || ECOSYSTEM_VARS.has(name), name).toBe(true);
  });

  it("runs npm start's entry as one Node process, as CI's process test does", () => {
    const cmd = JSON.parse(all('CMD').at(-1) ?? 'null') as string[];
    expect(cmd.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
    const entry = cmd[3]!;
    expect(existsSync(join(ROOT, entry))).toBe(true);
    expect(pkg.scripts['start']).toBe(`tsx ${entry}`);
    expect(read('test/bot/process.test.ts')).toContain(`'../../${entry}'`);
  });

  it('checks health on a path the server serves, with a script the image copies', () => {
    expect(healthCommand).toMatch(/^node ops\/healthcheck\.mjs "http:\/\/127\.0\.0\.1:\$\{HTTP_PORT\}(\/\w+)"$/);
    const path = /\$\{HTTP_PORT\}(\/\w+)/.exec(healthCommand)?.[1];
    expect(path).toBe(HTTP_PATHS.health);
    expect(all('COPY')).toContain('ops/healthcheck.mjs ./ops/healthcheck.mjs');
    expect(all('EXPOSE')).toEqual([envSet.get('HTTP_PORT')]);
  });

  describe('the HEALTHCHECK command, run as Docker runs it (sh -c, the image environment)', () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });
    const run = (port: string): Promise<{ code: number; stderr: string }> =>
      promisify(execFile)('/bin/sh', ['-c', healthCommand], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HTTP_PORT: port }, timeout: 10_000 }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code?: number; stderr?: string }) => ({ code: error.code ?? -1, stderr: error.stderr ?? '' }),
      );

    it('passes against a running bot, and fails with the reason when nothing answers', async () => {
      const x = (h = await startHarness({ env: { HTTP_PORT: '0' } }));
      const port = new URL(x.bot.httpUrl!).port;
      expect(await run(port)).toEqual({ code: 0, stderr: '' });
      const down = await run(String(await freePort()));
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/^unhealthy: .*ECONNREFUSED/);
    });
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml')) as {
    services: Record<string, { build: string; env_file: string; environment: Record<string, string>; volumes: string[]; ports?: string[]; profiles?: string[] }>;
    volumes: Record<string, unknown>;
  };
  const parrot = compose.services['parrot']!;

  it('builds this Dockerfile, reads .env (made from .env.example), and sets only variables config.ts reads', () => {
    expect(parrot.build).toBe('.');
    expect(existsSync(join(ROOT, parrot.build, 'Dockerfile'))).toBe(true);
    expect(parrot.env_file).toBe('.env');
    expect(existsSync(join(ROOT, '.env.example'))).toBe(true);
    for (const name of Object.keys(parrot.environment)) expect(readByConfig.has(name), name).toBe(true);
  });

  it('keeps DATA_DIR on a named volume, and publishes the HTTP port on loopback only', () => {
    const dataDir = parrot.environment['DATA_DIR'];
    expect(dataDir).toBe(envSet.get('DATA_DIR'));
    const mount = parrot.volumes.find((v) => v.endsWith(`:${dataDir}`));
    expect(mount).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(mount!.split(':')[0]);
    expect(parrot.ports).toEqual([`127.0.0.1:${parrot.environment['HTTP_PORT']}:${envSet.get('HTTP_PORT')}`]);
  });

  it('offers PostgreSQL only under its profile, on a named volume, unpublished, reached at the host its comment names', () => {
    const pg = compose.services['postgres']!;
    expect(pg.profiles).toEqual(['postgres']);
    expect(pg.ports).toBeUndefined();
    const mount = pg.volumes.find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(Object.keys(compose.volumes)).toContain(mount?.split(':')[0]);
    // The DATABASE_URL the file's comment tells the owner to set names this service, its user and its database.
    const url = /DATABASE_URL=(\S+)/.exec(read('compose.yaml'))![1]!;
    expect(url).toBe(`postgres://${pg.environment['POSTGRES_USER']}:<password>@postgres:5432/${pg.environment['POSTGRES_DB']}`);
    expect(readByConfig.has('DATABASE_URL')).toBe(true);
  });
});

describe('npm ci --omit=dev', () => {
  /** Every package the bot's source loads at run time (type-only imports are erased and need nothing). */
  function runtimePackages(dir: string, found = new Set<string>()): Set<string> {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) runtimePackages(path, found);
      else if (/\.(ts|mjs)$/.test(name)) {
        const src = readFileSync(path, 'utf8');
        const specs = [
          ...[...src.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]!),
          ...[...src.matchAll(/(?:import|createRequire\(import\.meta\.url\))\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!),
        ];
        for (const spec of specs) {
          if (spec.startsWith('.') || spec.startsWith('node:')) continue;
          found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    }
    return found;
  }

  it("keeps every package src/ loads, and tsx, which npm start runs it with", () => {
    const kept = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const needed = runtimePackages(join(ROOT, 'src'));
    expect(needed).toContain('discord.js');
    expect(needed).toContain('prom-client');
    for (const name of needed) expect(kept.has(name), `${name} must be in dependencies`).toBe(true);
    expect(pkg.scripts['start']?.split(' ')[0]).toBe('tsx');
    expect(kept.has('tsx')).toBe(true);
  });
});
