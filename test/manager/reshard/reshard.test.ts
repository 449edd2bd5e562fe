import { GatewayDispatchEvents, GatewayIntentBits } from 'discord-api-types/v10';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  MemorySessionStore,
  ReshardBudgetError,
  ReshardStateError,
  ShardManager,
  ShardStoppedError,
} from '../../../src/index.js';
import type { ShardManagerOptions } from '../../../src/index.js';
import { FakeGateway } from '../../../src/testing/index.js';
import type { FakeGatewayOptions } from '../../../src/testing/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** 16 guilds whose ids route them over every shard of 4 and of 8: `(id >> 22) % n` is 1..16 mod n. */
const guilds = Array.from({ length: 16 }, (_, index) => ({
  id: String(BigInt(index + 1) << 22n),
  name: `g${index}`,
}));
const intents = GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages;

async function startGateway(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
  const gateway = await FakeGateway.start({
    heartbeatIntervalMs: 10_000,
    identifyIntervalMs: 20,
    guilds,
    ...options,
  });
  cleanups.push(() => gateway.close());
  return gateway;
}

function createManager(gateway: FakeGateway, options: Partial<ShardManagerOptions> = {}): ShardManager {
  const manager = new ShardManager({
    token: gateway.options.token,
    intents,
    restUrl: gateway.restUrl,
    gatewayUrl: gateway.url,
    identifyIntervalMs: gateway.options.identifyIntervalMs,
    timing: { backoffBaseMs: 20, backoffMaxMs: 100 },
    ...options,
  });
  cleanups.push(() => manager.stopShards());
  return manager;
}

/** Dispatches a MESSAGE_CREATE with a new id every tick, round robin over the guilds, until stopped. */
function steadyStream(gateway: FakeGateway): { readonly sent: string[]; stop(): void } {
  const sent: string[] = [];
  let next = 0;
  const timer = setInterval(() => {
    for (let burst = 0; burst < 4; burst++) {
      const id = String(1_000_000 + next);
      const guild = guilds[next % guilds.length]!;
      next++;
      sent.push(id);
      gateway.dispatch('MESSAGE_CREATE', { id, guild_id: guild.id, channel_id: guild.id, content: `m${id}` });
    }
  }, 2);
  return { sent, stop: () => clearInterval(timer) };
}

/** Message ids the manager's `dispatch` listeners saw, in order, and a wait for a set of them. */
function recordMessages(manager: ShardManager) {
  const seen: string[] = [];
  const distinct = new Set<string>();
  let waiter: { readonly ids: readonly string[]; readonly resolve: () => void } | null = null;
  const settle = () => {
    if (waiter === null || distinct.size < waiter.ids.length) return;
    if (!waiter.ids.every((id) => distinct.has(id))) return;
    waiter.resolve();
    waiter = null;
  };
  manager.on('dispatch', ({ payload }: { payload: GatewayDispatchPayload }) => {
    if (payload.t !== GatewayDispatchEvents.MessageCreate) return;
    seen.push(payload.d.id);
    distinct.add(payload.d.id);
    settle();
  });
  const waitForAll = (ids: readonly string[]) =>
    new Promise<void>((resolve) => {
      waiter = { ids, resolve };
      settle();
    });
  return { seen, waitForAll };
}

describe('ShardManager.reshard', () => {
  it('reshards 4 → 8 under a steady stream of dispatches: every event once, the new set running', async () => {
    const gateway = await startGateway();
    const store = new MemorySessionStore();
    const manager = createManager(gateway, { sessionStore: store });
    manager.createShards(4);
    await Promise.all(manager.startShards());
    const messages = recordMessages(manager);
    const events: string[] = [];
    manager.on('reshardStarted', ({ from, to }) => events.push(`started ${from}→${to}`));
    manager.on('resharded', ({ from, to }) => events.push(`resharded ${from}→${to}`));

    const stream = steadyStream(gateway);
    const outcome = await manager.reshard(8, { overlapMs: 300, dedupeWindowMs: 2_000 });
    // A last burst after the handover, so the stream also runs on the new set alone.
    await messages.waitForAll(stream.sent.slice());
    stream.stop();
    await messages.waitForAll(stream.sent);

    expect(messages.seen.length).toBe(stream.sent.length);
    expect(new Set(messages.seen).size).toBe(stream.sent.length);
    expect(outcome.duplicates).toBeGreaterThan(0);
    expect(events).toEqual(['started 4→8', 'resharded 4→8']);
    expect(manager.shards.map((shard) => [shard.id, shard.shardCount, shard.state])).toEqual(
      Array.from({ length: 8 }, (_, id) => [id, 8, 'ready']),
    );
    // The old sessions are gone; the new ones were identified once (by the new set) and then resumed.
    expect(gateway.sessions.map((session) => session.shardCount)).toEqual(Array(8).fill(8));
    expect(gateway.stats.identifies).toBe(12);
    expect(gateway.stats.resumes).toBeGreaterThanOrEqual(8);
    const saved = Array.from({ length: 8 }, (_, id) => store.get(id));
    expect(saved.map((session) => session?.shardCount)).toEqual(Array(8).fill(8));
  });

  it('is refused with ReshardBudgetError when the session starts left cannot cover the new set', async () => {
    const gateway = await startGateway({ sessionStartLimit: { total: 1000, remaining: 10 } });
    const manager = createManager(gateway);
    manager.createShards(4);
    await Promise.all(manager.startShards());
    const failures: Error[] = [];
    manager.on('reshardFailed', ({ error }) => failures.push(error));

    const error = await manager.reshard(8).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ReshardBudgetError);
    expect(error).toMatchObject({ code: 'STATECORD_ERR_RESHARD_BUDGET', needed: 8, remaining: 6 });
    expect(failures).toEqual([error]);
    // Nothing was identified, and the old set runs on.
    expect(gateway.stats.identifies).toBe(4);
    expect(manager.shards.map((shard) => [shard.shardCount, shard.state])).toEqual(
      Array(4).fill([4, 'ready']),
    );
  });

  it('reshardEvery reshards when GET /gateway/bot recommends more shards', async () => {
    const gateway = await startGateway({ shardCount: 2 });
    const manager = createManager(gateway);
    await manager.createMinimumRequiredShards({
      reshardEvery: 100,
      reshard: { overlapMs: 100, dedupeWindowMs: 500 },
    });
    await Promise.all(manager.startShards());
    const resharded = new Promise<{ from: number; to: number }>((resolve) =>
      manager.once('resharded', resolve),
    );

    gateway.recommendedShards = 4;

    expect(await resharded).toMatchObject({ from: 2, to: 4 });
    expect(manager.totalShardCount).toBe(4);
    expect(manager.shards.map((shard) => shard.state)).toEqual(Array(4).fill('ready'));
  });

  it('stopShards() during a reshard cancels it: the new set is stopped, the old one was running until then', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway);
    manager.createShards(2);
    await Promise.all(manager.startShards());
    const started = new Promise<void>((resolve) => manager.once('reshardStarted', () => resolve()));

    const reshard = manager.reshard(4).catch((thrown: unknown) => thrown);
    await started;
    await manager.stopShards();

    expect(await reshard).toBeInstanceOf(ShardStoppedError);
    expect(manager.shards.map((shard) => shard.shardCount)).toEqual([2, 2]);
    await vi.waitFor(() => expect(gateway.connections).toEqual([]), { timeout: 10_000 });
  });

  it.for([
    ['the shards are not running', (manager: ShardManager) => manager.reshard(4)],
    ['the count is the current one', (manager: ShardManager) => (manager.startShards(), manager.reshard(2))],
  ] as const)('is refused with ReshardStateError when %s', async ([, call]) => {
    const gateway = await startGateway();
    const manager = createManager(gateway);
    manager.createShards(2);
    await expect(call(manager)).rejects.toBeInstanceOf(ReshardStateError);
  });

  it('is refused with ReshardStateError for a slice of the shards without the new slice', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway);
    manager.createShards([0, 1], 4);
    await Promise.all(manager.startShards());
    await expect(manager.reshard(8)).rejects.toBeInstanceOf(ReshardStateError);
  });
});
