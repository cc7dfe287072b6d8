/**
 * What `npm run bench` runs and where it writes. The committed results (bench/results/latest.*) come from full
 * runs only: a --quick run writes bench/results/quick.* (not committed) and may not be pointed at them.
 */
import { resolve } from 'node:path';

export const PARTS = ['e2e', 'load', 'pipeline', 'fidelity'] as const;
export type Part = (typeof PARTS)[number];

export const USAGE = `usage: npm run bench -- [--quick] [--only ${PARTS.join(',')}] [--out FILE]`;

/** The committed report of the last full run. */
export const FULL_REPORT = 'bench/results/latest.md';
/** Where a quick run writes (gitignored). */
export const QUICK_REPORT = 'bench/results/quick.md';

/** Said at the top of a quick report and on stderr. */
export const QUICK_WARNING =
  'Quick run: a few runs of each part, to check the plumbing. Its figures are not comparable with a full run (or with each other); do not quote them.';

export interface Plan {
  quick: boolean;
  parts: Set<Part>;
  /** The markdown report (the JSON goes next to it). */
  out: string;
}

export interface ParsedOptions {
  quick: boolean;
  only?: string | undefined;
  out?: string | undefined;
}

/** The plan for these options, paths resolved against `root`; throws on an unknown part or a quick run aimed at the full results. */
export function planFrom(options: ParsedOptions, root: string): Plan {
  const parts = new Set<Part>();
  for (const name of (options.only ?? PARTS.join(',')).split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(PARTS as readonly string[]).includes(name)) throw new Error(`unknown part "${name}"; ${USAGE}`);
    parts.add(name as Part);
  }
  const out = resolve(root, options.out ?? (options.quick ? QUICK_REPORT : FULL_REPORT));
  if (options.quick && out === resolve(root, FULL_REPORT)) {
    throw new Error(`--quick never writes ${FULL_REPORT}: those are the committed results of a full run (quick figures are not comparable)`);
  }
  return { quick: options.quick, parts, out };
}
