import { afterEach, describe, expect, it } from 'vitest';
import { INTERVAL, startPureManager } from './manager-harness.js';

type PureManager = ReturnType<typeof startPureManager>;
const live: PureManager[] = [];
afterEach(() => {
  for (const manager of live.splice(0)) {
    expect(manager.errors).toEqual([]);
    manager.stop();
  }
});

function manager(...args: Parameters<typeof startPureManager>): PureManager {
  const created = startPureManager(...args);
  live.push(created);
  return created;
}

/** Shards 0–5 with 2 buckets: identify rounds [0, 1], [2, 3], [4, 5]. */
const SIX = [0, 1, 2, 3, 4, 5];

describe('manager start-up waves', () => {
  it('wave 0 (identify round 0) starts at once; nothing else yet', async () => {
    const m = manager(SIX);
    await m.start();
    expect(m.started()).toEqual([0, 1, 2]);
  });

  it('identify round r starts one shard at a time, evenly over the r-th interval', async () => {
    const m = manager(SIX);
    await m.start();
    m.advance(3 * INTERVAL);
    expect(m.startTimes()).toEqual({ 0: 0, 1: 0, 2: 0, 3: INTERVAL / 2, 4: INTERVAL, 5: 1.5 * INTERVAL });
  });

  it('ends in running.allStarted one interval after the last wave began', async () => {
    const m = manager(SIX);
    await m.start();
    m.advance(2 * INTERVAL - 1);
    expect(m.value()).toEqual({ running: { startingWaves: 'wave' } });
    m.advance(1);
    expect(m.value()).toEqual({ running: 'allStarted' });
  });

  it("the end of the last wave's interval starts its shards whose start has not come yet (a late timer)", async () => {
    const m = manager(SIX);
    await m.start();
    m.advance(INTERVAL);
    expect(m.started()).toEqual([0, 1, 2, 3, 4]);
    // As when a loaded event loop runs the interval's timer before the wave's last delayed start.
    m.send({ type: 'xstate.after.startWaveInterval.manager.running.startingWaves.wave' } as never);
    expect(m.value()).toEqual({ running: 'allStarted' });
    expect(m.startTimes()[5]).toBe(INTERVAL);
  });

  it('shards with a saved session all start in wave 0 and take no identify round', async () => {
    const m = manager(SIX, {
      preparation: {
        resumableShardIds: [0, 2, 4],
        identifyPacing: { maxConcurrency: 2, intervalMs: INTERVAL },
      },
    });
    await m.start();
    // Only bucket 1 identifies: round 0 is shard 1 (wave 0), round 1 shard 3, round 2 shard 5.
    expect(m.started()).toEqual([0, 1, 2, 4, 3]);
    m.advance(2 * INTERVAL);
    expect(m.startTimes()).toEqual({ 0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: INTERVAL });
  });

  it('when every shard resumes, all start at once and the waves are over', async () => {
    const m = manager(SIX, {
      preparation: { resumableShardIds: SIX, identifyPacing: { maxConcurrency: 2, intervalMs: INTERVAL } },
    });
    await m.start();
    expect(m.started()).toEqual(SIX);
    expect(m.value()).toEqual({ running: 'allStarted' });
  });

  it('manager.stop during the waves cancels the starts still pending', async () => {
    const m = manager(SIX);
    await m.start();
    m.advance(INTERVAL / 2);
    m.send({ type: 'manager.stop', resumable: false });
    m.advance(10 * INTERVAL);
    expect(m.started()).toEqual([0, 1, 2, 3]);
    expect(m.value()).toBe('idle');
  });

  it('a failure that dooms every shard (4004) stops the waves', async () => {
    const m = manager(SIX);
    await m.start();
    m.send({ type: 'shard.failed', shardId: 0, reason: 'AuthenticationFailed' });
    m.advance(10 * INTERVAL);
    expect(m.value()).toBe('failed');
    expect(m.started()).toEqual([0, 1, 2]);
  });

  it('a failure of one shard only (4010) does not stop the waves', async () => {
    const m = manager(SIX);
    await m.start();
    m.send({ type: 'shard.failed', shardId: 0, reason: 'InvalidShard' });
    m.advance(2 * INTERVAL);
    expect(m.started()).toEqual(SIX);
  });

  it('manager.start while waves are pending starts no shard before its wave', async () => {
    const m = manager(SIX);
    await m.start();
    m.send({ type: 'manager.start' });
    expect(new Set(m.started())).toEqual(new Set([0, 1, 2]));
    m.advance(INTERVAL / 2);
    m.send({ type: 'manager.start' });
    expect(new Set(m.started())).toEqual(new Set([0, 1, 2, 3]));
    expect(m.startTimes()[4]).toBeUndefined();
  });

  it('unknown pacing (a user-supplied identify gate) starts every shard at once', async () => {
    const m = manager(SIX, { preparation: { resumableShardIds: [], identifyPacing: null } });
    await m.start();
    expect(m.started()).toEqual(SIX);
    expect(m.value()).toEqual({ running: 'allStarted' });
  });

  it('prepareStart failing for another reason than the token starts every shard at once', async () => {
    const m = manager(SIX, { preparation: new Error('the session store is down') });
    await m.start();
    expect(m.started()).toEqual(SIX);
  });

  it('a stop and a new start plan the waves again', async () => {
    const m = manager(SIX);
    await m.start();
    m.send({ type: 'manager.stop', resumable: false });
    m.starts.length = 0;
    m.advance(INTERVAL);
    await m.start();
    expect(m.started()).toEqual([0, 1, 2]);
    m.advance(2 * INTERVAL);
    expect(m.started()).toEqual(SIX);
  });
});
