import { describe, expect, it } from 'vitest';
import { planStartWaves } from '../../machines/index.js';

const ids = (count: number, from = 0) => Array.from({ length: count }, (_, index) => from + index);

describe('planStartWaves', () => {
  it.each([
    ['no shards', { shardIds: [], maxConcurrency: 16, resumableShardIds: [] }, []],
    ['one shard', { shardIds: [0], maxConcurrency: 1, resumableShardIds: [] }, [[0]]],
    [
      'one bucket: one shard per wave',
      { shardIds: ids(4), maxConcurrency: 1, resumableShardIds: [] },
      [[0], [1], [2], [3]],
    ],
    ['two buckets', { shardIds: ids(5), maxConcurrency: 2, resumableShardIds: [] }, [[0, 1], [2, 3], [4]]],
    [
      'fewer shards than buckets: all in wave 0',
      { shardIds: ids(3), maxConcurrency: 16, resumableShardIds: [] },
      [[0, 1, 2]],
    ],
    [
      'resumable shards join wave 0 and take no identify round',
      { shardIds: ids(6), maxConcurrency: 2, resumableShardIds: [0, 3] },
      [
        [0, 1, 2, 3],
        [4, 5],
      ],
    ],
    [
      'every shard resumes: one wave',
      { shardIds: ids(5), maxConcurrency: 1, resumableShardIds: ids(5) },
      [ids(5)],
    ],
    [
      'a subset of the bot (multi-process) that falls in one bucket',
      { shardIds: [0, 16, 32, 48], maxConcurrency: 16, resumableShardIds: [] },
      [[0], [16], [32], [48]],
    ],
    [
      'ids in any order, duplicates counted once',
      { shardIds: [3, 1, 2, 0, 1], maxConcurrency: 2, resumableShardIds: [] },
      [
        [0, 1],
        [2, 3],
      ],
    ],
    [
      'a saved session for a shard not started changes nothing',
      { shardIds: [0, 1], maxConcurrency: 1, resumableShardIds: [7] },
      [[0], [1]],
    ],
  ])('%s', (_name, input, expected) => {
    expect(planStartWaves(input)).toEqual(expected);
  });

  it('256 shards, max_concurrency 16: wave r is identify round r, shards 16r to 16r + 15', () => {
    const waves = planStartWaves({ shardIds: ids(256), maxConcurrency: 16, resumableShardIds: [] });
    expect(waves).toHaveLength(16);
    waves.forEach((wave, round) => expect(wave).toEqual(ids(16, 16 * round)));
  });

  it('every shard is in exactly one wave', () => {
    const shardIds = ids(100);
    const waves = planStartWaves({ shardIds, maxConcurrency: 7, resumableShardIds: [5, 50, 99] });
    expect(waves.flat().sort((a, b) => a - b)).toEqual(shardIds);
  });

  it('no wave holds two shards of one bucket that identify', () => {
    const resumable = [3, 4, 5];
    const waves = planStartWaves({ shardIds: ids(40), maxConcurrency: 6, resumableShardIds: resumable });
    for (const wave of waves) {
      const buckets = wave.filter((id) => !resumable.includes(id)).map((id) => id % 6);
      expect(new Set(buckets).size).toBe(buckets.length);
    }
  });

  it.each([
    [0, 1],
    [Number.NaN, 1],
    [2.7, 2],
  ])('max_concurrency %d counts as %i bucket(s)', (maxConcurrency, buckets) => {
    const waves = planStartWaves({ shardIds: ids(4), maxConcurrency, resumableShardIds: [] });
    expect(waves[0]).toEqual(ids(buckets));
  });
});
