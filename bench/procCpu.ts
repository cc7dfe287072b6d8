/**
 * CPU of other processes, from Linux's /proc: a process tree's user + system time (every thread, so the audio
 * worker threads count), for measuring bot processes the benchmark did not start in itself (the shard supervisor
 * and its shard processes, the PostgreSQL server and its backends).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux Node runs on). */
const TICKS_PER_SECOND = 100;

interface Stat {
  ppid: number;
  /** utime + stime, seconds. */
  cpuSeconds: number;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
export function parseStat(text: string): Stat | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  const ppid = Number(fields[1]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (![ppid, utime, stime].every(Number.isFinite)) return null;
  return { ppid, cpuSeconds: (utime + stime) / TICKS_PER_SECOND };
}

function readStat(pid: number): Stat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null; // gone between the listing and the read
  }
}

/** Every live process: pid -> its stat. */
function allStats(): Map<number, Stat> {
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) stats.set(Number(name), stat);
  }
  return stats;
}

/** `root` and every live descendant of it. */
export function processTree(root: number): number[] {
  const stats = allStats();
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  const tree: number[] = [];
  const todo = stats.has(root) ? [root] : [];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    tree.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** CPU seconds (user + system) used so far by each of `pids` that is still alive. */
export function cpuSecondsOf(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) out.set(pid, stat.cpuSeconds);
  }
  return out;
}

/**
 * CPU seconds a process tree used between two snapshots. A process that appeared after `before` counts from 0;
 * one that died before `after` is missing from it and counted as nothing (its last interval is lost: rare here,
 * and the report says which configurations had a process restart).
 */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** The parent pid of `pid` (null when it is gone). */
export function parentOf(pid: number): number | null {
  return readStat(pid)?.ppid ?? null;
}

/** The whole machine's CPU time so far, from /proc/stat's first line: busy and total, in ticks. */
export interface MachineTicks {
  busy: number;
  total: number;
}

/** Parses /proc/stat's "cpu" line: idle and iowait are not busy; guest time is already inside user. */
export function parseMachineTicks(procStat: string): MachineTicks | null {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const parts = [user, nice, system, idle, iowait, irq, softirq, steal];
  if (!parts.every((x) => Number.isFinite(x))) return null;
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

export function machineTicks(): MachineTicks | null {
  try {
    return parseMachineTicks(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null; // not Linux
  }
}

/** Share (0..1) of the machine's CPU that was busy between two readings, whoever used it. */
export function busyBetween(before: MachineTicks | null, after: MachineTicks | null): number {
  if (!before || !after || after.total <= before.total) return Number.NaN;
  return (after.busy - before.busy) / (after.total - before.total);
}
