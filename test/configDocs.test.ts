/**
 * The configuration is documented twice, for two readers: `.env.example` (the file an admin copies) and the
 * README's configuration table. Both must name exactly the variables src/config.ts reads.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();

/** Every `(env, 'NAME'` in config.ts: the variables it reads through its helpers (PATH is read directly, for ffmpeg). */
const readByConfig = sorted([...read('src/config.ts').matchAll(/\(env, '([A-Z0-9_]+)'/g)].map((m) => m[1]!));

describe('configuration documents', () => {
  it('finds the variables config.ts reads', () => {
    expect(readByConfig).toContain('DISCORD_TOKEN');
    expect(readByConfig).toContain('AUDIO_OPUS_COMPLEXITY_UNDER_LOAD');
    expect(readByConfig.length).toBeGreaterThan(20);
  });

  it('.env.example sets each of them, and nothing else', () => {
    const set = [...read('.env.example').matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(sorted(set)).toEqual(readByConfig);
  });

  it("the README's configuration table has a row for each of them, and no other", () => {
    const readme = read('README.md');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
    const rows = [...table.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
    expect(sorted(rows)).toEqual(readByConfig);
  });
});
