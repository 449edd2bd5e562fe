/**
 * `@discordeno/gateway` 21 (a second peer next to `@discordjs/ws`): its `createGatewayManager`, given
 * the fake's `/gateway/bot` answer (the manager does no REST of its own), connected only to the bench's
 * loopback gateway. zlib-stream goes through its own decoder (a `node:zlib` `createInflate` stream,
 * asynchronous: each message is written and awaited); zstd-stream through `fzstd` (its optional
 * dependency, pure JavaScript, installed with it); plain JSON is `JSON.parse`d per text frame.
 *
 * Honesty check: every dispatch's `s` must follow the one before (READY is 1), so a dispatch that
 * the peer dropped, duplicated or decoded wrongly stops the run with an error instead of counting.
 */
import { createGatewayManager, TransportCompression } from '@discordeno/gateway';
import { createLogger, LogLevels } from '@discordeno/utils';
import type { Compression, GatewayEndpoints } from '../lib/protocol.js';

/** What `connectDiscordeno` needs (a subset of `ConnectOptions`, so this file stands alone). */
export interface DiscordenoOptions extends GatewayEndpoints {
  readonly compression: Compression;
  readonly shards: number;
  readonly intents: number;
  /**
   * true: `preferSnakeCase`, so the listener gets the payload as parsed (what every other client
   * delivers). false: the manager's default, a deep `camelize` copy of every payload.
   */
  readonly snakeCase: boolean;
  readonly onDispatch: () => void;
}

/** `GET /gateway/bot` of the fake, camel-cased as `createGatewayManager`'s `connection` option wants it. */
async function gatewayBot(options: DiscordenoOptions) {
  const response = await fetch(`${options.restUrl}/gateway/bot`, {
    headers: { authorization: `Bot ${options.token}` },
  });
  if (!response.ok) throw new Error(`/gateway/bot answered ${response.status}`);
  const body = (await response.json()) as {
    url: string;
    shards: number;
    session_start_limit: { total: number; remaining: number; reset_after: number; max_concurrency: number };
  };
  const limit = body.session_start_limit;
  return {
    url: body.url,
    shards: body.shards,
    sessionStartLimit: {
      total: limit.total,
      remaining: limit.remaining,
      resetAfter: limit.reset_after,
      maxConcurrency: limit.max_concurrency,
    },
  };
}

/** Connects `shards` shards and resolves once each has received READY. */
export async function connectDiscordeno(options: DiscordenoOptions): Promise<{ close(): Promise<void> }> {
  const connection = await gatewayBot(options);
  const lastSequence = new Map<number, number>();
  let ready = 0;
  let allReady: () => void = () => {};
  const everyShardReady = new Promise<void>((resolve) => (allReady = resolve));
  const { onDispatch } = options;
  const manager = createGatewayManager({
    token: options.token,
    intents: options.intents,
    url: options.url,
    connection,
    totalShards: options.shards,
    // Its default waits 5.3 s after each READY before the bucket's next identify; the fake gateway
    // enforces the identify limits itself, and the memory part starts 1000 shards.
    spawnShardDelay: 0,
    preferSnakeCase: options.snakeCase,
    // It needs a `getSessionInfo` REST call for that, and says so at every start otherwise.
    resharding: { enabled: false, shardsFullPercentage: 80, checkInterval: -1 },
    transportCompression:
      options.compression === 'zlib-stream'
        ? TransportCompression.zlib
        : options.compression === 'zstd-stream'
          ? TransportCompression.zstd
          : null,
    logger: createLogger({ logLevel: LogLevels.Warn, name: 'discordeno' }),
    events: {
      message: (shard, payload) => {
        if (payload.op !== 0) return;
        const sequence = payload.s as number;
        const expected = (lastSequence.get(shard.id) ?? 0) + 1;
        if (sequence !== expected) {
          process.stderr.write(
            `[discordeno] shard ${shard.id}: dispatch s=${sequence} after s=${expected - 1}: a dispatch was lost or repeated\n`,
          );
          process.exit(1);
        }
        lastSequence.set(shard.id, sequence);
        onDispatch();
        if (payload.t === 'READY' && ++ready === options.shards) allReady();
      },
    },
  });
  await manager.spawnShards();
  await everyShardReady;
  return { close: () => manager.shutdown(1000, 'bench done') };
}
