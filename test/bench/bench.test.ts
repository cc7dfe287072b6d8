/**
 * Smoke test of the benchmark's plumbing: the end-to-end bench in its smallest form (the real bot, the fakes in
 * a child process) yields every row of its table with numbers. Timing targets are the benchmark's business.
 */
import { describe, expect, it } from 'vitest';
import { runE2eBench } from '../../bench/e2e.js';
import { e2eMarkdown, e2eRows } from '../../bench/e2eReport.js';
import { judgeTargets } from '../../bench/targets.js';
import { WORKER_BEHIND_LOG } from '../../src/index.js';

describe('npm run bench, end to end, smallest form', () => {
  it('measures every row (latency, handshakes, back-to-back, skip, underruns) with numbers and judges each target', async () => {
    const result = await runE2eBench({ coldRuns: 1, warmPerCold: 1, fastRuns: 1, turnRuns: 2, pairRuns: 1, realtimePairRuns: 1, skipRuns: 1 });

    expect(result.cold).toHaveLength(1);
    expect(result.warm).toHaveLength(1);
    const rows = e2eRows(result);
    for (const row of rows) {
      expect(row.summary.n, row.label).toBeGreaterThan(0);
      expect(Number.isFinite(row.summary.p50) && Number.isFinite(row.summary.p99), row.label).toBe(true);
    }
    // Two turns: another voice (one connection of its own), then the server's, whose task stayed warm meanwhile.
    expect(result.turnConnections).toBe(1);
    // Each latency joins two clocks (the fakes' child and the bot's process, offset measured), so each is checked
    // against what causality says, not against the sum of the others (e2e = first MP3 + bot-added by construction):
    // the fake MiniMax holds a text's first audio for firstChunkMs after the text reached it, after the dispatch, so
    // the probe cannot have timed an MP3 message sooner (5 ms: Date.now()'s rounding in the fake, the offset's error);
    // the voice packet made from that MP3 is heard after it.
    for (const run of [...result.cold, ...result.warm, ...result.fast, ...result.turns]) {
      expect(run.toFirstMp3Ms).toBeGreaterThan(run.firstChunkMs - 5);
      expect(run.botAddedMs).toBeGreaterThan(0);
    }

    const table = e2eMarkdown(result).split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| measure'));
    expect(table).toHaveLength(rows.length);
    for (const line of table) expect(line).not.toContain('n/a');

    const verdicts = judgeTargets(result, undefined);
    // The end-to-end targets (latency, cold, back-to-back, skip) are judged; the load ones were not measured.
    expect(verdicts.slice(0, 9).every((v) => typeof v.met === 'boolean')).toBe(true);
    expect(verdicts.slice(9).every((v) => v.met === undefined)).toBe(true);
    // Nothing went wrong. A busy test machine may make an audio worker shed load, which it logs; that is no fault.
    expect(result.botLogs.filter((line) => !line.includes(WORKER_BEHIND_LOG))).toEqual([]);
  }, 60_000);
});
