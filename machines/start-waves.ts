/**
 * Start-up pacing, pure and table-tested: in which wave each shard opens its socket.
 *
 * Discord lets one shard per bucket (`shard_id % max_concurrency`) identify per interval (protocol §5),
 * so a start of many shards is a sequence of identify rounds: round r of a bucket is its r-th shard in
 * id order, and identifies about r intervals after the first. Opening every socket at once gains
 * nothing (the shards of later rounds only wait at the identify gate with an open socket) and costs a
 * burst of handshakes that stalls the client's and the gateway's event loops just when the first
 * identifies must go out on time. So each shard opens its socket one interval before its turn.
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
 * The shards to start in each wave; wave k + 1 is meant to start one identify interval after wave k.
 * - Wave 0: every shard that resumes, and identify rounds 0 and 1 (round 0 identifies on HELLO,
 *   round 1 one interval later: its socket opens about one interval before its turn).
 * - Wave r − 1 (r ≥ 2): identify round r.
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
      const round = roundsSeen.get(bucket) ?? 0;
      roundsSeen.set(bucket, round + 1);
      wave = Math.max(0, round - 1);
    }
    (waves[wave] ??= []).push(shardId);
  }
  return waves;
}
