import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, expect, it } from 'vitest';
import { Shard, ShardManager, diagnosticsChannels } from '../../src/index.js';
import type { ShardCloseMessage, ShardConnectMessage, ShardTransitionMessage } from '../../src/index.js';
import { FakeGateway } from '../../src/testing/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Collects a channel's messages until the test ends. */
function listen<T>(name: string): T[] {
  const messages: T[] = [];
  const listener = (message: unknown) => messages.push(message as T);
  diagnosticsChannel.subscribe(name, listener);
  cleanups.push(() => void diagnosticsChannel.unsubscribe(name, listener));
  return messages;
}

async function startGateway(options: { heartbeatIntervalMs?: number } = {}): Promise<FakeGateway> {
  const gateway = await FakeGateway.start({ identifyIntervalMs: 0, ...options });
  cleanups.push(() => gateway.close());
  return gateway;
}

function managerOn(gateway: FakeGateway, shards: number): ShardManager {
  const manager = new ShardManager({
    token: gateway.options.token,
    intents: 1,
    restUrl: gateway.restUrl,
    gatewayUrl: gateway.url,
    identifyIntervalMs: 0,
    timing: { backoffBaseMs: 50, backoffMaxMs: 200 },
  });
  manager.on('warning', () => {});
  manager.createShards(shards);
  cleanups.push(() => manager.stopShards());
  return manager;
}

const reconnectOf = (manager: ShardManager) =>
  new Promise((resolve) => manager.once('shardReconnected', resolve));

it('publishes each lifecycle transition of every managed shard, with the event that caused it', async () => {
  const transitions = listen<ShardTransitionMessage>(diagnosticsChannels.shardTransition);
  const gateway = await startGateway();
  const manager = managerOn(gateway, 2);
  await Promise.all(manager.startShards());
  const ofShard1 = transitions.filter((message) => message.shardId === 1);
  expect(ofShard1.map(({ from, to, event }) => ({ from, to, event }))).toEqual([
    { from: 'idle', to: 'connecting', event: 'shard.start' },
    { from: 'connecting', to: 'identifying', event: 'gateway.hello' },
    { from: 'identifying', to: 'ready', event: 'gateway.ready' },
  ]);
  expect(ofShard1[0]!.shard).toBe(manager.shards[1]);
});

it('publishes a connection, its close and the reconnect it causes', async () => {
  const connects = listen<ShardConnectMessage>(diagnosticsChannels.shardConnect);
  const closes = listen<ShardCloseMessage>(diagnosticsChannels.shardClose);
  const transitions = listen<ShardTransitionMessage>(diagnosticsChannels.shardTransition);
  const gateway = await startGateway();
  const manager = managerOn(gateway, 1);
  await Promise.all(manager.startShards());
  const reconnected = reconnectOf(manager);
  gateway.connections[0]!.close(4000, 'test');
  await reconnected;
  expect(connects.map(({ url, resuming }) => ({ url, resuming }))).toEqual([
    { url: gateway.url, resuming: false },
    // The session is resumed on READY's resume_gateway_url.
    { url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+/) as unknown, resuming: true },
  ]);
  expect(closes).toMatchObject([{ shardId: 0, code: 4000, initiator: 'gateway' }]);
  expect(transitions).toContainEqual(
    expect.objectContaining({ from: 'ready', to: 'reconnecting', cause: 'close', closeCode: 4000 }),
  );
});

it('names a missed heartbeat ACK as a zombie', async () => {
  const transitions = listen<ShardTransitionMessage>(diagnosticsChannels.shardTransition);
  const gateway = await startGateway({ heartbeatIntervalMs: 150 });
  const manager = managerOn(gateway, 1);
  await Promise.all(manager.startShards());
  const reconnected = reconnectOf(manager);
  gateway.connections[0]!.stopHeartbeatAcks();
  await reconnected;
  expect(transitions).toContainEqual(
    expect.objectContaining({ to: 'reconnecting', event: 'after heartbeatInterval', cause: 'zombie' }),
  );
});

it('publishes for a standalone shard too', async () => {
  const transitions = listen<ShardTransitionMessage>(diagnosticsChannels.shardTransition);
  const gateway = await startGateway();
  const shard = new Shard({ ...gateway.clientOptions, intents: 1 });
  cleanups.push(() => shard.stop());
  await shard.start();
  expect(transitions.filter((message) => message.shard === shard).at(-1)).toMatchObject({
    shardId: 0,
    to: 'ready',
  });
});

it('never puts the token in a message', async () => {
  const messages = Object.values(diagnosticsChannels).map((name) => listen<object>(name));
  const gateway = await startGateway({ heartbeatIntervalMs: 150 });
  const manager = managerOn(gateway, 1);
  const acked = new Promise<void>((resolve) => {
    const onAck = () => {
      diagnosticsChannel.unsubscribe(diagnosticsChannels.shardHeartbeat, onAck);
      resolve();
    };
    diagnosticsChannel.subscribe(diagnosticsChannels.shardHeartbeat, onAck);
  });
  await Promise.all(manager.startShards());
  await acked;
  const reconnected = reconnectOf(manager);
  gateway.connections[0]!.terminate();
  await reconnected;
  const seen = new WeakSet<object>();
  const text = JSON.stringify(messages, (_key, value: unknown) => {
    if (typeof value !== 'object' || value === null) return value;
    if (seen.has(value)) return '[cycle]';
    seen.add(value);
    return value;
  });
  // Every channel had its say: connect, close, transition, identify, heartbeat.
  expect(messages.map((list) => list.length > 0)).toEqual([true, true, true, true, true]);
  expect(text).not.toContain(gateway.options.token);
});
