// Entry of each transcoding worker thread (workerPool.ts). Plain JavaScript, so that Node starts it whatever
// loader the main thread has: the tsx CLI, `node --import tsx`, or vitest (which transforms test files, not
// worker threads). It loads the TypeScript side through tsx's API, in a namespace of its own.
import { parentPort, workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

if (!parentPort) throw new Error('transcodeWorkerBoot.mjs runs only as a worker thread (see workerPool.ts)');
const worker = await tsImport('./transcodeWorker.ts', import.meta.url);
worker.serveTranscoders(parentPort, workerData ?? {});
