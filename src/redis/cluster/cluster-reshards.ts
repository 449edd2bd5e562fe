import type { ReshardOutcome } from '../../manager/reshard/resharder.js';
import { ClusterResharder } from './cluster-resharder.js';
import type { ClusterReshardHost, ClusterReshardPlan } from './cluster-resharder.js';
import type { ReshardRecord, ReshardRecords } from './reshard-record.js';

/** What {@link ClusterReshards} needs of its `ShardCluster`. @internal */
export interface ClusterReshardsHost {
  readonly records: ReshardRecords;
  readonly renewMs: number;
  /** Whether the cluster runs in dynamic mode now (the record is read only then). */
  running(): boolean;
  /** The cluster's shard count now. */
  count(): number;
  /** A reshard committed while this process held none of the old shards: only the count moves. */
  adoptCount(count: number): void;
  /** What one reshard needs of the cluster. */
  resharderHost(): ClusterReshardHost;
  started(from: number, to: number): void;
  done(outcome: ReshardOutcome, from: number, to: number): void;
  failed(error: Error): void;
}

/**
 * A `ShardCluster`'s reshards (docs/protocol/resharding.md §4): reads the reshard record every
 * `renewMs`, takes part in a reshard it finds (or one this process coordinates), and follows the
 * record (commit, abort) while its part runs. @internal
 */
export class ClusterReshards {
  readonly #host: ClusterReshardsHost;
  #active: ClusterResharder | null = null;
  /** Reshards this process took part in or passed (never joined twice). */
  readonly #seen = new Set<string>();
  #timer: NodeJS.Timeout | null = null;

  constructor(host: ClusterReshardsHost) {
    this.#host = host;
  }

  /** This process's part in the reshard under way, or null. */
  get active(): ClusterResharder | null {
    return this.#active;
  }

  /** Starts reading the record (after the cluster joined). */
  watch(): void {
    this.#timer = setTimeout(() => void this.#read(), this.#host.renewMs);
    this.#timer.unref();
  }

  /** Stops reading, and cancels this process's part (resolves once its new shards are stopped). */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#active?.cancel();
  }

  /** Starts this process's part in a reshard (as its coordinator, or as a member that saw its record). */
  takePart(
    plan: ClusterReshardPlan,
    caller?: { resolve(outcome: ReshardOutcome): void; reject(error: Error): void },
  ): void {
    const { from, to } = plan;
    const host = this.#host;
    this.#seen.add(plan.id);
    const resharder = new ClusterResharder(host.resharderHost(), plan, {
      started: () => host.started(from, to),
      done: (outcome) => {
        this.#active = null;
        host.done(outcome, from, to);
        caller?.resolve(outcome);
      },
      failed: (error) => {
        this.#active = null;
        host.failed(error);
        caller?.reject(error);
      },
    });
    this.#active = resharder;
    resharder.start();
  }

  async #read(): Promise<void> {
    let record: ReshardRecord | null | undefined;
    try {
      record = await this.#host.records.read();
    } catch {
      // Redis does not answer: the lease loop reports it; a coordinator aborts on its own deadline.
      record = undefined;
    }
    if (!this.#host.running()) return;
    if (record !== undefined) this.#follow(record);
    this.watch();
  }

  #follow(record: ReshardRecord | null): void {
    const active = this.#active;
    if (active !== null) {
      if (!active.committed) active.observe(record);
      return;
    }
    if (record === null || this.#seen.has(record.id)) return;
    if (record.phase === 'start' && record.from === this.#host.count()) {
      this.takePart({
        id: record.id,
        coordinator: false,
        from: record.from,
        to: record.to,
        owners: record.owners,
        overlapMs: 0,
        dedupeWindowMs: record.dedupeWindowMs,
        guildsTimeoutMs: record.guildsTimeoutMs,
        startTimeoutMs: 0,
      });
    } else if (record.phase === 'commit' && record.to !== this.#host.count()) {
      // Committed while this process held none of the old shards (it joined late): only the count moves.
      this.#seen.add(record.id);
      this.#host.adoptCount(record.to);
    }
  }
}
