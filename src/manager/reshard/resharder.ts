import { performance } from 'node:perf_hooks';
import { createActor, fromPromise } from 'xstate';
import type { Actor, InspectionEvent, Observer } from 'xstate';
import type { GatewayDispatchPayload, RESTGetAPIGatewayBotResult } from 'discord-api-types/v10';
import { reshardMachine } from '../../../machines/index.js';
import type { GatewayHttp } from '../../http/index.js';
import type { Shard } from '../../shard/shard.js';
import type { ShardOptions } from '../../shard/shard-options.js';
import { isSessionDispatch } from './dispatch-identity.js';
import { NewShardSet } from './new-shard-set.js';
import { OverlapDedupe } from './overlap-dedupe.js';
import type { OverlapDedupeStats } from './overlap-dedupe.js';
import { ReshardBudgetError, ReshardFailedError } from './reshard-errors.js';
import { ShardStoppedError } from '../../errors.js';

/** Decides whether a dispatch of a managed shard reaches the manager's listeners. @internal */
export type DispatchFilter = (shard: Shard, payload: GatewayDispatchPayload) => boolean;

/** What a reshard needs of its manager. @internal */
export interface ReshardHost {
  readonly http: GatewayHttp;
  /** The manager's shards now (the old set until the handover). */
  shards(): readonly Shard[];
  /** Options of a new shard: the manager's, with the new id and count, its gate and gateway URL. */
  shardOptions(shardId: number, shardCount: number): ShardOptions;
  /** Fresh `GET /gateway/bot` numbers for the identify gate. */
  useGatewayInfo(info: RESTGetAPIGatewayBotResult): void;
  /** Delivers a dispatch to the manager's listeners. */
  deliver(shard: Shard, payload: GatewayDispatchPayload): void;
  /** Whether anyone listens to the manager's dispatches. */
  wantsDispatches(): boolean;
  /** Puts a filter in front of the managed shards' dispatches (null: none). */
  setDispatchFilter(filter: DispatchFilter | null): void;
  /**
   * Ends the old set's sessions (stopped, deleted from the session store), saves the new shards'
   * sessions to it, creates the new set as the manager's shards and starts them (they resume).
   */
  handOver(newShards: readonly Shard[], shardIds: readonly number[], shardCount: number): Promise<void>;
  warn(error: unknown, context: string, shard: Shard | null): void;
  readonly inspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
}

/** A reshard's parameters. @internal */
export interface ReshardPlan {
  readonly newCount: number;
  readonly shardIds: readonly number[];
  readonly overlapMs: number;
  readonly dedupeWindowMs: number;
  readonly guildsTimeoutMs: number;
}

/** How a reshard went. */
export interface ReshardOutcome {
  /** Dispatches of both sets delivered to the manager's listeners while the reshard ran. */
  readonly delivered: number;
  /** Copies dropped because the other set's copy of the event had been delivered. */
  readonly duplicates: number;
  /** New shards whose guilds did not all arrive within `guildsTimeoutMs` (they went on without). */
  readonly guildsTimedOut: number;
}

/** The lifecycle of a reshard, for the manager's events. @internal */
export interface ReshardListener {
  started(): void;
  done(outcome: ReshardOutcome): void;
  failed(error: Error): void;
}

/**
 * Runs one reshard of a manager with the reshard machine (docs/protocol/resharding.md §1): the machine
 * decides the order; this provides the budget check, the new set's start and the handover, and keeps
 * the dedupe between the manager's shards and the new set. @internal
 */
export class Resharder {
  readonly #host: ReshardHost;
  readonly #plan: ReshardPlan;
  readonly #actor: Actor<typeof reshardMachine>;
  readonly #dedupe: OverlapDedupe;
  readonly #oldShards: ReadonlySet<Shard>;
  #newSet: NewShardSet | null = null;
  #guildsTimedOut = 0;

  constructor(host: ReshardHost, plan: ReshardPlan, listener: ReshardListener) {
    this.#host = host;
    this.#plan = plan;
    this.#oldShards = new Set(host.shards());
    this.#dedupe = new OverlapDedupe({ windowMs: plan.dedupeWindowMs, now: () => performance.now() });
    const logic = reshardMachine.provide({
      actors: {
        checkBudget: fromPromise<void, { identifies: number }>(({ input, signal }) =>
          this.#checkBudget(input.identifies, signal),
        ),
        startNewSet: fromPromise<void>(({ signal }) => this.#startNewSet(signal)),
        handOver: fromPromise<void>(({ signal }) => this.#handOver(signal)),
      },
    });
    this.#actor = createActor(logic, {
      input: {
        newCount: plan.newCount,
        shardIds: plan.shardIds,
        overlapMs: plan.overlapMs,
        tailMs: plan.dedupeWindowMs,
      },
      ...(host.inspect === undefined ? {} : { inspect: host.inspect }),
    });
    this.#actor.on('reshard.started', () => listener.started());
    this.#actor.on('reshard.done', () => {
      this.#host.setDispatchFilter(null);
      listener.done(this.#outcome());
    });
    this.#actor.on('reshard.failed', ({ stage, error }) => {
      this.#abandonNewSet();
      listener.failed(stage === 'budget' ? toError(error) : new ReshardFailedError(stage, error));
    });
    this.#actor.on('reshard.cancelled', () => {
      this.#abandonNewSet();
      listener.failed(new ShardStoppedError('the reshard was cancelled by stopShards()'));
    });
  }

  /** Starts the reshard: from here the manager's dispatches pass the overlap's dedupe. */
  start(): void {
    this.#host.setDispatchFilter((shard, payload) => this.#admit(shard, payload));
    this.#actor.start();
  }

  /** The manager is stopping: gives the reshard up (after the handover, ends its tail). */
  cancel(): void {
    this.#actor.send({ type: 'reshard.cancel' });
  }

  /** The machine's state (for `inspect` and tests). */
  get state(): string {
    const value = this.#actor.getSnapshot().value;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  /** Counts of the dedupe so far. */
  get stats(): OverlapDedupeStats {
    return this.#dedupe.stats;
  }

  /** A managed shard's dispatch: the old set's, or (after the handover) the new set's. */
  #admit(shard: Shard, payload: GatewayDispatchPayload): boolean {
    const role = this.#oldShards.has(shard) ? 'old' : 'new';
    // A session's own READY/RESUMED: the old set's are the manager's as before; the new set's are not
    // events the user has not seen (docs/protocol/resharding.md §3).
    if (isSessionDispatch(payload.t)) return role === 'old';
    return this.#dedupe.admit(role, payload);
  }

  async #checkBudget(identifies: number, signal: AbortSignal): Promise<void> {
    const info = await this.#host.http.getBot({ signal });
    this.#host.useGatewayInfo(info);
    const { remaining, reset_after: resetAfter } = info.session_start_limit;
    if (remaining < identifies) throw new ReshardBudgetError(identifies, remaining, resetAfter);
  }

  async #startNewSet(signal: AbortSignal): Promise<void> {
    const { newCount } = this.#plan;
    const set = new NewShardSet({
      shardIds: this.#plan.shardIds,
      shardOptions: (id) => this.#host.shardOptions(id, newCount),
      guildsTimeoutMs: this.#plan.guildsTimeoutMs,
      onDispatch: (shard, payload) => {
        if (this.#host.wantsDispatches() && this.#dedupe.admit('new', payload))
          this.#host.deliver(shard, payload);
      },
      onWarning: (shard, error, context) => this.#host.warn(error, `new shard set: ${context}`, shard),
    });
    this.#newSet = set;
    await set.start(signal);
  }

  async #handOver(signal: AbortSignal): Promise<void> {
    const set = this.#newSet!;
    // Paused, not ended: the manager resumes these sessions; RESUME replays what comes meanwhile.
    await set.stop(true);
    set.detach();
    // From here the sessions are the manager's to resume: a later failure must not end them.
    this.#guildsTimedOut = set.guildsTimedOut;
    this.#newSet = null;
    if (signal.aborted) throw new ShardStoppedError('the reshard was cancelled by stopShards()');
    await this.#host.handOver(set.shards, this.#plan.shardIds, this.#plan.newCount);
  }

  /** Before the handover: the new set is stopped for good and the manager's old set runs on alone. */
  #abandonNewSet(): void {
    this.#host.setDispatchFilter(null);
    const set = this.#newSet;
    this.#newSet = null;
    if (set === null) return;
    set.detach();
    set
      .stop(false)
      .catch((error: unknown) => this.#host.warn(error, 'stopping the new shard set failed', null));
  }

  #outcome(): ReshardOutcome {
    return { ...this.#dedupe.stats, guildsTimedOut: this.#guildsTimedOut };
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
