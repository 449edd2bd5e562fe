import { ShardFailureError, ShardStoppedError } from '../../errors.js';
import type { ShardManager } from '../../manager/shard-manager.js';
import type { Shard } from '../../shard/shard.js';
import type { FakeGateway } from '../fake-gateway/index.js';

/** A check of the manager that does not come from its machine failed. */
export class ManagerOracleError extends Error {
  constructor(
    /** Which rule: `ready-missing`, `ready-spurious`, `identify-after-4004`, … */
    readonly rule: string,
    message: string,
  ) {
    super(`${rule}: ${message}`);
    this.name = 'ManagerOracleError';
  }
}

/** Whether a shard failed for good (its failure is known before its state says so). */
function hasFailed(shard: Shard): boolean {
  return shard.failure !== null || shard.state === 'failed';
}

/** Every managed shard that has not failed is ready, and there is at least one. */
export function allLiveShardsReady(shards: readonly Shard[]): boolean {
  const live = shards.filter((shard) => !hasFailed(shard));
  return live.length > 0 && live.every((shard) => shard.state === 'ready');
}

interface StartCall {
  readonly shard: Shard;
  /** How many times the shard had become live before the call. */
  readonly liveBefore: number;
  outcome:
    { readonly ok: true; readonly liveAt: number } | { readonly ok: false; readonly error: unknown } | null;
}

/**
 * Rules of the manager checked against the real shards and the fake gateway, written without the
 * machine (DESIGN.md practice 18):
 * - `ready` is emitted exactly when every managed shard that has not failed has become ready (from
 *   the shards' own state): never while one is not, never twice without one having stopped being
 *   ready in between, and never missed;
 * - after a close 4004 (the token is rejected for every shard), no shard identifies until the user
 *   starts shards again;
 * - every promise of `startShards()` settles: it resolves once its shard became live after the call,
 *   and otherwise rejects (a `ShardFailureError`, a `ShardStoppedError`, or the shard's own error).
 */
export class ManagerOracles {
  /** Rule violations seen so far, in order (empty while the manager behaves). */
  readonly violations: ManagerOracleError[] = [];
  readonly #manager: ShardManager;
  readonly #gateway: FakeGateway;
  readonly #watched = new WeakSet<Shard>();
  readonly #live = new WeakMap<Shard, number>();
  readonly #starts: StartCall[] = [];
  /**
   * Spans of the fake gateway's identify log (indexes) in which no IDENTIFY may arrive: from a 4004
   * to the next start. (Indexes, not times: an IDENTIFY and the 4004 may fall in the same millisecond.)
   */
  readonly #noIdentify: Array<{ from: number; to: number | null }> = [];
  /** The condition was false since the last `ready` (or since the start): a `ready` is due when it holds. */
  #readyDue = true;
  #readyCount = 0;

  constructor(manager: ShardManager, gateway: FakeGateway) {
    this.#manager = manager;
    this.#gateway = gateway;
    manager.on('ready', () => this.#onReady());
  }

  /** How many times `ready` was emitted. */
  get readyCount(): number {
    return this.#readyCount;
  }

  /** Starts watching shards created since the last call (fresh shards are not ready: `ready` is due). */
  watchShards(): void {
    for (const shard of this.#manager.shards) {
      if (this.#watched.has(shard)) continue;
      this.#watched.add(shard);
      this.#live.set(shard, 0);
      shard.on('stateChange', () => {
        if (!allLiveShardsReady(this.#manager.shards)) this.#readyDue = true;
      });
      const live = () => this.#live.set(shard, (this.#live.get(shard) ?? 0) + 1);
      shard.on('connected', live);
      shard.on('reconnected', live);
    }
    if (!allLiveShardsReady(this.#manager.shards)) this.#readyDue = true;
  }

  /** After a step: if every live shard is ready, `ready` must have been emitted since that became so. */
  checkReady(): void {
    if (allLiveShardsReady(this.#manager.shards) && this.#readyDue) {
      this.#violate(
        'ready-missing',
        `every shard that has not failed is ready (${this.#describe()}) but the manager did not emit ready`,
      );
    }
  }

  /** Tracks the promises of one `startShards()` call (`shards`: the shards they belong to, in order). */
  trackStart(shards: readonly Shard[], promises: ReadonlyArray<Promise<void>>): void {
    if (shards.length !== promises.length) {
      this.#violate(
        'start-promises',
        `startShards() returned ${promises.length} promises for ${shards.length} shards to start`,
      );
    }
    shards.forEach((shard, index) => {
      const call: StartCall = { shard, liveBefore: this.#live.get(shard) ?? 0, outcome: null };
      this.#starts.push(call);
      promises[index]?.then(
        () => (call.outcome = { ok: true, liveAt: this.#live.get(shard) ?? 0 }),
        (error: unknown) => (call.outcome = { ok: false, error }),
      );
    });
    this.#closeNoIdentifyWindow();
  }

  /** A close 4004 is about to be sent: every IDENTIFY in flight has arrived (the caller made sure). */
  tokenRejected(): void {
    this.#noIdentify.push({ from: this.#gateway.identifyLog.length, to: null });
  }

  /** The user creates shards (a new start may identify again). */
  shardsReplaced(): void {
    this.#closeNoIdentifyWindow();
  }

  /** At the end of a path, once every shard was stopped: the rules that look back. */
  checkAtEnd(expectedFailures: number, actualFailures: number): void {
    for (const call of this.#starts) {
      const { outcome, shard } = call;
      if (outcome === null) {
        this.#violate('start-unsettled', `the start promise of shard ${shard.id} never settled`);
      } else if (outcome.ok && outcome.liveAt <= call.liveBefore) {
        this.#violate(
          'start-resolved-early',
          `the start promise of shard ${shard.id} resolved, but it never became live`,
        );
      } else if (!outcome.ok) {
        const { error } = outcome;
        const known =
          error instanceof ShardFailureError ||
          error instanceof ShardStoppedError ||
          (error instanceof Error && error.message.includes('injected fault'));
        if (!known)
          this.#violate('start-rejected-oddly', `shard ${shard.id}'s start rejected with ${String(error)}`);
      }
    }
    for (const window of this.#noIdentify) {
      const late = this.#gateway.identifyLog.slice(window.from, window.to ?? undefined);
      if (late.length > 0) {
        this.#violate(
          'identify-after-4004',
          `shards ${late.map((entry) => entry.shardId).join(', ')} identified after a 4004`,
        );
      }
    }
    if (expectedFailures !== actualFailures) {
      this.#violate(
        'failure-count',
        `the manager emitted failure ${actualFailures} times, expected ${expectedFailures}`,
      );
    }
  }

  /** Throws the first violation, if any. */
  throwIfViolated(): void {
    const first = this.violations[0];
    if (first !== undefined) throw first;
  }

  #onReady(): void {
    this.#readyCount += 1;
    if (!allLiveShardsReady(this.#manager.shards)) {
      this.#violate('ready-spurious', `ready was emitted while ${this.#describe()}`);
    } else if (!this.#readyDue) {
      this.#violate(
        'ready-twice',
        `ready was emitted again while every shard stayed ready (${this.#describe()})`,
      );
    }
    this.#readyDue = false;
  }

  #closeNoIdentifyWindow(): void {
    const open = this.#noIdentify.at(-1);
    if (open !== undefined && open.to === null) open.to = this.#gateway.identifyLog.length;
  }

  #describe(): string {
    return this.#manager.shards
      .map((shard) => `shard ${shard.id} ${hasFailed(shard) ? 'failed' : shard.state}`)
      .join(', ');
  }

  #violate(rule: string, message: string): void {
    this.violations.push(new ManagerOracleError(rule, message));
  }
}
