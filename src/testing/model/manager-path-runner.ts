import { HttpUnauthorizedError, NoShardsError, ShardStoppedError } from '../../errors.js';
import { MemorySessionStore } from '../../manager/session-store.js';
import { ShardManager } from '../../manager/shard-manager.js';
import type { Shard } from '../../shard/shard.js';
import { FakeGateway } from '../fake-gateway/index.js';
import { FaultInjectingGate } from './manager-fault-gate.js';
import { GatewaySide } from './manager-gateway-side.js';
import { ManagerInspection, WaveTimingError } from './manager-inspection.js';
import {
  isShardActorError,
  MODEL_INJECTED_FAULT,
  MODEL_MAX_CONCURRENCY,
  MODEL_RECOMMENDED_SHARDS,
  MODEL_REJECTED_TOKEN_CODE,
  shardOfActorError,
} from './manager-model-events.js';
import type { ManagerModelEvent } from './manager-model-events.js';
import { abstractManagerState } from './manager-model.js';
import type { ManagerModelPath, ManagerPathStep } from './manager-model.js';
import { ManagerOracles } from './manager-oracles.js';
import { RestFront } from './manager-rest-front.js';
import type { RestFrontAnswer } from './manager-rest-front.js';
import { waitUntil } from './manager-wait.js';

export { WaveTimingError };

/** Options of {@link runManagerPath}. */
export interface RunManagerPathOptions {
  /** The path to run (from `managerModelPaths`). */
  readonly path: ManagerModelPath;
  /** The identify interval, and so the time between start-up waves. Default 150 ms. */
  readonly intervalMs?: number;
  /** Called with the key of every transition the manager's own actor takes (not its shards'). */
  readonly onTransition?: (key: string) => void;
  /** How long a step may take to reach its state. Default 5 s. */
  readonly stepTimeoutMs?: number;
}

/**
 * Runs one path of the manager model against a real {@link ShardManager} (real shards) connected to
 * a real {@link FakeGateway}, each event produced as production would see it: a user call, the
 * gateway's READY/RESUMED released or a connection closed, `GET /gateway/bot` answered or failed
 * (through a {@link RestFront}), time passing. After each step the manager must be in the state the
 * model predicts, and the rules of {@link ManagerOracles} must hold. Throws, naming the step; throws
 * a {@link WaveTimingError} when the run was too slow for its wave interval.
 */
export async function runManagerPath(options: RunManagerPathOptions): Promise<void> {
  const run = await ManagerPathRun.create(options);
  let failure: Error | null = null;
  try {
    for (const [index, step] of options.path.steps.entries()) {
      try {
        await run.execute(step, index);
        await run.check(step);
      } catch (error) {
        if (error instanceof WaveTimingError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        const where = `step ${index + 1}/${options.path.steps.length} (${step.event.type}) of path ${options.path.edge}`;
        throw new Error(`${where}: ${message}`, { cause: error });
      }
    }
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
  }
  try {
    await run.dispose(failure === null);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    failure ??= new Error(`at the end of path ${options.path.edge}: ${message}`, { cause: error });
  }
  if (failure !== null) throw failure;
}

/**
 * The manager's warnings a path may cause; any other fails it (a store error, a failed listener, the
 * manager's own actor failing…).
 */
const expectedWarnings: readonly RegExp[] = [
  // The run answers 404 to GET /gateway/bot when the path prepares again later (see #prepareAnswer).
  /^GET \/gateway\/bot failed; starting with the configured gateway URL: GET \/gateway\/bot answered 404/,
  // Closes 4010 and 4004 (no shardFailure listener here, on purpose: the manager reports them).
  /^shard \d+ failed for good: /,
  // The injected shard actor error.
  /^the shard machine stopped with an error: statecord model: injected fault$/,
  // Known, reported: stopping a shard whose socket is still opening warns as if the connection had
  // failed (ws: "closed before the connection was established"), though nothing failed.
  /^the gateway connection failed; reconnecting: .*WebSocket was closed before the connection was established$/,
];

/** Close codes the fake gateway sends for the model's shard events. */
const CLOSE = { unready: 4000, InvalidShard: 4010, AuthenticationFailed: 4004 } as const;

class ManagerPathRun {
  readonly #path: ManagerModelPath;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #gateway: FakeGateway;
  readonly #side: GatewaySide;
  readonly #front: RestFront;
  readonly #gate: FaultInjectingGate | null;
  #failNextRandom = false;
  readonly #store = new MemorySessionStore();
  readonly #inspection: ManagerInspection;
  readonly #manager: ShardManager;
  readonly #oracles: ManagerOracles;
  readonly #warnings: string[] = [];
  #failures = 0;
  #expectedFailures = 0;
  #creating: Promise<{ ok: boolean; value: unknown }> | null = null;

  private constructor(
    options: RunManagerPathOptions,
    gateway: FakeGateway,
    front: RestFront,
    gate: FaultInjectingGate | null,
  ) {
    this.#path = options.path;
    this.#intervalMs = options.intervalMs ?? 150;
    this.#timeoutMs = options.stepTimeoutMs ?? 5_000;
    this.#gateway = gateway;
    this.#front = front;
    this.#gate = gate;
    this.#inspection = new ManagerInspection(options.onTransition);
    this.#side = new GatewaySide(gateway, {
      timeoutMs: this.#timeoutMs,
      abort: () => this.#inspection.waveTimingError(this.#intervalMs),
    });
    this.#manager = new ShardManager({
      ...gateway.clientOptions,
      restUrl: front.restUrl,
      intents: 1,
      compress: 'none',
      maxConcurrency: MODEL_MAX_CONCURRENCY,
      identifyIntervalMs: this.#intervalMs,
      identifyMarginMs: 0,
      ...(gate === null ? {} : { identifyGate: gate }),
      sessionStore: this.#store,
      sessionSaveIntervalMs: 600_000,
      // A random that throws once on demand: the only way left to fail a shard's actor from outside
      // (a user's identify gate that throws is caught and reported as a warning).
      random: () => {
        if (!this.#failNextRandom) return 0.5;
        this.#failNextRandom = false;
        throw new Error(MODEL_INJECTED_FAULT);
      },
      timing: { backoffBaseMs: 5, backoffMaxMs: 20, invalidSessionMinMs: 10, invalidSessionMaxMs: 20 },
      inspect: this.#inspection.inspect,
    });
    this.#manager.on('warning', ({ context, error }) => this.#warnings.push(`${context}: ${error.message}`));
    this.#manager.on('failure', () => (this.#failures += 1));
    this.#oracles = new ManagerOracles(this.#manager, gateway);
  }

  static async create(options: RunManagerPathOptions): Promise<ManagerPathRun> {
    const intervalMs = options.intervalMs ?? 150;
    const gateway = await FakeGateway.start({
      shardCount: MODEL_RECOMMENDED_SHARDS,
      maxConcurrency: MODEL_MAX_CONCURRENCY,
      identifyIntervalMs: intervalMs,
      heartbeatIntervalMs: 60_000,
      holdHandshake: true,
    });
    const front = await RestFront.start(gateway.restUrl);
    // The default gate, plus the faults for the two events nothing else can produce.
    const faults = options.path.steps.some(({ event }) => isShardActorError(event) || isPacingFault(event));
    const gate = faults
      ? new FaultInjectingGate({ maxConcurrency: MODEL_MAX_CONCURRENCY, intervalMs, answerTimeoutMs: 5_000 })
      : null;
    return new ManagerPathRun(options, gateway, front, gate);
  }

  async execute(step: ManagerPathStep, index: number): Promise<void> {
    this.#oracles.watchShards();
    this.#inspection.stepStarted(step.event.type);
    const { event } = step;
    const manager = this.#manager;
    switch (event.type) {
      case 'manager.createShards':
        manager.createShards(event.shardIds, event.totalShards);
        this.#oracles.shardsReplaced();
        return;
      case 'manager.createRecommendedShards':
        this.#front.answerWith('hold');
        this.#creating = manager.createMinimumRequiredShards().then(
          (value) => ({ ok: true, value }),
          (value: unknown) => ({ ok: false, value }),
        );
        return;
      case 'manager.start':
        return this.#start(step);
      case 'manager.stop':
        return this.#stop(event.resumable);
      case 'shard.ready':
        return this.#side.release(event.shardId);
      case 'shard.unready':
        (await this.#side.connection(event.shardId, 'released')).close(CLOSE.unready);
        return;
      case 'shard.failed': {
        await this.#side.settleIdentifies(manager.shards, MODEL_MAX_CONCURRENCY);
        const connection = await this.#side.connection(event.shardId, 'any');
        if (event.reason === 'AuthenticationFailed') {
          this.#expectedFailures += 1;
          this.#oracles.tokenRejected();
        }
        connection.close(CLOSE[event.reason as 'InvalidShard' | 'AuthenticationFailed']);
        return;
      }
    }
    return this.#executeXstateEvent(event, index);
  }

  async #executeXstateEvent(event: ManagerModelEvent, index: number): Promise<void> {
    const type = event.type;
    if (isShardActorError(event)) {
      const connection = await this.#side.connection(shardOfActorError(event), 'held');
      this.#failNextRandom = true;
      // op 7: the shard's machine reconnects after a back-off, whose delay asks the random, which throws.
      connection.sendReconnect({ closeAfterMs: null });
      await this.#until(() => this.#inspection.took(type), `the manager to see ${type}`);
    } else if (type === 'xstate.done.actor.0.manager.preparing') {
      this.#front.answerWith(this.#prepareAnswer(index));
    } else if (type === 'xstate.error.actor.0.manager.preparing' && isPacingFault(event)) {
      this.#gate!.failNextPacingRead(new Error(MODEL_INJECTED_FAULT));
      this.#front.answerWith(this.#prepareAnswer(index));
    } else if (type === 'xstate.error.actor.0.manager.preparing') {
      this.#expectedFailures += 1;
      this.#front.answerWith({ status: 401 });
    } else if (type === 'xstate.done.actor.0.manager.fetchingGatewayInfo') {
      this.#front.answerWith('pass');
      const outcome = await this.#creating;
      const ids = outcome?.ok === true ? (outcome.value as readonly Shard[]).map((shard) => shard.id) : null;
      if (JSON.stringify(ids) !== '[0,1]') {
        throw new Error(
          `createMinimumRequiredShards() gave ${JSON.stringify(ids ?? String(outcome?.value))}`,
        );
      }
      this.#oracles.shardsReplaced();
    } else if (type === 'xstate.error.actor.0.manager.fetchingGatewayInfo') {
      this.#front.answerWith({ status: 401 });
      const outcome = await this.#creating;
      if (outcome?.ok !== false || !(outcome.value instanceof HttpUnauthorizedError)) {
        throw new Error('createMinimumRequiredShards() should reject with HttpUnauthorizedError');
      }
    } else if (type.startsWith('xstate.after.')) {
      await this.#until(() => this.#inspection.took(type), `the manager to take ${type}`);
      // A timer may fire late (a busy loop), never early.
      const lasted = this.#inspection.waveLasted(type);
      if (lasted < this.#intervalMs - 2) {
        throw new Error(`the wave ended after ${lasted.toFixed(1)} ms, before its ${this.#intervalMs} ms`);
      }
    } else {
      throw new Error(`the manager runner cannot produce ${type}`);
    }
  }

  /** `startShards()`: throws `NoShardsError` without shards; otherwise holds `GET /gateway/bot`. */
  #start(step: ManagerPathStep): void | Promise<void> {
    const manager = this.#manager;
    const after = JSON.parse(step.state) as { value?: unknown; failure?: string | null };
    if (after.value === 'idle' && typeof after.failure === 'string' && manager.shards.length > 0) {
      // Shards a rejected token doomed are not started again (createShards makes new ones): every
      // promise rejects with the failure, and nothing reaches the manager's machine.
      return Promise.allSettled(manager.startShards()).then((results) => {
        if (!results.every((result) => result.status === 'rejected')) {
          throw new Error('startShards() of doomed shards should reject every promise');
        }
      });
    }
    if (manager.shards.length === 0) {
      let thrown: unknown = null;
      try {
        void manager.startShards();
      } catch (error) {
        thrown = error;
      }
      if (!(thrown instanceof NoShardsError))
        throw new Error(`startShards() without shards threw ${String(thrown)}`);
      return;
    }
    if (manager.state === 'idle' && this.#front.passed > 0) {
      throw new Error(
        'GET /gateway/bot was answered: prepareStart will not ask it again, nothing holds preparing',
      );
    }
    this.#front.answerWith('hold');
    const toStart = manager.shards.filter((shard) => shard.state === 'idle' || shard.state === 'stopped');
    this.#oracles.trackStart(toStart, manager.startShards());
  }

  /** `stopShards()`: closes every connection, settles a pending create, keeps or drops the sessions. */
  async #stop(resumable: boolean): Promise<void> {
    const held = this.#manager.shards.filter((shard) => shard.session !== null).map((shard) => shard.id);
    const fetching = this.#manager.state === 'fetchingGatewayInfo';
    await this.#manager.stopShards({ resumable });
    await this.#allClosed();
    if (fetching) {
      const outcome = await this.#creating;
      if (outcome?.ok !== false || !(outcome.value instanceof ShardStoppedError)) {
        throw new Error(
          'stopShards() during createMinimumRequiredShards() should reject it with ShardStoppedError',
        );
      }
    }
    for (const shard of this.#manager.shards) {
      const stored = this.#store.get(shard.id) !== null;
      if (stored !== (resumable && held.includes(shard.id))) {
        throw new Error(
          `after stopShards({ resumable: ${resumable} }) shard ${shard.id}'s session is ${stored ? '' : 'not '}stored`,
        );
      }
    }
  }

  /**
   * The `GET /gateway/bot` answer for a prepare: the fake's, unless the path prepares again later. Once
   * the manager has the gateway info it never asks again, and a later prepare must ask: that is what
   * holds it in `preparing`, and what can answer 401. A 404 is an error the manager reports and starts
   * anyway, without the info.
   */
  #prepareAnswer(index: number): RestFrontAnswer {
    const later = this.#path.steps.slice(index + 1);
    return later.some(({ state }) => (JSON.parse(state) as { value: unknown }).value === 'preparing')
      ? { status: 404 }
      : 'pass';
  }

  async check(step: ManagerPathStep): Promise<void> {
    const inspection = this.#inspection;
    // An event the adapter sends the machine: wait until it arrived (it may change nothing).
    const type = step.event.type;
    const after = JSON.parse(step.state) as { value?: unknown; failure?: string | null };
    // startShards() of doomed shards sends the machine nothing (see #start).
    const doomedStart =
      type === 'manager.start' && after.value === 'idle' && typeof after.failure === 'string';
    if (
      !doomedStart &&
      (type.startsWith('shard.') || (type.startsWith('manager.') && this.#manager.shards.length > 0))
    ) {
      await this.#until(() => inspection.received(type), `the manager to receive ${type}`);
    }
    await this.#until(
      () => abstractManagerState(inspection.snapshot) === step.state,
      `state ${step.state}`,
      () => abstractManagerState(inspection.snapshot),
    );
    const timing = inspection.waveTimingError(this.#intervalMs);
    if (timing !== null) throw timing;
    this.#oracles.watchShards();
    this.#oracles.checkReady();
    this.#oracles.throwIfViolated();
    // A manager that does not run (idle, or failed: a 4004 stops every shard) runs no shard.
    const value = (JSON.parse(step.state) as { value: unknown }).value;
    if (value === 'idle' || value === 'failed') {
      const running = () =>
        this.#manager.shards.filter((shard) => !['idle', 'stopped', 'failed'].includes(shard.state));
      await this.#until(
        () => running().length === 0,
        `every shard to stop (the manager is ${String(value)})`,
        () =>
          running()
            .map((shard) => `shard ${shard.id} ${shard.state}`)
            .join(', '),
      );
    }
    // The shards' own states agree with the shards' model.
    const ready = () =>
      this.#manager.shards.filter((shard) => shard.state === 'ready').map((shard) => shard.id);
    await this.#until(
      () => JSON.stringify(ready()) === JSON.stringify(step.shards.ready),
      `shards ${JSON.stringify(step.shards.ready)} to be ready (the shards' model)`,
      () => JSON.stringify(ready()),
    );
    inspection.stepChecked();
  }

  async dispose(check: boolean): Promise<void> {
    this.#inspection.stopRecording();
    try {
      this.#front.answerWith('pass');
      await this.#manager.stopShards();
      await this.#creating;
      if (!check) return;
      await this.#allClosed();
      this.#oracles.checkAtEnd(this.#expectedFailures, this.#failures);
      this.#oracles.throwIfViolated();
      const unexpected = this.#warnings.filter(
        (warning) => !expectedWarnings.some((rule) => rule.test(warning)),
      );
      if (unexpected.length > 0) throw new Error(`unexpected warnings: ${unexpected.join('; ')}`);
      const stats = this.#gateway.stats;
      if (stats.identifyRateViolations > 0 || stats.sessionStartLimitExceeded > 0) {
        throw new Error(`the fake gateway refused identifies: ${JSON.stringify(stats)}`);
      }
    } finally {
      for (const connection of this.#gateway.connections) connection.terminate();
      await this.#front.close();
      await this.#gateway.close();
    }
  }

  /**
   * Waits until the fake has no open connection, but those of shards whose actor failed: a known
   * leak (reported): the failed socket actor never closed its socket, and nothing else can.
   */
  #allClosed(): Promise<void> {
    return this.#side.allClosed(
      (shardId) => this.#manager.shards.find((shard) => shard.id === shardId)?.snapshot.status === 'error',
    );
  }

  #until(condition: () => boolean, what: string, actual?: () => string): Promise<void> {
    return waitUntil(condition, what, {
      timeoutMs: this.#timeoutMs,
      abort: () => this.#inspection.waveTimingError(this.#intervalMs),
      ...(actual === undefined ? {} : { actual }),
    });
  }
}

/** The model's `prepareStart` failure that is not a rejected token (produced by the gate's pacing). */
function isPacingFault(event: ManagerModelEvent): boolean {
  return (
    event.type === 'xstate.error.actor.0.manager.preparing' &&
    !('error' in event && (event.error as { code?: unknown } | undefined)?.code === MODEL_REJECTED_TOKEN_CODE)
  );
}
