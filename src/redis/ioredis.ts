import type { RedisScriptCall, RedisScriptClient } from './client.js';

/**
 * The two methods of an ioredis client (`new Redis()` of the `ioredis` package, 5 or 6) that
 * {@link fromIoredis} uses. Typed here, so `statecord/redis` does not depend on ioredis.
 */
export interface IoredisScriptMethods {
  /** `EVAL script numkeys keys… args…`. */
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  /** `EVALSHA sha1 numkeys keys… args…`. */
  evalsha(sha1: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/**
 * Wraps an ioredis client as the {@link RedisScriptClient} every `statecord/redis` class takes
 * (`RedisIdentifyGate`, `RedisSessionStore`, `ShardCluster`). node-redis clients need no wrapper.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { GatewayIntentBits } from 'statecord';
 * import { fromIoredis, ShardCluster } from 'statecord/redis';
 *
 * const redis = fromIoredis(new Redis('redis://127.0.0.1:6379'));
 * const token = process.env.DISCORD_TOKEN!;
 * const cluster = new ShardCluster({ redis, token, intents: GatewayIntentBits.Guilds, keyPrefix: 'mybot', mode: 'dynamic' });
 * ```
 */
export function fromIoredis(client: IoredisScriptMethods): RedisScriptClient {
  return {
    eval: (script: string, { keys, arguments: args }: RedisScriptCall) =>
      client.eval(script, keys.length, ...keys, ...args),
    evalSha: (sha1: string, { keys, arguments: args }: RedisScriptCall) =>
      client.evalsha(sha1, keys.length, ...keys, ...args),
  };
}
