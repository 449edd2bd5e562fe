/**
 * Which process runs which shard. Pure functions, shared by the static and the dynamic mode.
 *
 * Shards start one per identify bucket (`shard_id % max_concurrency`) per interval
 * (docs/protocol/gateway.md §5). {@link spreadOwner} deals shards out so that each round of identifies
 * (shards `k·mc … k·mc + mc − 1`, one per bucket) lands on `mc` different processes, and each process
 * holds shards of every bucket. A process that dies then leaves shards in every bucket, which the
 * survivors re-identify in parallel if they cannot resume; and a cold start's READY floods spread over
 * processes. Plain striping (`id % n`) confines each process to `gcd(n, mc)`-many buckets' worth of
 * shards when n and mc share a factor (40 hosts, mc 16: 2 buckets each); contiguous ranges put a whole
 * round on one process.
 */

/** The process (0…processes−1) that shard `shardId` belongs to: `(id % mc + ⌊id / mc⌋) % processes`. */
export function spreadOwner(shardId: number, maxConcurrency: number, processes: number): number {
  const mc = Math.max(1, maxConcurrency);
  return ((shardId % mc) + Math.floor(shardId / mc)) % Math.max(1, processes);
}

/** The shards of process `clusterId` of `clusterCount` (static mode), ascending. */
export function staticShards(
  shardCount: number,
  maxConcurrency: number,
  clusterId: number,
  clusterCount: number,
): number[] {
  const ids: number[] = [];
  for (let id = 0; id < shardCount; id += 1) {
    if (spreadOwner(id, maxConcurrency, clusterCount) === clusterId) ids.push(id);
  }
  return ids;
}

/** What one process knows at a tick of the dynamic mode. */
export interface ClaimView {
  /** The bot's shard count. */
  readonly shardCount: number;
  /** The bot's `max_concurrency` (identify buckets). */
  readonly maxConcurrency: number;
  /** Live members, sorted (this process among them). */
  readonly members: readonly string[];
  /** This process's name among the members. */
  readonly memberId: string;
  /** Shards nobody holds now. */
  readonly unowned: readonly number[];
  /** Shards nobody held at the previous tick either. */
  readonly unownedBefore: ReadonlySet<number>;
  /** How many shards this process holds. */
  readonly owned: number;
}

/**
 * The fair share of a process: `⌈shards / members⌉`, so the shares of all members cover every shard.
 */
export function fairShare(shardCount: number, members: number): number {
  return Math.ceil(shardCount / Math.max(1, members));
}

/**
 * The unowned shards this process tries to claim now, best first, at most up to its fair share. Its
 * own slice ({@link spreadOwner} with its rank among the members) comes first; a shard of another
 * member's slice only once it stayed unowned for a whole tick (that member had its chance), so that
 * processes starting together end up with their bucket-spreading slices instead of racing.
 */
export function pickClaims(view: ClaimView): number[] {
  const processes = Math.max(1, view.members.length);
  const rank = Math.max(0, view.members.indexOf(view.memberId));
  const room = fairShare(view.shardCount, processes) - view.owned;
  if (room <= 0) return [];
  const owner = (id: number) => spreadOwner(id, view.maxConcurrency, processes);
  const mine = view.unowned.filter((id) => owner(id) === rank);
  const others = view.unowned
    .filter((id) => owner(id) !== rank && view.unownedBefore.has(id))
    // Start with the next member's slice and go round: claimers of orphans overlap less.
    .sort(
      (a, b) =>
        ((owner(a) - rank + processes) % processes) - ((owner(b) - rank + processes) % processes) || a - b,
    );
  return [...mine, ...others].slice(0, room);
}

/**
 * The shards this process hands over because it holds more than its fair share (another process
 * joined): those outside its own slice first, highest ids first.
 */
export function pickReleases(
  held: readonly number[],
  shardCount: number,
  maxConcurrency: number,
  members: readonly string[],
  memberId: string,
): number[] {
  const processes = Math.max(1, members.length);
  const excess = held.length - fairShare(shardCount, processes);
  if (excess <= 0) return [];
  const rank = Math.max(0, members.indexOf(memberId));
  const foreign = (id: number) => (spreadOwner(id, maxConcurrency, processes) === rank ? 1 : 0);
  return [...held].sort((a, b) => foreign(a) - foreign(b) || b - a).slice(0, excess);
}
