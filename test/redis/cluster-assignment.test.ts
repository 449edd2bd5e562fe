import { describe, expect, it } from 'vitest';
import {
  fairShare,
  pickClaims,
  pickReleases,
  spreadOwner,
  staticShards,
} from '../../src/redis/cluster/assignment.js';

describe('ShardCluster assignment (bucket-spreading)', () => {
  it('static shares of every process together hold each shard exactly once', () => {
    const all = Array.from({ length: 5 }, (_, id) => staticShards(100, 16, id, 5)).flat();
    expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, id) => id));
  });

  it('each round of identifies (one shard per bucket) lands on max_concurrency different processes', () => {
    const [shards, mc, processes] = [20_000, 16, 40];
    for (let round = 0; round < shards / mc; round += 1) {
      const owners = new Set(
        Array.from({ length: mc }, (_, bucket) => spreadOwner(round * mc + bucket, mc, processes)),
      );
      expect(owners.size).toBe(mc);
    }
  });

  it('each process holds shards of every bucket (20,000 shards, 40 hosts, max_concurrency 16), unlike id % 40', () => {
    const [shards, mc, processes] = [20_000, 16, 40];
    for (let host = 0; host < processes; host += 1) {
      const buckets = new Set(staticShards(shards, mc, host, processes).map((id) => id % mc));
      expect(buckets.size).toBe(mc);
    }
    // Plain striping confines host 0 to gcd(40, 16) / … = 2 buckets.
    const striped = new Set(
      Array.from({ length: shards }, (_, id) => id)
        .filter((id) => id % processes === 0)
        .map((id) => id % mc),
    );
    expect(striped.size).toBe(2);
  });

  it('a fair share covers every shard: ⌈shards / processes⌉', () => {
    expect(fairShare(512, 8)).toBe(64);
    expect(fairShare(10, 3)).toBe(4);
  });

  it("a process claims its own slice first, and another member's shard only once it stayed unowned a tick", () => {
    const view = {
      shardCount: 8,
      maxConcurrency: 2,
      members: ['a', 'b'],
      memberId: 'a',
      unowned: [0, 1, 2, 3, 4, 5, 6, 7],
      owned: 0,
    };
    const mine = [0, 1, 2, 3, 4, 5, 6, 7].filter((id) => spreadOwner(id, 2, 2) === 0);
    expect(pickClaims({ ...view, unownedBefore: new Set() })).toEqual(mine);
    const later = pickClaims({ ...view, owned: 2, unownedBefore: new Set([0, 1, 2, 3, 4, 5, 6, 7]) });
    expect(later).toHaveLength(2);
  });

  it('a process above its fair share hands over the excess, shards outside its slice first', () => {
    const held = [0, 1, 2, 3, 4, 5, 6, 7];
    const released = pickReleases(held, 8, 2, ['a', 'b'], 'a');
    expect(released).toHaveLength(4);
    expect(released.every((id) => spreadOwner(id, 2, 2) !== 0)).toBe(true);
  });
});
