import { GatewayOpcodes, PresenceUpdateStatus } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShardManager } from '../../src/index.js';
import {
  createWorkerManager,
  expected,
  Received,
  runCleanups,
  sendMessages,
  startGateway,
} from './worker-helpers.js';

afterEach(runCleanups);

const SHARDS = Array.from({ length: 8 }, (_, index) => index);

// Threads start and 16 shards identify: under heavy load that can pass 20 s.
describe('worker threads (workers option)', { timeout: 60_000 }, () => {
  it('refuses a worker count that is not a positive integer or "auto", synchronously', () => {
    for (const workers of [0, -1, 1.5, 65, '2', null]) {
      expect(() => new ShardManager({ token: 'x', intents: 1, workers: workers as number })).toThrow(
        InvalidArgumentError,
      );
    }
  });

  it('runs 8 shards in 2 workers: every dispatch reaches its shard once, in order', async () => {
    const gateway = await startGateway({ shardCount: 8 });
    const manager = createWorkerManager(gateway);
    manager.createShards(8);
    const received = new Received();
    for (const shard of manager.shards) {
      shard.gateway.on('MESSAGE_CREATE', (message) => received.add(shard.id, message.id));
    }
    await Promise.all(manager.startShards());
    expect(manager.workers.map((worker) => worker.state)).toEqual(['running', 'running']);

    sendMessages(gateway, SHARDS, 0, 200);
    await received.waitForTotal(8 * 200);
    for (const shardId of SHARDS) expect(received.of(shardId)).toEqual(expected(shardId, 0, 200));
    // The unwanted TYPING_STARTs were dropped in the workers, but their sequence reaches the shards
    // (the last one's checkpoint may come in a batch after the last MESSAGE_CREATE).
    for (const shard of manager.shards) {
      const session = gateway.sessions.find((candidate) => candidate.shardId === shard.id)!;
      await expect.poll(() => shard.session?.sequence, { timeout: 20_000 }).toBe(session.seq);
    }
  });

  it("delivers the manager's dispatch event, and commands reach the gateway through the worker", async () => {
    const gateway = await startGateway({ shardCount: 2 });
    const manager = createWorkerManager(gateway);
    manager.createShards(2);
    const types: string[] = [];
    manager.on('dispatch', ({ shard, payload }) => {
      if (shard.id === 1) types.push(payload.t);
    });
    await Promise.all(manager.startShards());
    sendMessages(gateway, [1], 0, 1);
    await expect.poll(() => types.includes('TYPING_START'), { timeout: 20_000 }).toBe(true);
    expect(types.slice(-2)).toEqual(['MESSAGE_CREATE', 'TYPING_START']);

    await manager.shards[1]!.gateway.updateStatus({
      status: PresenceUpdateStatus.Idle,
      since: null,
      afk: false,
      activities: [],
    });
    await expect
      .poll(
        () =>
          gateway.received.some((frame) => frame.op === GatewayOpcodes.PresenceUpdate && frame.shardId === 1),
        {
          timeout: 20_000,
        },
      )
      .toBe(true);
  });
});
