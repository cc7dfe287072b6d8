/** One line naming the machine a benchmark ran on: CPU model, cores, Node version, date. */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export function machineLine(date = new Date()): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch (error) {
    // Not Linux: os.cpus() already named the model.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return `${model}, ${cpus().length} cores, Node ${process.version}, ${date.toISOString().slice(0, 10)}`;
}
