import { Worker } from 'node:worker_threads';
import type { WorkerBoot } from './protocol.js';

/**
 * The worker entry next to this file: `worker-entry.js` in the published package. Written as a literal
 * `new URL('./…', import.meta.url)` so bundlers and the package check see the file is used.
 */
const BUILT_ENTRY = new URL('./worker-entry.js', import.meta.url);

/** The entry this build runs: the `.ts` source when statecord itself runs from source (its tests). */
function defaultEntry(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./worker-entry.ts', import.meta.url) : BUILT_ENTRY;
}

/**
 * Starts one connection worker. A TypeScript entry (statecord's own tests, which run the sources) is
 * loaded through `tsx`, a development dependency: Node 20 cannot register a loader for a worker's
 * first module through `execArgv`, so a one-line bootstrap registers it, then imports the entry.
 * @internal
 */
export function spawnConnectionWorker(boot: WorkerBoot, entry: URL = defaultEntry()): Worker {
  if (entry.pathname.endsWith('.ts')) {
    const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
    return new Worker(bootstrap, { eval: true, workerData: boot });
  }
  return new Worker(entry, { workerData: boot });
}
