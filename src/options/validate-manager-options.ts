import type { ShardManagerOptions } from '../manager/shard-manager-options.js';
import { checkDuration, checkInteger, checkMethods, checkObject } from './checks.js';
import { validateClientOptions, WIDEST_SHARD } from './validate-client-options.js';
import { checkWorkerOptions } from '../workers/worker-count.js';

/**
 * Checks `new ShardManager(...)`'s options synchronously: the shared client options (with the widest
 * shard array IDENTIFY may carry, since the shard ids are not known yet) plus the manager's own.
 * Throws `InvalidArgumentError` naming the option. A manager uses the REST API (`GET /gateway/bot`)
 * unless `fetchGatewayInfo` is false.
 */
export function validateManagerOptions(options: ShardManagerOptions): void {
  checkObject('options', options);
  validateClientOptions(options, WIDEST_SHARD, options.fetchGatewayInfo !== false);
  if (options.maxConcurrency !== undefined) checkInteger('maxConcurrency', options.maxConcurrency, 1);
  if (options.identifyIntervalMs !== undefined)
    checkDuration('identifyIntervalMs', options.identifyIntervalMs, 0);
  if (options.identifyMarginMs !== undefined) checkDuration('identifyMarginMs', options.identifyMarginMs, 0);
  if (options.sessionStore !== undefined)
    checkMethods('sessionStore', options.sessionStore, ['get', 'set', 'delete']);
  if (options.sessionSaveIntervalMs !== undefined) {
    checkDuration('sessionSaveIntervalMs', options.sessionSaveIntervalMs, 1);
  }
  if (options.maxShards !== undefined) checkInteger('maxShards', options.maxShards, 1);
  checkWorkerOptions(options.workers, options.workerRespawn);
}
