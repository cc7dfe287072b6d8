/**
 * What a test file opens and must close, in one place: `defer(fn)` runs `fn` after the current test (the last
 * deferred first), and `database()` creates a fresh database on the file's one real PostgreSQL server, started at
 * the first call and destroyed after the file's last test. Call `testScope()` once at a file's top level: it
 * registers the afterEach and afterAll hooks that do the closing.
 */
import { afterAll, afterEach } from 'vitest';
import { startPgServer, type PgServer } from './pgServer.js';

export type Cleanup = () => Promise<void> | void;

export interface TestScope {
  /** Runs `fn` after the current test, before what was deferred earlier. */
  defer: (fn: Cleanup) => void;
  /** A fresh database on this file's PostgreSQL server (started on first use); its URL. */
  database: () => Promise<string>;
}

export function testScope(): TestScope {
  let server: Promise<PgServer> | undefined;
  afterAll(async () => {
    if (server) await (await server).destroy();
  });
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
  return {
    defer: (fn) => void cleanups.push(fn),
    database: async () => {
      server ??= startPgServer();
      return (await server).createDatabase();
    },
  };
}
