import { afterEach, expect, it } from 'vitest';
import { GatewayDispatchEvents, PresenceUpdateStatus } from 'discord-api-types/v10';
import { InvalidArgumentError, ShardManager } from '../../src/index.js';
import { attachMetrics } from '../../src/metrics/index.js';
import { metricsRig, nextEvent } from './harness.js';
import type { MetricsRig } from './harness.js';

const rigs: MetricsRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});
async function rig(options: Parameters<typeof metricsRig>[0]): Promise<MetricsRig> {
  const created = await metricsRig(options);
  rigs.push(created);
  return created;
}
/** A small dispatch (the rig's shards have its intent, GuildMessageTyping). */
const typing = { guild_id: '81384788765712384', channel_id: '1', user_id: '2', timestamp: 1 } as never;
const cause = (value: string) => ({ 'statecord.reconnect.cause': value });

it('counts shards per state: every state reported, zero included', async () => {
  const { manager, value } = await rig({ shards: 3 });
  expect(await value('statecord.shards', { 'statecord.shard.state': 'idle' })).toBe(3);
  await Promise.all(manager.startShards());
  expect(await value('statecord.shards', { 'statecord.shard.state': 'ready' })).toBe(3);
  expect(await value('statecord.shards', { 'statecord.shard.state': 'idle' })).toBe(0);
  expect(await value('statecord.shards.ready')).toBe(3);
});

it('counts identifies and records each wait at the identify gate', async () => {
  const { manager, value, points } = await rig({ shards: 2 });
  await Promise.all(manager.startShards());
  expect(await value('statecord.shard.identifies')).toBe(2);
  const [waits] = await points('statecord.identify_gate.wait');
  expect(waits?.value).toMatchObject({ count: 2 });
});

it('counts dispatches by type', async () => {
  const { gateway, manager, value } = await rig({ shards: 2 });
  await Promise.all(manager.startShards());
  const received = nextEvent(
    manager,
    'dispatch',
    ({ payload }) => payload.t === GatewayDispatchEvents.TypingStart,
  );
  gateway.dispatch(GatewayDispatchEvents.TypingStart, typing, { shardId: 1 });
  await received;
  expect(await value('statecord.gateway.dispatches', { 'statecord.dispatch.type': 'READY' })).toBe(2);
  expect(await value('statecord.gateway.dispatches', { 'statecord.dispatch.type': 'TYPING_START' })).toBe(1);
});

it('counts a dropped connection as a reconnect caused by a close, and its resume by that cause', async () => {
  const { gateway, manager, value } = await rig({ shards: 1 });
  await Promise.all(manager.startShards());
  const reconnected = nextEvent(manager, 'shardReconnected');
  gateway.connections[0]!.terminate();
  expect(await reconnected).toMatchObject({ isNewSession: false });
  expect(await value('statecord.shard.reconnects', cause('close'))).toBe(1);
  expect(await value('statecord.shard.resumes', cause('close'))).toBe(1);
});

it('counts op 7 as a reconnect the gateway requested', async () => {
  const { gateway, manager, value } = await rig({ shards: 1 });
  await Promise.all(manager.startShards());
  const reconnected = nextEvent(manager, 'shardReconnected');
  gateway.connections[0]!.sendReconnect();
  await reconnected;
  expect(await value('statecord.shard.reconnects', cause('reconnectRequested'))).toBe(1);
  expect(await value('statecord.shard.resumes', cause('reconnectRequested'))).toBe(1);
});

it('counts a missed heartbeat ACK as a zombie reconnect, and records heartbeat latency', async () => {
  const { gateway, manager, value, points } = await rig({ shards: 1, gateway: { heartbeatIntervalMs: 150 } });
  await Promise.all(manager.startShards());
  const acked = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (manager.shards[0]!.latency === null) return;
      clearInterval(timer);
      resolve();
    }, 20);
  });
  await acked;
  const reconnected = nextEvent(manager, 'shardReconnected');
  gateway.connections.at(-1)!.stopHeartbeatAcks();
  await reconnected;
  expect(await value('statecord.shard.reconnects', cause('zombie'))).toBe(1);
  const [latency] = await points('statecord.gateway.latency');
  expect((latency?.value as { count: number }).count).toBeGreaterThanOrEqual(1);
});

it('reports the session starts left in the daily budget', async () => {
  const { manager, value } = await rig({
    shards: 2,
    gateway: { sessionStartLimit: { total: 50, remaining: 40 } },
  });
  await Promise.all(manager.startShards());
  expect(await value('statecord.session_starts.remaining')).toBe(38);
});

it('reports the outbound queue and counts rate-limit waits', async () => {
  const { manager, value } = await rig({ shards: 1 });
  await Promise.all(manager.startShards());
  const shard = manager.shards[0]!;
  // 130 commands: more than the 120-frame window holds (docs/protocol/gateway.md §4).
  const sends = Array.from({ length: 130 }, () =>
    shard.gateway
      .updateStatus({ since: null, activities: [], status: PresenceUpdateStatus.Online, afk: false })
      .catch(() => {}),
  );
  expect(await value('statecord.outbound.queued')).toBeGreaterThan(0);
  expect(await value('statecord.outbound.rate_limit_waits')).toBe(1);
  await manager.stopShards();
  await Promise.all(sends);
});

it('stops reporting after detach', async () => {
  const { gateway, manager, handle, value } = await rig({ shards: 1 });
  await Promise.all(manager.startShards());
  handle.detach();
  handle.detach();
  const received = nextEvent(
    manager,
    'dispatch',
    ({ payload }) => payload.t === GatewayDispatchEvents.TypingStart,
  );
  gateway.dispatch(GatewayDispatchEvents.TypingStart, typing);
  await received;
  expect(await value('statecord.gateway.dispatches', { 'statecord.dispatch.type': 'TYPING_START' })).toBe(0);
  expect(await value('statecord.shards', { 'statecord.shard.state': 'ready' })).toBe(0);
});

it('follows shards created after attaching', async () => {
  const { manager, value } = await rig({ shards: 1 });
  manager.createShards(2);
  await Promise.all(manager.startShards());
  expect(await value('statecord.shards.ready')).toBe(2);
  expect(await value('statecord.gateway.dispatches', { 'statecord.dispatch.type': 'READY' })).toBe(2);
});

it('rejects a meter that is not an OpenTelemetry Meter, synchronously', () => {
  const manager = new ShardManager({ token: 'x'.repeat(20), intents: 1 });
  expect(() => attachMetrics(manager, { meter: {} as never })).toThrow(InvalidArgumentError);
  expect(() => attachMetrics({} as never)).toThrow(InvalidArgumentError);
});

it('is a no-op without an OpenTelemetry SDK', () => {
  const manager = new ShardManager({ token: 'x'.repeat(20), intents: 1 });
  manager.createShards(2);
  const handle = attachMetrics(manager);
  handle.detach();
});
