/**
 * `parrot` command line (see src/cli/run.ts; `parrot --help`). Thin: hands the process's arguments and
 * streams to runCli and exits with its code once everything it opened has closed.
 */
import './nodeVersion.js';
import { runCli } from './cli/run.js';

// The first Ctrl+C cancels the request so the partial file is removed; a second one kills at once.
const interrupt = new AbortController();
const onSignal = (): void => interrupt.abort();
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  signal: interrupt.signal,
});
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
