/**
 * Start-up pacing, pure and table-tested: in which wave each shard opens its socket.
 *
 * Discord lets one shard per bucket (`shard_id % max_concurrency`) identify per interval (docs/protocol/gateway.md §5),
 * so a start of many shards is a sequence of identify rounds: round r of a bucket is its r-th shard in
 * id order, and identifies about r intervals after the first. Opening every socket at once gains
 * nothing (the shards of later rounds only wait at the identify gate with an open socket) and costs a
 * burst of handshakes that stalls the client's and the gateway's event loops just when the first
 * identifies must go out on time. So each round opens its sockets in the interval before its turn.
 */

/** What the plan needs to know. */
export interface StartWavesInput {
  /** The shards to start. */
  readonly shardIds: readonly number[];
  /** `max_concurrency`: the number of identify buckets (`shard_id % maxConcurrency`). */
  readonly maxConcurrency: number;
  /** Shards holding a saved session: they resume, which takes no identify slot. */
  readonly resumableShardIds: readonly number[];
}

/**
 * The shards to start in each wave: wave 0 at once, wave r (r ≥ 1) over the r-th interval after it.
 * - Wave 0: every shard that resumes, and identify round 0 (it identifies on HELLO).
 * - Wave r: identify round r, the r-th shard of each bucket in id order.
 *
 * Each wave lists its ids in ascending order; no wave is empty (no shards, no waves). Duplicate ids
 * count once; `maxConcurrency` is rounded down and at least 1.
 */
export function planStartWaves(input: StartWavesInput): number[][] {
  const buckets = Math.max(1, Math.floor(Number.isFinite(input.maxConcurrency) ? input.maxConcurrency : 1));
  const resumable = new Set(input.resumableShardIds);
  const waves: number[][] = [];
  const roundsSeen = new Map<number, number>();
  for (const shardId of [...new Set(input.shardIds)].sort((a, b) => a - b)) {
    let wave = 0;
    if (!resumable.has(shardId)) {
      const bucket = shardId % buckets;
      wave = roundsSeen.get(bucket) ?? 0;
      roundsSeen.set(bucket, wave + 1);
    }
    (waves[wave] ??= []).push(shardId);
  }
  return waves;
}
