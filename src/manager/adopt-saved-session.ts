import { SessionShardCountError } from '../errors.js';
import { checkSession } from '../options/validate-shard-options.js';
import type { Shard } from '../shard/shard.js';
import type { SessionSaver } from './session-saver.js';

/**
 * Hands a shard its saved session before a start. A malformed one (a store's fault) and one identified
 * with another shard count (the bot was resharded: it routes guilds for that count,
 * docs/protocol/gateway.md §6) are reported through `warn` and not used: the shard identifies. A store
 * that failed was reported by the saver. @internal
 */
export async function adoptSavedSession(
  saver: SessionSaver,
  shard: Shard,
  warn: (error: unknown, context: string) => void,
): Promise<void> {
  const saved = await saver.load(shard);
  if (saved === undefined) return;
  try {
    if (saved !== null) checkSession(saved, `session of shard ${shard.id} in the session store`);
  } catch (error) {
    warn(error, 'the session store returned a malformed session; identifying instead');
    return;
  }
  if (saved?.shardCount !== undefined && saved.shardCount !== shard.shardCount) {
    warn(
      new SessionShardCountError(shard.id, saved.shardCount, shard.shardCount),
      'a saved session was identified with another shard count; identifying instead',
    );
    return;
  }
  // Nothing saved and nothing held: nothing to adopt (saves a machine event per shard at start).
  if (saved !== null || shard.session !== null) shard.adoptSession(saved);
}
