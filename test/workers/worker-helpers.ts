import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { ShardManager } from '../../src/index.js';
import type { ShardManagerOptions } from '../../src/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import type { FakeGatewayOptions } from '../../src/testing/index.js';

/** What each test must clean up, last first. */
export const cleanups: Array<() => Promise<void>> = [];

export async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

export async function startGateway(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
  const gateway = await FakeGateway.start({ heartbeatIntervalMs: 5_000, identifyIntervalMs: 20, ...options });
  cleanups.push(() => gateway.close());
  return gateway;
}

export function createWorkerManager(
  gateway: FakeGateway,
  options: Partial<ShardManagerOptions> = {},
): ShardManager {
  const manager = new ShardManager({
    token: gateway.options.token,
    intents: 1 | (1 << 9) | (1 << 11),
    restUrl: gateway.restUrl,
    gatewayUrl: gateway.url,
    identifyIntervalMs: gateway.options.identifyIntervalMs,
    compress: 'zlib-stream',
    timing: { backoffBaseMs: 20, backoffMaxMs: 200 },
    workers: 2,
    ...options,
  });
  cleanups.push(() => manager.stopShards());
  return manager;
}

/** Message contents each shard received, in the order it received them. */
export class Received {
  readonly #byShard = new Map<number, string[]>();
  #waiters: Array<{ check: () => boolean; resolve: () => void }> = [];

  add(shardId: number, content: string): void {
    const list = this.#byShard.get(shardId) ?? [];
    list.push(content);
    this.#byShard.set(shardId, list);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.check()) return true;
      waiter.resolve();
      return false;
    });
  }

  of(shardId: number): readonly string[] {
    return this.#byShard.get(shardId) ?? [];
  }

  get total(): number {
    let total = 0;
    for (const list of this.#byShard.values()) total += list.length;
    return total;
  }

  /** Resolves once `total` messages have arrived. */
  waitForTotal(total: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.total >= total) resolve();
      else this.#waiters.push({ check: () => this.total >= total, resolve });
    });
  }
}

/** `count` MESSAGE_CREATEs per shard numbered from `from`, each followed by a TYPING_START nobody wants. */
export function sendMessages(
  gateway: FakeGateway,
  shardIds: readonly number[],
  from: number,
  count: number,
): void {
  for (let index = from; index < from + count; index++) {
    for (const shardId of shardIds) {
      gateway.dispatch(
        GatewayDispatchEvents.MessageCreate,
        { id: `${shardId}:${index}`, guild_id: '1', channel_id: '1', content: '' },
        { shardId },
      );
      gateway.dispatch(
        GatewayDispatchEvents.TypingStart,
        { guild_id: '1', channel_id: '1', user_id: '2', timestamp: index },
        { shardId },
      );
    }
  }
}

/** What `count` messages per shard from `from` look like. */
export function expected(shardId: number, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${shardId}:${from + index}`);
}

/** Resolves on the first `event` of `emitter` that passes `check`. */
export function nextEvent<T>(
  on: (listener: (payload: T) => void) => () => void,
  check: (payload: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve) => {
    const off = on((payload) => {
      if (!check(payload)) return;
      off();
      resolve(payload);
    });
  });
}
