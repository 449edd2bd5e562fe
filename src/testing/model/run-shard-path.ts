import { GatewayOpcodes } from 'discord-api-types/v10';
import type { InspectionEvent } from 'xstate';
import { createShardDelays } from '../../../machines/index.js';
import type { ShardDelays, ShardTimingConfig } from '../../../machines/index.js';
import type { GatewayCompression } from '../../gateway/gateway-url.js';
import { Shard } from '../../shard/shard.js';
import type { ShardEvents } from '../../shard/shard.js';
import type { FakeGateway, FakeGatewayConnection } from '../fake-gateway/index.js';
import { ManualClock } from './manual-clock.js';
import { ManualIdentifyGate } from './manual-identify-gate.js';
import { HttpUnauthorizedError } from '../../errors.js';
import { abstractShardState, REJECTED_TOKEN_CODE, shardModelInput } from './shard-model.js';
import type { ShardModelEvent, ShardModelPath, ShardModelStep } from './shard-model.js';
import { transitionKey } from './transitions.js';

/** The value `random` returns in model runs, so every delay is known in advance. */
const MODEL_RANDOM = 0.5;

/** Timeouts of model runs: distinct values, so the run can tell pending timers apart. */
export const modelTiming: Partial<ShardTimingConfig> = {
  ...shardModelInput.config,
  helloTimeoutMs: 20_000,
  readyTimeoutMs: 30_000,
  resumeTimeoutMs: 35_000,
};

/** What a path run hands to the user's hooks. */
export interface ShardPathContext {
  readonly shard: Shard;
  readonly gateway: FakeGateway;
  /** Events the shard emitted so far, in order. */
  readonly events: ReadonlyArray<{ readonly type: keyof ShardEvents; readonly payload: unknown }>;
}

/** Options of {@link runShardPath}. */
export interface RunShardPathOptions {
  /** A gateway started with `holdHello` and `holdHandshake` (see `FakeGateway.start`). */
  readonly gateway: FakeGateway;
  readonly path: ShardModelPath;
  readonly compress?: GatewayCompression;
  /** Called with the key of every transition the shard's machine takes (for coverage). */
  readonly onTransition?: (key: string) => void;
  /** Called once the shard exists, before the first step (attach bot logic here). */
  readonly setup?: (context: ShardPathContext) => void;
  /** Called after each step, once the shard reached the step's state. */
  readonly afterStep?: (step: ShardModelStep, context: ShardPathContext) => void | Promise<void>;
  /** How long a step may take to reach its state. Default 2 s. */
  readonly stepTimeoutMs?: number;
}

/**
 * Runs one model path against a real {@link Shard} connected to a real {@link FakeGateway}: each model
 * event is produced the way production would see it (a frame or close from the gateway, a timer
 * coming due, the identify gate opening, a user call), and after each step the shard must be in the
 * state the model predicts. Throws, naming the step, when it is not.
 */
export async function runShardPath(options: RunShardPathOptions): Promise<void> {
  const run = new PathRun(options);
  try {
    for (const [index, step] of options.path.steps.entries()) {
      try {
        await run.execute(step.event);
        await run.waitForState(step.state);
        await run.checkWire(step);
        await options.afterStep?.(step, run.context);
      } catch (error) {
        throw new Error(
          `step ${index + 1}/${options.path.steps.length} (${step.event.type}) of path ${options.path.edge}: ${
            error instanceof Error ? error.message : String(error)
          }`,
          { cause: error },
        );
      }
    }
  } finally {
    await run.dispose();
  }
}

class PathRun {
  readonly clock = new ManualClock();
  readonly gate = new ManualIdentifyGate();
  readonly delays: ShardDelays = createShardDelays(() => MODEL_RANDOM);
  readonly shard: Shard;
  readonly connections: FakeGatewayConnection[] = [];
  readonly events: Array<{ type: keyof ShardEvents; payload: unknown }> = [];
  readonly #waiters = new Set<() => void>();
  readonly #stops: Array<Promise<void>> = [];
  readonly #unsubscribe: () => void;
  #socketsStarted = 0;
  #previous: string;

  constructor(private readonly options: RunShardPathOptions) {
    const { gateway } = options;
    this.#unsubscribe = gateway.onConnection((connection) => {
      // Acks would make every heartbeat "alive"; the model decides when a frame arrives.
      connection.stopHeartbeatAcks();
      this.connections.push(connection);
      this.#notify();
    });
    this.shard = new Shard({
      token: gateway.options.token,
      intents: 0,
      gatewayUrl: gateway.url,
      compress: options.compress ?? 'none',
      identifyGate: this.gate,
      random: () => MODEL_RANDOM,
      clock: this.clock,
      timing: modelTiming,
      inspect: (event) => this.#inspect(event),
    });
    for (const type of ['connected', 'reconnected', 'sessionLost', 'failure'] as const) {
      this.shard.on(type, (payload) => this.events.push({ type, payload }));
    }
    this.#previous = abstractShardState(this.shard.snapshot);
    options.setup?.(this.context);
  }

  get context(): ShardPathContext {
    return { shard: this.shard, gateway: this.options.gateway, events: this.events };
  }

  async execute(event: ShardModelEvent): Promise<void> {
    this.#previous = abstractShardState(this.shard.snapshot);
    switch (event.type) {
      case 'shard.start':
        this.shard.start().catch(() => undefined);
        return;
      case 'shard.adoptSession':
        this.shard.adoptSession(null);
        return;
      case 'shard.stop':
        this.#stops.push(this.shard.stop({ resumable: 'resumable' in event && event.resumable === true }));
        return;
      case 'gateway.hello':
        (await this.#connection()).sendHello();
        return;
      case 'gateway.ready':
      case 'gateway.resumed':
        (await this.#connection()).releaseHandshake();
        return;
      case 'gateway.reconnect':
        (await this.#connection()).sendReconnect({ closeAfterMs: null });
        return;
      case 'gateway.invalidSession':
        (await this.#connection()).invalidateSession('resumable' in event && event.resumable === true);
        return;
      case 'gateway.heartbeatRequest':
        (await this.#connection()).requestHeartbeat();
        return;
      case 'socket.alive':
        // A heartbeat ACK: a frame that is not a lifecycle event.
        (await this.#connection()).sendPayload({ op: GatewayOpcodes.HeartbeatAck });
        return;
      case 'socket.corrupt':
        // Invalid JSON (json) or bytes that are no zlib data but end with the flush suffix (zlib-stream).
        (await this.#connection()).sendRaw(
          this.options.compress === 'zlib-stream'
            ? Buffer.from([0x13, 0x37, 0x00, 0x00, 0xff, 0xff])
            : '{"op": 0, "t": "MESSAGE_CREATE", "d": {',
          { bypassCompression: true },
        );
        return;
      case 'socket.closed':
        (await this.#connection()).close('code' in event ? event.code : 4000);
        return;
      default:
        await this.#executeXstateEvent(event);
    }
  }

  async #executeXstateEvent(event: ShardModelEvent): Promise<void> {
    const type = event.type;
    if (type.startsWith('xstate.after.')) {
      const name = type.split('.')[2] as keyof ShardDelays;
      const delay = this.delays[name]({ context: this.shard.snapshot.context });
      this.clock.fire(delay);
      return;
    }
    if (type.startsWith('xstate.done.actor.')) {
      await this.gate.whenWaiting();
      this.gate.grant();
      return;
    }
    if (type.startsWith('xstate.error.actor.')) {
      await this.gate.whenWaiting();
      const rejectsToken =
        'error' in event && (event.error as { code?: unknown } | undefined)?.code === REJECTED_TOKEN_CODE;
      this.gate.refuse(
        rejectsToken
          ? new HttpUnauthorizedError({ method: 'GET', path: '/gateway/bot', attempts: 1, status: 401 })
          : undefined,
      );
      return;
    }
    throw new Error(`the model runner cannot produce event ${type}`);
  }

  /** The gateway side of the shard's current socket (waits for its upgrade). */
  async #connection(): Promise<FakeGatewayConnection> {
    await this.#until(() => this.connections.length >= this.#socketsStarted, 'the socket to connect');
    const connection = this.connections[this.#socketsStarted - 1];
    if (connection === undefined) throw new Error('the shard has no socket');
    return connection;
  }

  async waitForState(expected: string): Promise<void> {
    await this.#until(
      () => abstractShardState(this.shard.snapshot) === expected,
      `state ${expected}`,
      () => abstractShardState(this.shard.snapshot),
    );
  }

  /** What the step must have put on the wire (beyond the machine's state). */
  async checkWire(step: ShardModelStep): Promise<void> {
    const type = step.event.type;
    const now = JSON.parse(step.state) as { value: unknown };
    const lifecycle = JSON.stringify(now.value);
    if (type.startsWith('xstate.done.actor.')) await this.#expectFrame(GatewayOpcodes.Identify);
    if (type === 'gateway.hello' && lifecycle.includes('"resuming"'))
      await this.#expectFrame(GatewayOpcodes.Resume);
    const heartbeat =
      type === 'gateway.heartbeatRequest' ||
      type.startsWith('xstate.after.firstHeartbeat.') ||
      (type.startsWith('xstate.after.heartbeatInterval.') && lifecycle.includes('"beating"'));
    if (heartbeat) await this.#expectFrame(GatewayOpcodes.Heartbeat);
    if (type === 'socket.closed' && 'code' in step.event && step.event.code === 4004) {
      if (!this.events.some((event) => event.type === 'failure'))
        throw new Error('no failure event after 4004');
    }
  }

  /** Waits until the current connection received a frame with this op that no earlier check consumed. */
  async #expectFrame(op: GatewayOpcodes): Promise<void> {
    const connection = await this.#connection();
    const seen = this.#consumed.get(connection.id + ':' + op) ?? 0;
    const count = () =>
      this.options.gateway.received.filter((frame) => frame.connectionId === connection.id && frame.op === op)
        .length;
    await this.#until(() => count() > seen, `op ${op} on the wire`);
    this.#consumed.set(connection.id + ':' + op, count());
  }

  readonly #consumed = new Map<string, number>();

  async dispose(): Promise<void> {
    this.#unsubscribe();
    if (this.shard.state !== 'failed' && this.shard.state !== 'stopped' && this.shard.state !== 'idle') {
      this.#stops.push(this.shard.stop());
    }
    await Promise.allSettled(this.#stops);
    for (const connection of this.connections) connection.terminate();
  }

  #inspect(event: InspectionEvent): void {
    if (event.type === '@xstate.actor' && (event.actorRef as { id?: string }).id === 'socket')
      this.#socketsStarted += 1;
    if (event.type === '@xstate.microstep') {
      for (const transition of event._transitions) this.options.onTransition?.(transitionKey(transition));
    }
    if (event.type === '@xstate.snapshot' || event.type === '@xstate.microstep') this.#notify();
  }

  #notify(): void {
    for (const waiter of this.#waiters) waiter();
  }

  /** Resolves when `condition` holds; rejects after the step timeout, saying what it waited for. */
  #until(condition: () => boolean, what: string, actual?: () => string): Promise<void> {
    if (condition()) return Promise.resolve();
    const timeoutMs = this.options.stepTimeoutMs ?? 2_000;
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        cleanup();
        resolve();
      };
      // Frames arrive without an inspection event; poll as well.
      const poll = setInterval(check, 2);
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}${actual ? `; actual ${actual()}` : ''} (previous ${this.#previous})`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearInterval(poll);
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }
}
