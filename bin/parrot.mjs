#!/usr/bin/env node
// `npx parrot …`: runs the TypeScript CLI through tsx, so no build step is needed after `npm ci`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(dirname(require.resolve('tsx/package.json')), 'dist', 'cli.mjs');
// Parrot needs Node >= 22.12. Run directly by an older node, use the project's Node 22 when npm ci installed it
// (node_modules/.bin/node); otherwise the CLI's first import (src/nodeVersion.ts) says in one line what to run.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const projectNode = join(root, 'node_modules', '.bin', 'node');
const node = (major < 22 || (major === 22 && minor < 12)) && existsSync(projectNode) ? projectNode : process.execPath;
const child = spawn(node, [tsx, join(root, 'src', 'cli.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
// The CLI cleans up on a signal (cancels the request, removes a partial file): pass signals on and wait for it.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 2 : 1)));
