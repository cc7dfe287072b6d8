/**
 * Shared helpers of the fault tests: what MiniMax completed (from the fake's records), what a test should have
 * heard, and the process-level leak checks (handles, child processes).
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { FakeMiniMax } from '../fakes/minimax/FakeMiniMax.js';

/**
 * Texts the fake synthesized to their final frame, in the order it finished them. On each connection the
 * fake answers texts in arrival order, so the first k texts of a connection with k final frames completed
 * (faults here close the connection, so no refused text sits before a completed one).
 */
export function completedTexts(minimax: FakeMiniMax): string[] {
  const done: { at: number; text: string }[] = [];
  for (const c of minimax.connections) {
    const texts = c.received.filter((e) => e.event === 'task_continue').map((e) => String(e.body?.['text']));
    const finals = c.sent.filter((f) => f.event === 'task_continued' && f.isFinal === true);
    finals.forEach((f, i) => {
      const text = texts[i];
      if (text !== undefined) done.push({ at: f.at, text });
    });
  }
  return done.sort((a, b) => a.at - b.at).map((d) => d.text);
}

/** How many times the fake received `text`. */
export function sends(minimax: FakeMiniMax, text: string): number {
  return minimax.texts.filter((t) => t === text).length;
}

/** Counts of the process's active resources by type (timers, sockets, child processes...). */
export function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** Resource types whose count is above `baseline`, with the excess. */
export function excess(baseline: Map<string, number>, now = resources()): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [type, n] of now) {
    const more = n - (baseline.get(type) ?? 0);
    if (more > 0) out[type] = more;
  }
  return out;
}

/** Polls until no resource type is above `baseline` (ignoring `ignore`); returns what is still left over. */
export async function settleResources(baseline: Map<string, number>, timeoutMs = 5_000, ignore: readonly string[] = []): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = excess(baseline);
    for (const type of ignore) delete left[type];
    if (Object.keys(left).length === 0 || Date.now() >= deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Pids of this process's live child processes (from /proc: every thread's children). */
export function childPids(pid = process.pid): number[] {
  const pids = new Set<number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const task of tasks) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue; // the thread ended while we looked
    }
    for (const p of text.split(/\s+/)) if (p) pids.add(Number(p));
  }
  return [...pids];
}

/** The command line of a process ('' once it is gone). */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Live ffmpeg children of this process. */
export function ffmpegChildren(): number[] {
  return childPids().filter((pid) => /ffmpeg/.test(commandOf(pid)));
}

/** Polls `predicate` every 20 ms until it holds; throws with `what` after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
