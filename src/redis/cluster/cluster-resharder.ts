import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayDispatchPayload, RESTGetAPIGatewayBotResult } from 'discord-api-types/v10';
import { createActor, fromPromise } from 'xstate';
import type { Actor, InspectionEvent } from 'xstate';
import { clusterReshardMachine } from '../../../machines/index.js';
import type { ClusterReshardLeases } from '../../../machines/index.js';
import { ShardStoppedError } from '../../errors.js';
import { isSessionDispatch } from '../../manager/reshard/dispatch-identity.js';
import { OverlapDedupe } from '../../manager/reshard/overlap-dedupe.js';
import { ReshardBudgetError, ReshardFailedError } from '../../manager/reshard/reshard-errors.js';
import type { ReshardOutcome } from '../../manager/reshard/resharder.js';
import type { SessionStore } from '../../manager/session-store.js';
import type { Shard } from '../../shard/shard.js';
import { NewRunnerSet } from './new-runner-set.js';
import { leaseMember } from './reshard-record.js';
import type { ReshardRecords } from './reshard-record.js';
import type { RelayTarget, ShardRunner } from './shard-runner.js';

/** What a cluster reshard needs of its `ShardCluster`. @internal */
export interface ClusterReshardHost {
  readonly memberId: string;
  readonly records: ReshardRecords;
  readonly store: SessionStore;
  readonly leaseMs: number;
  readonly renewMs: number;
  /** `GET /gateway/bot` (the coordinator's budget check). */
  getBot(signal: AbortSignal): Promise<RESTGetAPIGatewayBotResult>;
  /** Fresh numbers for the shared identify gate. */
  useGatewayInfo(info: RESTGetAPIGatewayBotResult): void;
  /** The old shards this process runs now, with their lease fences. */
  heldOld(): ReadonlyMap<number, number>;
  /** A runner of new shard `id` with the new count. */
  createRunner(id: number, count: number, store: SessionStore, relay: RelayTarget): ShardRunner;
  /** Delivers a dispatch to the cluster's listeners. */
  deliver(shard: Shard, payload: GatewayDispatchPayload): void;
  /** Another event of a new shard, once it is the cluster's. */
  relay: RelayTarget;
  /** Stops the old shards (sessions ended), takes the new runners as the cluster's, the new count and leases. */
  handOver(
    oldIds: readonly number[],
    runners: ReadonlyMap<number, ShardRunner>,
    count: number,
    leases: ClusterReshardLeases,
  ): Promise<void>;
  warn(error: unknown, context: string): void;
  readonly inspect: ((event: InspectionEvent) => void) | undefined;
}

/** One reshard as one process takes part in it. @internal */
export interface ClusterReshardPlan {
  readonly id: string;
  readonly coordinator: boolean;
  readonly from: number;
  readonly to: number;
  /** The announced owners (members only; the coordinator learns them when it announces). */
  readonly owners: readonly string[] | null;
  readonly overlapMs: number;
  readonly dedupeWindowMs: number;
  readonly guildsTimeoutMs: number;
  readonly startTimeoutMs: number;
}

/** How this process's part ended. @internal */
export interface ClusterReshardListener {
  started(): void;
  done(outcome: ReshardOutcome): void;
  failed(error: Error): void;
}

/**
 * One process's part in a `ShardCluster` reshard (docs/protocol/resharding.md §4, §5), run by the
 * cluster reshard machine (`machines/cluster-reshard.machine.ts`): this adapter provides the budget
 * check, the announcement, this process's new shards, the coordinator's wait and commit, and the
 * handover, and deduplicates the dispatches of both sets in this process. @internal
 */
export class ClusterResharder {
  readonly plan: ClusterReshardPlan;
  readonly #host: ClusterReshardHost;
  readonly #actor: Actor<typeof clusterReshardMachine>;
  readonly #dedupe: OverlapDedupe;
  #owners: readonly string[] | null;
  /** The old shards whose new shards this process runs (j ≡ i mod from). */
  #oldIds: number[] = [];
  #set: NewRunnerSet | null = null;
  #committed = false;
  #settled = false;
  #withdrawn: Promise<void> = Promise.resolve();

  constructor(host: ClusterReshardHost, plan: ClusterReshardPlan, listener: ClusterReshardListener) {
    this.#host = host;
    this.plan = plan;
    this.#owners = plan.owners;
    this.#dedupe = new OverlapDedupe({ windowMs: plan.dedupeWindowMs, now: () => performance.now() });
    const logic = clusterReshardMachine.provide({
      actors: {
        checkBudget: fromPromise<void, { identifies: number }>(({ input, signal }) =>
          this.#checkBudget(input.identifies, signal),
        ),
        announce: fromPromise<void>(() => this.#announce()),
        startNewSet: fromPromise<void>(({ signal }) => this.#startNewSet(signal)),
        coordinate: fromPromise<ClusterReshardLeases>(({ signal }) => this.#coordinate(signal)),
        handOver: fromPromise<void, { leases: ClusterReshardLeases }>(({ input }) =>
          this.#handOver(input.leases),
        ),
      },
    });
    this.#actor = createActor(logic, {
      input: {
        coordinator: plan.coordinator,
        fromCount: plan.from,
        newCount: plan.to,
        tailMs: plan.dedupeWindowMs,
      },
      ...(host.inspect === undefined ? {} : { inspect: host.inspect }),
    });
    this.#actor.on('reshard.started', () => listener.started());
    this.#actor.on('reshard.withdrawing', () => {
      this.#withdrawn = this.#withdraw();
    });
    this.#actor.on('reshard.done', () => {
      this.#settled = true;
      listener.done(this.#outcome());
    });
    this.#actor.on('reshard.failed', ({ stage, error }) =>
      listener.failed(
        stage === 'budget' || error instanceof ReshardFailedError
          ? toError(error)
          : new ReshardFailedError(stage, error),
      ),
    );
    this.#actor.on('reshard.cancelled', () =>
      listener.failed(new ShardStoppedError('the reshard was cancelled by stop()')),
    );
  }

  start(): void {
    this.#actor.start();
  }

  /** The machine's state (for tests). */
  get state(): string {
    const value = this.#actor.getSnapshot().value;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  /** Whether the commit was seen (the new count is the cluster's). */
  get committed(): boolean {
    return this.#committed;
  }

  /** The cluster stops: before the commit the new shards are stopped for good (resolves after). */
  cancel(): Promise<void> {
    this.#actor.send({ type: 'reshard.cancel' });
    return this.#withdrawn;
  }

  /** What the member's watcher read from Redis (null: no record). */
  observe(
    record: { id: string; phase: string; reason: string; fences: ReadonlyMap<number, number> } | null,
  ): void {
    if (record?.id === this.plan.id && record.phase === 'commit') {
      this.#actor.send({ type: 'cluster.committed', leases: this.#mine(record.fences) });
    } else if (record === null || record.id !== this.plan.id || record.phase === 'abort') {
      const reason = record?.phase === 'abort' ? record.reason : 'the reshard record is gone';
      this.#actor.send({
        type: 'cluster.aborted',
        error: new ReshardFailedError('start', new Error(reason)),
      });
    }
  }

  /** This process lost old shard `id` (taken over) before the commit: the reshard cannot complete. */
  lost(id: number): void {
    if (this.#oldIds.includes(id) && !this.#committed) {
      this.#report(`old shard ${id} was taken over`);
    }
  }

  /** An old shard's dispatch: delivered unless it is the second copy of an event (§2). */
  admitOld(payload: GatewayDispatchPayload): boolean {
    if (isSessionDispatch(payload.t)) return true;
    return this.#dedupe.admit('old', payload);
  }

  #newDispatch(shard: Shard, payload: GatewayDispatchPayload): void {
    // After the tail the new shards are the cluster's alone: nothing left to match.
    if (this.#settled || this.#dedupe.admit('new', payload)) this.#host.deliver(shard, payload);
  }

  async #checkBudget(identifies: number, signal: AbortSignal): Promise<void> {
    const info = await this.#host.getBot(signal);
    this.#host.useGatewayInfo(info);
    const { remaining, reset_after: resetAfter } = info.session_start_limit;
    if (remaining < identifies) throw new ReshardBudgetError(identifies, remaining, resetAfter);
  }

  async #announce(): Promise<void> {
    const { id, from, to } = this.plan;
    const answer = await this.#host.records.announce(id, from, to, this.#host.leaseMs, this.plan);
    if ('refused' in answer) throw new Error(answer.refused);
    this.#owners = answer.owners;
  }

  async #startNewSet(signal: AbortSignal): Promise<void> {
    const { from, to } = this.plan;
    const me = this.#host.memberId;
    const held = this.#host.heldOld();
    // The old shards announced as ours that we still hold with the same fence.
    this.#oldIds = (this.#owners ?? []).flatMap((owner, i) =>
      leaseMember(owner) === me && owner === `${me}|${held.get(i)}` ? [i] : [],
    );
    const shardIds: number[] = [];
    for (let j = 0; j < to; j++) if (this.#oldIds.includes(j % from)) shardIds.push(j);
    const set = new NewRunnerSet({
      shardIds,
      createRunner: (id, store, relay) => this.#host.createRunner(id, to, store, relay),
      store: this.#host.store,
      guildsTimeoutMs: this.plan.guildsTimeoutMs,
      onDispatch: (shard, payload) => this.#newDispatch(shard, payload),
      onEvent: (event, payload) => {
        if (this.#committed || event === 'warning') this.#host.relay(event, payload);
      },
    });
    this.#set = set;
    await set.start(signal);
    await this.#host.records.loaded(this.plan.id, shardIds);
  }

  async #coordinate(signal: AbortSignal): Promise<ClusterReshardLeases> {
    const { id, to, overlapMs, startTimeoutMs } = this.plan;
    const { records, leaseMs, renewMs } = this.#host;
    const deadline = performance.now() + startTimeoutMs;
    let overlapUntil: number | null = null;
    const fail = async (reason: string): Promise<never> => {
      await records.abort(id, reason, leaseMs).catch(() => undefined);
      throw new ReshardFailedError('start', new Error(reason));
    };
    for (;;) {
      if (signal.aborted) return fail('the coordinator stopped');
      const check = await records.check(id, leaseMs).catch((error: unknown) => {
        this.#host.warn(error, 'the reshard check could not reach Redis; retrying');
        return undefined;
      });
      if (check === null) return fail('the reshard record is gone');
      if (check !== undefined) {
        if (check.failed !== '') return fail(check.failed);
        if (check.moved >= 0) return fail(`old shard ${check.moved} changed owner`);
        if (check.loaded === to) overlapUntil ??= performance.now() + overlapMs;
      }
      const now = performance.now();
      if (overlapUntil !== null && now >= overlapUntil) break;
      if (overlapUntil === null && now >= deadline) {
        return fail(`the new shards were not all loaded within ${startTimeoutMs} ms`);
      }
      await sleep(Math.max(1, Math.min(renewMs / 2, (overlapUntil ?? deadline) - now)), undefined, {
        ref: false,
      }).catch(() => undefined);
    }
    // An owner whose last tick is older than two renew periods may have died (§4).
    const ttlMs = Math.max(leaseMs, this.plan.dedupeWindowMs * 2);
    const answer = await records.commit(id, leaseMs, ttlMs, 2 * renewMs + renewMs / 2);
    if ('aborted' in answer) throw new ReshardFailedError('start', new Error(answer.aborted));
    return this.#mine(answer.fences);
  }

  /** The commit's new leases of this process: new shards `j` whose old shard `j % from` is ours. */
  #mine(fences: ReadonlyMap<number, number>): ClusterReshardLeases {
    const mine = new Map<number, number>();
    for (const [j, fence] of fences) if (this.#oldIds.includes(j % this.plan.from)) mine.set(j, fence);
    return mine;
  }

  async #handOver(leases: ClusterReshardLeases): Promise<void> {
    this.#committed = true;
    const set = this.#set;
    // The old sessions end first (their store entries are deleted), then the new ones are saved.
    await this.#host.handOver(this.#oldIds, set?.runners ?? new Map(), this.plan.to, leases);
    await set?.adopt();
  }

  /** Before the commit: stop the new shards for good; tell the others (the coordinator aborts). */
  async #withdraw(): Promise<void> {
    this.#report('a member gave up');
    const set = this.#set;
    this.#set = null;
    await set?.withdraw().catch((error: unknown) => this.#host.warn(error, 'stopping the new shards failed'));
  }

  #report(reason: string): void {
    const { records, leaseMs } = this.#host;
    const call = this.plan.coordinator
      ? records.abort(this.plan.id, reason, leaseMs)
      : records.failed(this.plan.id, `${this.#host.memberId}: ${reason}`);
    call.catch(() => undefined);
  }

  #outcome(): ReshardOutcome {
    return { ...this.#dedupe.stats, guildsTimedOut: this.#set?.guildsTimedOut ?? 0 };
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
