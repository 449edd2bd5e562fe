import { afterEach, describe, expect, it } from 'vitest';
import { MemorySessionStore, ShardManager } from '../../src/index.js';
import type { Shard, ShardManagerOptions } from '../../src/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import { RestFront } from '../../src/testing/model/manager-rest-front.js';

/**
 * Start-up with round 0 opened during the preparation (BENCHMARKS.md, start-up): once the saved
 * sessions are loaded, the first identify round connects while `GET /gateway/bot` is in flight, and
 * identifies only once it was answered.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  options: Partial<ShardManagerOptions> = {},
): Promise<{ gateway: FakeGateway; front: RestFront; manager: ShardManager }> {
  const gateway = await FakeGateway.start({
    maxConcurrency: 4,
    identifyIntervalMs: 50,
    heartbeatIntervalMs: 5_000,
  });
  cleanups.push(() => gateway.close());
  const front = await RestFront.start(gateway.restUrl);
  cleanups.push(() => front.close());
  const manager = new ShardManager({
    token: gateway.options.token,
    intents: 1,
    restUrl: front.restUrl,
    gatewayUrl: gateway.url,
    identifyIntervalMs: 50,
    compress: 'none',
    ...options,
  });
  cleanups.push(() => manager.stopShards());
  return { gateway, front, manager };
}

/** Resolves once every shard in `shards` is in `state` (checked on each of their state changes). */
function whenAllIn(shards: readonly Shard[], state: Shard['state']): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!shards.every((shard) => shard.state === state)) return;
      for (const shard of shards) shard.off('stateChange', check);
      resolve();
    };
    for (const shard of shards) shard.on('stateChange', check);
    check();
  });
}

describe('opening identify round 0 while GET /gateway/bot is in flight', () => {
  it('round 0 (maxConcurrency given) gets HELLO while GET /gateway/bot is held, and identifies only once it is answered', async () => {
    const { gateway, front, manager } = await setup({ maxConcurrency: 4 });
    front.answerWith('hold');
    const shards = manager.createShards(8);
    const started = manager.startShards();
    const roundZero = shards.slice(0, 4);
    await whenAllIn(roundZero, 'identifying');
    await front.whenRequested(1);

    expect(manager.state).toBe('preparing');
    expect(gateway.stats.identifies).toBe(0);
    expect(shards.slice(4).map((shard) => shard.state)).toEqual(['idle', 'idle', 'idle', 'idle']);

    front.answerWith('pass');
    await Promise.all(started);
    expect(gateway.stats.identifies).toBe(8);
    expect(gateway.stats.identifyRateViolations).toBe(0);
  });

  it('a shard with a saved session is not started early: it resumes once the preparation is over', async () => {
    const store = new MemorySessionStore();
    const { gateway, front, manager } = await setup({ maxConcurrency: 4, sessionStore: store });
    manager.createShards([0, 1], 4);
    await Promise.all(manager.startShards());
    await manager.stopShards({ resumable: true });

    const next = new ShardManager({
      token: gateway.options.token,
      intents: 1,
      restUrl: front.restUrl,
      gatewayUrl: gateway.url,
      identifyIntervalMs: 50,
      compress: 'none',
      maxConcurrency: 4,
      sessionStore: store,
    });
    cleanups.push(() => next.stopShards());
    front.answerWith('hold');
    const shards = next.createShards(4);
    const started = next.startShards();
    // Shards 2 and 3 have no session: round 0, opened early. Shards 0 and 1 must wait to resume.
    await whenAllIn(shards.slice(2), 'identifying');
    expect(shards.slice(0, 2).map((shard) => shard.state)).toEqual(['idle', 'idle']);

    front.answerWith('pass');
    await Promise.all(started);
    expect(gateway.stats.resumes).toBe(2);
    expect(gateway.stats.identifies).toBe(4);
  });

  it('a token rejected by GET /gateway/bot fails the start: the shards started early never identify', async () => {
    const { gateway, front, manager } = await setup({ maxConcurrency: 4 });
    front.answerWith('hold');
    const shards = manager.createShards(4);
    const failure = new Promise<void>((resolve) => manager.once('failure', () => resolve()));
    const started = manager.startShards();
    await whenAllIn(shards, 'identifying');

    front.answerWith({ status: 401 });
    await failure;
    await Promise.allSettled(started);
    await whenAllIn(shards, 'stopped');
    expect(gateway.stats.identifies).toBe(0);
  });

  it('stopShards() while preparing stops the shards started early', async () => {
    const { gateway, front, manager } = await setup({ maxConcurrency: 4 });
    front.answerWith('hold');
    const shards = manager.createShards(4);
    void manager.startShards();
    await whenAllIn(shards, 'identifying');

    await manager.stopShards();
    expect(shards.map((shard) => shard.state)).toEqual(['stopped', 'stopped', 'stopped', 'stopped']);
    expect(manager.state).toBe('idle');
    expect(gateway.stats.identifies).toBe(0);
  });
});
