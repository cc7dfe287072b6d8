/**
 * What `npm run bench` runs and where it writes. The committed results (bench/results/latest.*) come from full
 * runs only: a --quick run writes bench/results/quick.* (not committed) and may not be pointed at them.
 */
import { resolve } from 'node:path';

export const PARTS = ['e2e', 'load', 'pipeline', 'fidelity', 'scale'] as const;
export type Part = (typeof PARTS)[number];

export const USAGE = `usage: npm run bench -- [--quick] [--only ${PARTS.join(',')}] [--out FILE]`;

/** The committed report of the last full run. */
export const FULL_REPORT = 'bench/results/latest.md';
/** The committed report of the last full run of the scale part alone (`--only scale`), beside the whole bench's. */
export const SCALE_REPORT = 'bench/results/scale.md';
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
  // The scale part alone (one to two processes, about 8 minutes) is often run by itself: it must not replace the
  // whole bench's committed report with a report of one part.
  const fullReport = parts.size === 1 && parts.has('scale') ? SCALE_REPORT : FULL_REPORT;
  const out = resolve(root, options.out ?? (options.quick ? QUICK_REPORT : fullReport));
  const committed = [FULL_REPORT, SCALE_REPORT].find((report) => out === resolve(root, report));
  if (options.quick && committed !== undefined) {
    throw new Error(`--quick never writes ${committed}: those are the committed results of a full run (quick figures are not comparable)`);
  }
  return { quick: options.quick, parts, out };
}
