/**
 * `npm run bench [-- --quick] [-- --only e2e,load,pipeline,fidelity,scale] [-- --out FILE]`: runs the benchmarks through the
 * fake Discord and the fake MiniMax over loopback, writes the markdown report (default bench/results/latest.md)
 * and prints it. Progress goes to stderr. --quick is the short form (a few minutes) that checks the plumbing:
 * it writes bench/results/quick.md, never the committed results, and says its figures are not comparable.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runFidelityBench, type FidelityOptions, type FidelityResult } from './fidelity.js';
import { runE2eBench, type E2eBenchOptions, type E2eBenchResult } from './e2e.js';
import { runLoadBench, type LoadBenchOptions, type LoadBenchResult } from './load.js';
import { runWakeCostBench, type WakeCostOptions, type WakeCostRow } from './wakeCost.js';
import { runOpusCostBench, type OpusCostOptions, type OpusCostRow } from './opusCost.js';
import { runPipelineBench, type PipelineBenchOptions, type PipelineBenchResult } from './pipeline.js';
import { runScaleBench, SCALE_CONFIGS, type ScaleBenchOptions, type ScaleBenchResult } from './scale.js';
import { QUICK_WARNING, USAGE, planFrom, type Plan } from './plan.js';
import { benchMarkdown } from './report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
function parsePlan(argv: string[]): Plan {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return planFrom({ quick: values.quick, only: values.only, out: values.out }, ROOT);
}

/** The full run (about 20-25 minutes on 2 cores, of which the scale part 3-8). */
const FULL = {
  e2e: { coldRuns: 15, warmPerCold: 2, pairRuns: 12, realtimePairRuns: 4, skipRuns: 10 } satisfies E2eBenchOptions,
  load: { steps: [1, 10, 50, 100], transportSteps: [1, 10, 50], audioMs: 10_000, idleGuilds: 1000 } satisfies LoadBenchOptions,
  pipeline: {} satisfies PipelineBenchOptions,
  opusCost: { seconds: 5, rounds: 5 } satisfies OpusCostOptions,
  wakeCost: { seconds: 5, runs: 3 } satisfies WakeCostOptions,
  fidelity: {} satisfies FidelityOptions,
  // At most about 8 minutes: three configurations of up to 7 steps of 10 s, each stopping at its underrun point.
  scale: { steps: [10, 25, 50, 75, 100, 125, 150], audioMs: 10_000 } satisfies ScaleBenchOptions,
};

/** The plumbing check (under a minute): every part, a couple of runs each. */
const QUICK = {
  e2e: { coldRuns: 2, warmPerCold: 1, fastRuns: 3, turnRuns: 2, pairRuns: 2, realtimePairRuns: 1, skipRuns: 3 } satisfies E2eBenchOptions,
  load: { steps: [1, 5], opusSteps: [1], transportSteps: [1], audioMs: 3_000, idleGuilds: 100, repeats: 1 } satisfies LoadBenchOptions,
  pipeline: { latencyRuns: 3, baselineRuns: 1, streams: 2, loadRuns: 1, audioSeconds: 2, pipelines: ['wasm'], outFile: null } satisfies PipelineBenchOptions,
  opusCost: { seconds: 1, rounds: 1, complexities: [10, 5] } satisfies OpusCostOptions,
  wakeCost: { seconds: 1, runs: 1 } satisfies WakeCostOptions,
  fidelity: { sourcesPerKind: 1, bitrates: [64_000], complexities: [5], timingRuns: 1 } satisfies FidelityOptions,
  scale: { steps: [2, 4], audioMs: 3_000, configs: SCALE_CONFIGS, storeReads: 20_000 } satisfies ScaleBenchOptions,
};

async function main(): Promise<void> {
  let plan: Plan;
  try {
    plan = parsePlan(process.argv.slice(2));
  } catch (error) {
    // A mistake in the command line: one line, no stack.
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
    return;
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const settings = plan.quick ? QUICK : FULL;
  if (plan.quick) log(`bench: ${QUICK_WARNING}`);
  const started = performance.now();
  const part = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    log(`bench: ${name}...`);
    const result = await run();
    log(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return result;
  };
  let e2e: E2eBenchResult | undefined;
  let load: LoadBenchResult | undefined;
  let pipeline: PipelineBenchResult | undefined;
  let opusCost: OpusCostRow[] | undefined;
  let wakeCost: WakeCostRow[] | undefined;
  let fidelity: FidelityResult | undefined;
  let scale: ScaleBenchResult | undefined;
  if (plan.parts.has('e2e')) e2e = await part('end to end', () => runE2eBench({ ...settings.e2e, log }));
  if (plan.parts.has('load')) {
    load = await part('load', () => runLoadBench({ ...settings.load, log }));
    wakeCost = await part('cost of a 20 ms cycle', () => runWakeCostBench(settings.wakeCost));
  }
  if (plan.parts.has('pipeline')) {
    pipeline = await part('audio pipeline', () => runPipelineBench({ ...settings.pipeline, log }));
    opusCost = await part('Opus encoder cost', () => runOpusCostBench(settings.opusCost));
  }
  if (plan.parts.has('fidelity')) fidelity = await part('fidelity', () => runFidelityBench({ ...settings.fidelity, log }));
  if (plan.parts.has('scale')) scale = await part('scale (one process against two)', () => runScaleBench({ ...settings.scale, log }));
  const report = benchMarkdown({
    mode: plan.quick ? 'quick' : 'full', seconds: (performance.now() - started) / 1000, e2e, load, pipeline, opusCost, wakeCost, fidelity, scale,
  });
  const markdown = plan.quick ? `> **${QUICK_WARNING}**\n\n${report}` : report;
  mkdirSync(dirname(plan.out), { recursive: true });
  writeFileSync(plan.out, markdown);
  // The raw measurements next to the report, for anyone who wants other percentiles or plots.
  writeFileSync(plan.out.replace(/\.md$/, '') + '.json', `${JSON.stringify({ e2e, load, wakeCost, pipeline: pipeline?.rows, opusCost, fidelity, scale }, null, 1)}\n`);
  console.log(markdown);
  log(`bench: report written to ${plan.out}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
