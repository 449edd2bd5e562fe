import type { RedisScriptCall, RedisScriptClient } from './client.js';
import type { RedisCommandClient } from './stream/consumer-options.js';

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

/** The method of an ioredis client that {@link fromIoredisCommands} uses (`call`, any command). */
export interface IoredisCommandMethods {
  /** `call(command, ...args)`: sends any command and resolves with its raw reply. */
  call(command: string, ...args: string[]): Promise<unknown>;
}

/**
 * Wraps an ioredis client as the {@link RedisCommandClient} `consumeDispatches` takes. node-redis
 * clients need no wrapper. Give the consumer a connection of its own (`client.duplicate()`): its reads
 * block.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { consumeDispatches, fromIoredisCommands } from 'statecord/redis';
 *
 * const redis = fromIoredisCommands(new Redis('redis://127.0.0.1:6379'));
 * const dispatches = consumeDispatches({ redis, stream: 'mybot:dispatches', group: 'bot', consumer: 'worker-1' });
 * ```
 */
export function fromIoredisCommands(client: IoredisCommandMethods): RedisCommandClient {
  return { sendCommand: ([command, ...args]: string[]) => client.call(command!, ...args) };
}
