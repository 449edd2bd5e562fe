import type { ShardOptions } from '../shard/shard-options.js';
import { checkDuration, checkInteger, checkObject, checkUrl, failOption } from './checks.js';
import { validateClientOptions } from './validate-client-options.js';

/** The largest shard count IDENTIFY can name (a signed 32-bit integer on Discord's side). */
const MAX_SHARD_COUNT = 2_147_483_647;

/**
 * Checks `new Shard(...)`'s options synchronously: the shared client options
 * ({@link validateClientOptions}) plus the shard's own. Throws `InvalidArgumentError` naming the option.
 */
export function validateShardOptions(options: ShardOptions, usesRest: boolean): void {
  checkObject('options', options);
  const shardCount = options.shardCount ?? 1;
  checkInteger('shardCount', shardCount, 1, MAX_SHARD_COUNT);
  checkInteger('shardId', options.shardId ?? 0, 0, shardCount - 1);
  validateClientOptions(options, [options.shardId ?? 0, shardCount], usesRest);
  if (options.session !== undefined && options.session !== null) {
    checkSession(options.session);
    const saved = options.session.shardCount;
    if (saved !== undefined && saved !== shardCount) {
      failOption(
        'session.shardCount',
        `is ${saved}, but this shard identifies with ${shardCount} shards: a session keeps the routing it was identified with`,
      );
    }
  }
  if (options.memberChunkTimeoutMs !== undefined) {
    checkDuration('memberChunkTimeoutMs', options.memberChunkTimeoutMs, 1);
  }
}

/** A saved session as {@link ShardSession} describes it; anything else would resume garbage. */
export function checkSession(session: unknown, option = 'session'): void {
  checkObject(option, session, 'a saved session { sessionId, sequence, resumeUrl }');
  const { sessionId, sequence, resumeUrl } = session;
  if (typeof sessionId !== 'string' || sessionId.trim() === '') {
    failOption(`${option}.sessionId`, 'must be a non-empty string');
  }
  if (sequence !== null) checkInteger(`${option}.sequence`, sequence, 0);
  if (resumeUrl !== null) checkUrl(`${option}.resumeUrl`, resumeUrl, ['ws:', 'wss:']);
  if (session['shardCount'] !== undefined) checkInteger(`${option}.shardCount`, session['shardCount'], 1);
}
