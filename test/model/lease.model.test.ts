import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseMachine } from '../../machines/lease.machine.js';
import { RedisUnavailableError } from '../../src/errors.js';
import { listTransitionKeys } from '../../src/testing/model/transitions.js';
import { connectClient, uniquePrefix, until } from '../redis/helpers.js';
import { RedisServer, redisTestsEnabled } from '../redis/redis-server.js';
import { FaultyClient, LeaseRig, timings } from './lease-rig.js';

/**
 * Model-based test of the lease machine (machines/lease.machine.ts): the REAL LeaseKeeper, against a
 * real `redis-server`, on a simulated clock, is driven through every transition the machine defines.
 * How each event is produced:
 * - `tick.answered`: the tick script's real answer; what it says is set up in Redis beforehand (a
 *   second member in `{p}:members`, a lease held by another member, `{p}:epoch` deleted as by a
 *   Redis restart without persistence);
 * - `tick.failed` / `claim.failed`: the client fails that script's call as a lost connection does;
 * - the `after` delays: the simulated clock; `halt` / `release`: the keeper's own methods, called as
 *   `ShardCluster` calls them (a hand-over is released after it was told).
 * The oracles are what the keeper told its cluster and the leases in Redis, next to the state.
 */

const enabled = redisTestsEnabled();
const all = listTransitionKeys(leaseMachine);
const taken = new Set<string>();
const onTransition = (key: string) => taken.add(key);

describe.skipIf(!enabled)('the lease machine, on a real LeaseKeeper against redis-server', () => {
  let server: RedisServer;
  let redis: Awaited<ReturnType<typeof connectClient>>;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = await connectClient(server.url);
  });

  afterAll(async () => {
    console.log(`lease transition coverage: ${all.filter((key) => taken.has(key)).length}/${all.length}`);
    await redis?.quit();
    await server?.dispose();
  });

  const rig = (memberId: string, shardCount: number) => {
    const prefix = uniquePrefix();
    return { prefix, rig: new LeaseRig(new FaultyClient(redis), prefix, shardCount, memberId, onTransition) };
  };

  it('start rejects with RedisUnavailableError when the first tick is not answered', async () => {
    const { rig: r } = rig('m-a', 2);
    r.client.fail('tick');
    await expect(r.keeper.start()).rejects.toBeInstanceOf(RedisUnavailableError);
    expect(r.state).toBe('stopped');
    expect(r.drain()).toEqual([]);
  });

  it('a halt during the first tick stops it: start resolves, nothing more ticks', async () => {
    const { rig: r } = rig('m-a', 2);
    r.client.hold('tick');
    const starting = r.keeper.start();
    await until('the first tick sent', () => r.client.heldCalls === 1);
    const halting = r.keeper.halt();
    expect(r.state).toBe('stopped');
    r.client.letThrough();
    await Promise.all([starting, halting]);
    await r.advance(timings.renewMs * 10);
    expect(r.state).toBe('stopped');
    expect(r.drain()).toEqual([]);
  });

  it('one process: grace, claims its fair share, hand-over, fencing, lost data, outages, halt', async () => {
    const { rig: r, prefix } = rig('m-a', 4);
    await r.keeper.start();
    expect(r.state).toBe('running.graceful.waiting');
    await r.tick();
    await r.tick();
    expect(r.state).toBe('running.graceful.waiting');
    expect(r.drain()).toEqual([]);

    await r.advance(timings.claimGraceMs - 2 * timings.renewMs);
    expect(r.state).toBe('running.steady.waiting');
    r.client.fail('claim');
    await r.tick();
    expect(r.drain()).toEqual([]);
    await r.tick();
    expect(r.drain().map((told) => told.type === 'acquired' && told.shardId)).toEqual([0, 1, 2, 3]);
    expect([...r.keeper.held.keys()].sort()).toEqual([0, 1, 2, 3]);
    await r.tick();
    expect(r.drain()).toEqual([]);

    // A second process joins: wait one tick for the member list to hold still, then hand over.
    await redis.zAdd(`${prefix}:members`, { score: Date.now(), value: 'm-z' });
    for (const id of [0, 1, 2, 3]) r.ready.add(id);
    await r.tick();
    expect(r.drain()).toEqual([]);
    await r.tick();
    const told = r.drain();
    expect(told).toEqual([{ type: 'handOver', shardIds: [3, 1] }]);
    await r.keeper.release([3, 1]);
    expect([...r.keeper.held.keys()].sort()).toEqual([0, 2]);
    expect(await redis.exists(`${prefix}:lease:3`)).toBe(0);

    // Fencing: the next renewal finds shard 0 held by another member.
    await redis.set(`${prefix}:lease:0`, 'm-z|99', { PX: 60_000 });
    await r.tick();
    expect(r.drain()).toEqual([{ type: 'taken', shardId: 0 }]);
    expect([...r.keeper.held.keys()]).toEqual([2]);

    // Redis lost its data (epoch gone): back through the grace period, twice.
    await redis.del(`${prefix}:epoch`);
    await r.tick();
    expect(r.state).toBe('running.graceful.waiting');
    await redis.del(`${prefix}:epoch`);
    await r.tick();
    expect(r.state).toBe('running.graceful.waiting');

    // Outage in the grace period: shards kept, told once; recovery: grace again.
    r.client.fail('tick');
    await r.tick();
    expect(r.state).toBe('running.redisFailing.waiting');
    expect(r.drain()).toEqual([{ type: 'redis', up: false }]);
    await r.tick();
    expect(r.state).toBe('running.graceful.waiting');
    expect(r.drain()).toEqual([{ type: 'redis', up: true }]);
    expect(await redis.get(`${prefix}:lease:2`)).toMatch(/^m-a\|/);

    // The grace period ends while a tick is under way: its answer claims. Shards 1 and 3 stayed
    // unowned for ticks (m-z never claims its slice), so m-a takes one, up to its fair share of 2.
    await r.advance(timings.claimGraceMs);
    expect(r.state).toBe('running.steady.waiting');
    expect(r.drain()).toEqual([{ type: 'acquired', shardId: 1, fence: 2 }]);

    // Outage while steady: shards kept, told once.
    r.client.fail('tick', 2);
    await r.tick();
    await r.tick();
    expect(r.state).toBe('running.redisFailing.waiting');
    expect(r.drain()).toEqual([{ type: 'redis', up: false }]);
    expect([...r.keeper.held.keys()].sort()).toEqual([1, 2]);

    await r.keeper.halt();
    expect(r.state).toBe('stopped');
    await r.keeper.release([...r.keeper.held.keys()], true);
    expect(await redis.exists([`${prefix}:lease:1`, `${prefix}:lease:2`])).toBe(0);
  });

  it('a claim under way at the halt is kept (released by the final release), not started', async () => {
    const { rig: r, prefix } = rig('m-b', 2);
    await r.keeper.start();
    await r.tick();
    await r.tick();
    await r.advance(timings.claimGraceMs - 2 * timings.renewMs);
    r.client.hold('claim');
    r.clock.increment(timings.renewMs);
    await until('the claim sent', () => r.client.heldCalls === 1);
    expect(r.state).toBe('running.steady.claiming');
    const halting = r.keeper.halt();
    expect(r.state).toBe('stopped');
    r.client.letThrough();
    await halting;
    expect([...r.keeper.held.keys()].sort()).toEqual([0, 1]);
    expect(r.drain()).toEqual([]);
    await r.keeper.release([...r.keeper.held.keys()], true);
    expect(await redis.exists([`${prefix}:lease:0`, `${prefix}:lease:1`])).toBe(0);
    expect(await redis.zRange(`${prefix}:members`, 0, -1)).toEqual([]);
  });

  it('resize (a committed cluster reshard): adopted leases are held and renewed, ticks scan the new count', async () => {
    const { rig: r, prefix } = rig('m-a', 2);
    await r.keeper.start();
    await r.advance(timings.claimGraceMs);
    await r.tick();
    expect([...r.keeper.held.keys()].sort()).toEqual([0, 1]);
    r.drain();
    // The commit script set the leases of new shards 2 and 3 for this member.
    await redis.set(`${prefix}:lease:2`, 'm-a|7', { PX: 60_000 });
    await redis.set(`${prefix}:lease:3`, 'm-a|7', { PX: 60_000 });
    r.keeper.resize(4, [
      [2, 7],
      [3, 7],
    ]);
    expect(r.keeper.snapshot.context.shardCount).toBe(4);
    expect([...r.keeper.held.keys()].sort()).toEqual([0, 1, 2, 3]);
    await redis.pExpire(`${prefix}:lease:2`, 100);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await r.tick();
    // The lapsed adopted lease was set again by the renewal; nothing was taken or claimed.
    expect(await redis.get(`${prefix}:lease:2`)).toBe('m-a|7');
    expect(r.drain()).toEqual([]);
    await r.keeper.halt();
    await r.keeper.release([...r.keeper.held.keys()], true);
  });

  it('a callback that throws inside the machine is reported as a fault, and the keeper stops ticking', async () => {
    const { rig: r } = rig('m-a', 2);
    await r.keeper.start();
    r.failAcquired = true;
    await r.advance(timings.claimGraceMs);
    await r.tick();
    expect(r.drain()).toEqual([{ type: 'fault', message: 'acquired(0) failed (test)' }]);
    await r.tick();
    await r.tick();
    expect(r.drain()).toEqual([]);
    await r.keeper.halt();
  });

  it('took every transition the machine defines', () => {
    expect(all.filter((key) => !taken.has(key))).toEqual([]);
  });
});
