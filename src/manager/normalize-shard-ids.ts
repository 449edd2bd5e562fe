import { InvalidArgumentError } from '../errors.js';

/**
 * The arguments of `createShards(count)` / `createShards(ids, total)` as shard ids and a total,
 * checked: a count ≥ 1, or unique integer ids in [0, total − 1] and a total ≥ 1.
 */
export function normalizeShardIds(
  idsOrCount: readonly number[] | number,
  totalShards: number | undefined,
): { shardIds: readonly number[]; total: number } {
  if (typeof idsOrCount === 'number') {
    if (!Number.isSafeInteger(idsOrCount) || idsOrCount < 1)
      throw new InvalidArgumentError('count must be an integer ≥ 1');
    return { shardIds: Array.from({ length: idsOrCount }, (_, index) => index), total: idsOrCount };
  }
  const list: unknown = idsOrCount;
  if (!Array.isArray(list)) {
    throw new InvalidArgumentError('shard ids must be an array of integers');
  }
  const total = totalShards ?? 0;
  if (!Number.isSafeInteger(total) || total < 1)
    throw new InvalidArgumentError('totalShards must be an integer ≥ 1');
  const unique = new Set(idsOrCount);
  if (unique.size !== idsOrCount.length) throw new InvalidArgumentError('shard ids must be unique');
  for (const id of idsOrCount) {
    if (!Number.isInteger(id) || id < 0 || id >= total) {
      throw new InvalidArgumentError(`shard id ${id} is not in [0, ${total - 1}]`);
    }
  }
  if (idsOrCount.length === 0) throw new InvalidArgumentError('at least one shard id is needed');
  return { shardIds: [...idsOrCount], total };
}
