import { SimulatedClock } from 'xstate';
import type { InspectionEvent } from 'xstate';
import { claimScript, releaseScript, tickScript } from '../../src/redis/cluster/lease-scripts.js';
import { LeaseKeeper } from '../../src/redis/cluster/lease-keeper.js';
import type { RedisScriptClient } from '../../src/redis/index.js';
import { voiceTransitionKey } from '../../src/testing/model/voice-model.js';

/** The lease scripts by name, as a {@link FaultyClient} tells them apart. */
type ScriptName = 'tick' | 'claim' | 'release';
const scriptBySha = new Map<string, ScriptName>([
  [tickScript.sha1, 'tick'],
  [claimScript.sha1, 'claim'],
  [releaseScript.sha1, 'release'],
]);
const scriptBySource = new Map<string, ScriptName>([
  [tickScript.source, 'tick'],
  [claimScript.source, 'claim'],
  [releaseScript.source, 'release'],
]);

/**
 * A real client with faults a dead connection would cause, per script: the next calls fail (as a lost
 * connection does, at once), or a call is held until the test lets it through (a slow answer).
 */
export class FaultyClient implements RedisScriptClient {
  /** Calls of each script still to fail. */
  readonly failing = new Map<ScriptName, number>();
  /** Held calls of a script, let through by `letThrough`. */
  readonly #holding = new Set<ScriptName>();
  readonly #held: Array<() => void> = [];
  readonly #inner: RedisScriptClient;

  constructor(inner: RedisScriptClient) {
    this.#inner = inner;
  }

  /** The next `count` calls of `script` fail. */
  fail(script: ScriptName, count = 1): void {
    this.failing.set(script, count);
  }

  /** Holds every call of `script` until `letThrough()`. */
  hold(script: ScriptName): void {
    this.#holding.add(script);
  }

  /** How many calls are held. */
  get heldCalls(): number {
    return this.#held.length;
  }

  /** Lets the held calls go on, and holds no more. */
  letThrough(): void {
    this.#holding.clear();
    for (const go of this.#held.splice(0)) go();
  }

  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown> {
    return this.#call(scriptBySource.get(script), () => this.#inner.eval(script, options));
  }

  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown> {
    return this.#call(scriptBySha.get(sha1), () => this.#inner.evalSha(sha1, options));
  }

  async #call(name: ScriptName | undefined, run: () => Promise<unknown>): Promise<unknown> {
    if (name !== undefined) {
      const failures = this.failing.get(name) ?? 0;
      if (failures > 0) {
        this.failing.set(name, failures - 1);
        throw new Error(`connection lost (test, ${name})`);
      }
      if (this.#holding.has(name)) await new Promise<void>((resolve) => this.#held.push(resolve));
    }
    return run();
  }
}

/** What the cluster was told, in order. */
export type Told =
  | { readonly type: 'acquired'; readonly shardId: number; readonly fence: number }
  | { readonly type: 'taken'; readonly shardId: number }
  | { readonly type: 'handOver'; readonly shardIds: readonly number[] }
  | { readonly type: 'redis'; readonly up: boolean }
  | { readonly type: 'fault'; readonly message: string };

/** Timings of the model runs: simulated, except the Redis calls' deadline (renewMs, real). */
export const timings = { leaseMs: 60_000, renewMs: 20_000, claimGraceMs: 50_000 } as const;

/** A real LeaseKeeper on a simulated clock, with what it told its cluster and the transitions taken. */
export class LeaseRig {
  readonly clock = new SimulatedClock();
  readonly told: Told[] = [];
  readonly keeper: LeaseKeeper;
  /** When set, the cluster's `acquired` callback throws (a bug on the cluster's side). */
  failAcquired = false;
  /** Shards the fake cluster reports as ready (may be handed over). */
  readonly ready = new Set<number>();

  constructor(
    readonly client: FaultyClient,
    prefix: string,
    shardCount: number,
    memberId: string,
    onTransition: (key: string) => void,
  ) {
    const inspect = (event: InspectionEvent) => {
      if (event.type !== '@xstate.microstep') return;
      for (const transition of event._transitions) onTransition(voiceTransitionKey(transition));
    };
    this.keeper = new LeaseKeeper(
      client,
      prefix,
      shardCount,
      1,
      timings,
      {
        acquired: (shardId, fence) => {
          if (this.failAcquired) throw new Error(`acquired(${shardId}) failed (test)`);
          this.told.push({ type: 'acquired', shardId, fence });
        },
        taken: (shardId) => this.told.push({ type: 'taken', shardId }),
        handOver: (shardIds) => this.told.push({ type: 'handOver', shardIds }),
        canHandOver: (shardId) => this.ready.has(shardId),
        redis: (error) => this.told.push({ type: 'redis', up: error === null }),
        fault: (error) => this.told.push({ type: 'fault', message: error.message }),
      },
      memberId,
      { clock: this.clock, inspect },
    );
  }

  /** The machine's state as one string, e.g. `running.steady.waiting`. */
  get state(): string {
    const value = this.keeper.snapshot.value;
    if (typeof value === 'string') return value;
    const running = (value as { running: { phase: string; loop: string } }).running;
    return `running.${running.phase}.${running.loop}`;
  }

  /** Moves the simulated clock by `ms`, then waits for the tick it started (and its claim). */
  async advance(ms: number): Promise<void> {
    this.clock.increment(ms);
    await this.keeper.settled();
  }

  /** The next tick: `renewMs` on, and its answer (and claim) handled. */
  async tick(): Promise<void> {
    await this.advance(timings.renewMs);
  }

  /** Takes what was told since the last call. */
  drain(): Told[] {
    return this.told.splice(0);
  }
}
