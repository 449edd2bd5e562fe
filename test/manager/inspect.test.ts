import { afterEach, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { ShardManager } from '../../src/index.js';
import { FakeGateway } from '../../src/testing/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** JSON of anything, cycles and functions included, so that no field escapes the search. */
function serialize(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'function') return `[function ${item.name}]`;
    if (typeof item === 'bigint') return item.toString();
    if (typeof item === 'object' && item !== null) {
      if (seen.has(item)) return '[cycle]';
      seen.add(item);
    }
    return item;
  });
}

it("one inspect option sees the manager and every shard's actor, and never the token", async () => {
  const gateway = await FakeGateway.start({ identifyIntervalMs: 0 });
  cleanups.push(() => gateway.close());
  const events: InspectionEvent[] = [];
  const manager = new ShardManager({
    token: gateway.options.token,
    intents: 1,
    restUrl: gateway.restUrl,
    gatewayUrl: gateway.url,
    identifyIntervalMs: 0,
    inspect: (event) => events.push(event),
  });
  cleanups.push(() => manager.stopShards());
  manager.createShards(3);
  await Promise.all(manager.startShards());
  gateway.connections[0]!.terminate();
  await new Promise((resolve) => manager.once('shardReconnected', resolve));

  const actorIds = new Set(
    events
      .filter((event) => event.type === '@xstate.actor')
      .map((event) => (event.actorRef as { id?: string }).id),
  );
  expect([...actorIds]).toEqual(expect.arrayContaining(['shard-0', 'shard-1', 'shard-2', 'socket']));
  const rootIds = new Set(events.map((event) => event.rootId));
  expect(rootIds.size).toBe(1);
  const text = events.map((event) => serialize(event)).join('\n');
  expect(text).toContain('gateway.ready');
  expect(text).not.toContain(gateway.options.token);
});
