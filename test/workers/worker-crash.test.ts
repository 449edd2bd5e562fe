import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ShardStoppedError, WorkerCrashLoopError } from '../../src/index.js';
import type { ShardManager, ShardManagerEvents } from '../../src/index.js';
import { WORKER_PROTOCOL_VERSION } from '../../src/workers/protocol.js';
import { spawnConnectionWorker } from '../../src/workers/spawn-worker.js';
import type { FakeGateway } from '../../src/testing/index.js';
import {
  createWorkerManager,
  expected,
  nextEvent,
  Received,
  runCleanups,
  sendMessages,
  startGateway,
} from './worker-helpers.js';

afterEach(runCleanups);

const SHARDS = Array.from({ length: 8 }, (_, index) => index);
const throwingWorker = new URL('./fixtures/throwing-worker.ts', import.meta.url);

function on<K extends keyof ShardManagerEvents>(manager: ShardManager, event: K) {
  return (listener: (payload: ShardManagerEvents[K]) => void) => manager.on(event, listener);
}

/** 8 shards in 2 workers, listening to MESSAGE_CREATE, ready, 50 messages per shard delivered. */
async function runningManager(gateway: FakeGateway, options: Parameters<typeof createWorkerManager>[1] = {}) {
  const manager = createWorkerManager(gateway, options);
  manager.createShards(8);
  const received = new Received();
  for (const shard of manager.shards) {
    shard.gateway.on('MESSAGE_CREATE', (message) => received.add(shard.id, message.id));
  }
  await Promise.all(manager.startShards());
  sendMessages(gateway, SHARDS, 0, 50);
  await received.waitForTotal(8 * 50);
  return { manager, received };
}

/** Crashes a worker with `crash`, sends more while it is down, and checks its shards resume with nothing lost. */
async function expectResumeAfter(
  gateway: FakeGateway,
  manager: ShardManager,
  received: Received,
  worker: number,
  crash: () => void,
): Promise<void> {
  const itsShards = SHARDS.filter((id) => id % 2 === worker);
  const crashed = nextEvent(on(manager, 'workerCrashed'));
  const respawned = nextEvent(on(manager, 'workerRespawned'));
  const resumed = new Set<number>();
  const allResumed = new Promise<void>((resolve) =>
    manager.on('shardReconnected', ({ shard, isNewSession }) => {
      expect(isNewSession).toBe(false);
      resumed.add(shard.id);
      if (resumed.size === itsShards.length) resolve();
    }),
  );
  crash();
  // Sent while the worker dies: on sockets that are going, or buffered by the gateway for RESUME.
  sendMessages(gateway, SHARDS, 50, 50);
  expect((await crashed).worker).toBe(worker);
  expect((await respawned).worker).toBe(worker);
  await allResumed;
  expect([...resumed].sort()).toEqual(itsShards);
  sendMessages(gateway, SHARDS, 100, 50);
  await received.waitForTotal(8 * 150);
  for (const shardId of SHARDS) expect(received.of(shardId)).toEqual(expected(shardId, 0, 150));
  // Only the first start identified: the crashed worker's shards resumed their sessions.
  expect(gateway.stats.identifies).toBe(8);
  expect(gateway.stats.resumes).toBeGreaterThanOrEqual(itsShards.length);
}

// Threads start, crash and respawn, and shards resume: under heavy load that can pass 20 s.
describe('a worker that dies', { timeout: 60_000 }, () => {
  it('terminated from outside: respawned, its shards resume, no dispatch lost or repeated', async () => {
    const gateway = await startGateway({ shardCount: 8 });
    const { manager, received } = await runningManager(gateway);
    await expectResumeAfter(
      gateway,
      manager,
      received,
      0,
      () => void manager.workers[0]!.thread!.terminate(),
    );
    expect(manager.workers.map((worker) => worker.state)).toEqual(['running', 'running']);
  });

  it('killed by an uncaught error inside it: respawned, its shards resume, no dispatch lost or repeated', async () => {
    const gateway = await startGateway({ shardCount: 8 });
    const { manager, received } = await runningManager(gateway, {
      spawnWorker: (index) =>
        spawnConnectionWorker(
          { version: WORKER_PROTOCOL_VERSION, index, maxBatchItems: 512 },
          throwingWorker,
        ),
    });
    const crashed = nextEvent(on(manager, 'workerCrashed'));
    await expectResumeAfter(gateway, manager, received, 1, () =>
      manager.workers[1]!.thread!.postMessage({ type: 'test.throw' }),
    );
    expect((await crashed).exit.error).toContain('a bug inside the worker');
  });

  it('crashing on start every time: ends in failed after the limit, its shards stopped and reported', async () => {
    const gateway = await startGateway({ shardCount: 2 });
    const manager = createWorkerManager(gateway, {
      workers: 1,
      workerRespawn: { maxConsecutiveCrashes: 3, respawnBaseMs: 10 },
      spawnWorker: () => new Worker('throw new Error("crash on start")', { eval: true }),
    });
    manager.createShards(2);
    const crashes: number[] = [];
    manager.on('workerCrashed', ({ crashes: count }) => crashes.push(count));
    const failure = nextEvent(on(manager, 'workerFailure'));
    const started = manager.startShards();
    const { worker, shards, error } = await failure;
    expect(worker).toBe(0);
    expect(shards.map((shard) => shard.id)).toEqual([0, 1]);
    expect(error).toBeInstanceOf(WorkerCrashLoopError);
    expect([error.code, error.crashes, error.lastExit.error]).toEqual([
      'STATECORD_ERR_WORKER_CRASH_LOOP',
      3,
      expect.stringContaining('crash on start'),
    ]);
    expect(crashes).toEqual([1, 2, 3]);
    expect(manager.workers[0]!.state).toBe('failed');
    for (const result of await Promise.allSettled(started)) {
      expect(result.status === 'rejected' && result.reason).toBeInstanceOf(ShardStoppedError);
    }
    expect(gateway.stats.connections).toBe(0);
  });
});
