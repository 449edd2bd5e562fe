import { availableParallelism } from 'node:os';
import type { WorkerSupervisorConfig } from '../../machines/index.js';
import { InvalidArgumentError } from '../errors.js';
import { checkDuration, checkInteger, checkObject, describeValue } from '../options/checks.js';

/** The most worker threads one manager runs (`workers`); more buys nothing but memory. */
export const MAX_WORKERS = 64;
/** The most threads `workers: 'auto'` picks. */
export const MAX_AUTO_WORKERS = 16;

/**
 * The worker count for `workers`: a number as given, `'auto'` one per core but one (the main thread
 * parses and delivers the dispatches), at least 1 and at most {@link MAX_AUTO_WORKERS}. @internal
 */
export function resolveWorkerCount(workers: number | 'auto', cores = availableParallelism()): number {
  if (workers !== 'auto') return workers;
  return Math.max(1, Math.min(MAX_AUTO_WORKERS, cores - 1));
}

/** Checks `workers` and `workerRespawn` (`InvalidArgumentError` naming the option). @internal */
export function checkWorkerOptions(workers: unknown, respawn: unknown): void {
  if (workers !== undefined && workers !== 'auto') {
    if (typeof workers !== 'number') {
      throw new InvalidArgumentError(
        `option workers must be an integer in [1, ${MAX_WORKERS}] or 'auto'; got ${describeValue(workers)}`,
        { option: 'workers' },
      );
    }
    checkInteger('workers', workers, 1, MAX_WORKERS);
  }
  if (respawn === undefined) return;
  checkObject('workerRespawn', respawn);
  const config = respawn as Partial<Record<keyof WorkerSupervisorConfig, unknown>>;
  if (config.maxConsecutiveCrashes !== undefined)
    checkInteger('workerRespawn.maxConsecutiveCrashes', config.maxConsecutiveCrashes, 1, 1_000);
  if (config.respawnBaseMs !== undefined)
    checkDuration('workerRespawn.respawnBaseMs', config.respawnBaseMs, 0);
  if (config.respawnMaxMs !== undefined) checkDuration('workerRespawn.respawnMaxMs', config.respawnMaxMs, 0);
  if (config.stableAfterMs !== undefined)
    checkDuration('workerRespawn.stableAfterMs', config.stableAfterMs, 1);
}
