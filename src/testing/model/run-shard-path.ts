import { GatewayOpcodes } from 'discord-api-types/v10';
import type { InspectionEvent } from 'xstate';
import { createShardDelays, defaultShardTiming } from '../../../machines/index.js';
import type { ShardDelays, ShardTimingConfig } from '../../../machines/index.js';
import type { GatewayCompression } from '../../gateway/gateway-url.js';
import { Shard } from '../../shard/shard.js';
import type { ShardEvents } from '../../shard/shard.js';
import type { FakeGateway, FakeGatewayConnection } from '../fake-gateway/index.js';
import { ManualIdentifyGate } from './manual-identify-gate.js';
import { InvalidArgumentError } from '../../errors.js';
import { checkGatewayProtocol, ProtocolViolationError } from './protocol-oracles.js';
import type { ProtocolOracleConfig } from './protocol-oracles.js';
import type { ProtocolTraceEntry } from './protocol-trace.js';
import { abstractShardState, shardModelInput } from './shard-model.js';
import type { ShardModelEvent, ShardModelPath, ShardModelStep } from './shard-model.js';
import { ShardPathClock } from './shard-path-clock.js';
import { produceShardModelEvent } from './shard-path-events.js';
import { ShardPathTrace } from './shard-path-trace.js';
import { transitionKey } from './transitions.js';
import { PathWaiter } from './path-waiter.js';

/** The value `random` returns in model runs, so every delay is known in advance. */
const MODEL_RANDOM = 0.5;

/** Timeouts of model runs: distinct values, so the run can tell pending timers apart. */
export const modelTiming: Partial<ShardTimingConfig> = {
  ...shardModelInput.config,
  helloTimeoutMs: 20_000,
  readyTimeoutMs: 30_000,
  resumeTimeoutMs: 35_000,
};

/**
 * The path the shard's `gatewayUrl` has, so that it differs from the `resume_gateway_url` the
 * FakeGateway hands out (its bare URL) as Discord's do, and the oracles can tell which one a
 * connection used. The FakeGateway serves the upgrade on any path.
 */
const GATEWAY_URL_PATH = '/model-gateway';

/** What a path run hands to the user's hooks. */
export interface ShardPathContext {
  /** The shard under test. */
  readonly shard: Shard;
  /** The fake gateway it runs against. */
  readonly gateway: FakeGateway;
  /** Events the shard emitted so far, in order. */
  readonly events: ReadonlyArray<{
    /** The event's name. */
    readonly type: keyof ShardEvents;
    /** Its argument. */
    readonly payload: unknown;
  }>;
  /** What was observable so far, as the protocol oracles see it. */
  readonly trace: readonly ProtocolTraceEntry[];
}

/** Options of {@link runShardPath}. */
export interface RunShardPathOptions {
  /** A gateway started with `holdHello` and `holdHandshake` (see `FakeGateway.start`). */
  readonly gateway: FakeGateway;
  /** The path to run (from `shardModelPaths`). */
  readonly path: ShardModelPath;
  /** Transport compression the shard asks for. Default `'none'`. */
  readonly compress?: GatewayCompression;
  /** Called with the key of every transition the shard's machine takes (for coverage). */
  readonly onTransition?: (key: string) => void;
  /** Called once the shard exists, before the first step (attach bot logic here). */
  readonly setup?: (context: ShardPathContext) => void;
  /** Called after each step, once the shard reached the step's state. */
  readonly afterStep?: (step: ShardModelStep, context: ShardPathContext) => void | Promise<void>;
  /** How long a step may take to reach its state (and the gateway to see its frames). Default 5 s. */
  readonly stepTimeoutMs?: number;
}

/**
 * Runs one model path against a real {@link Shard} connected to a real {@link FakeGateway}: each model
 * event is produced the way production would see it (a frame or close from the gateway, a timer
 * coming due, the identify gate opening, a user call), and after each step the shard must be in the
 * state the model predicts. After each step, and once more after the path (when the shard has been
 * stopped and every frame has arrived), the protocol oracles (`protocol-oracles.ts`) check what was
 * observable: they do not come from the machine, so they also catch a machine that is wrong. Throws,
 * naming the step, when anything fails; an oracle's verdict comes first.
 *
 * @throws InvalidArgumentError when the gateway was not started with `holdHello` and `holdHandshake`.
 */
export async function runShardPath(options: RunShardPathOptions): Promise<void> {
  assertModelGateway(options.gateway);
  const run = new PathRun(options);
  const where = (index: number, type: string) =>
    index < options.path.steps.length
      ? `step ${index + 1}/${options.path.steps.length} (${type}) of path ${options.path.edge}`
      : `the end of path ${options.path.edge}`;
  try {
    for (const [index, step] of options.path.steps.entries()) {
      try {
        await run.step(step);
        await options.afterStep?.(step, run.context);
      } catch (error) {
        throw new Error(`${where(index, step.event.type)}: ${run.explain(error)}`, { cause: error });
      }
    }
    try {
      await run.finish();
    } catch (error) {
      throw new Error(`${where(options.path.steps.length, '')}: ${run.explain(error)}`, { cause: error });
    }
  } finally {
    await run.dispose();
  }
}

/** The options a gateway needs for the model to decide when HELLO, READY and RESUMED go out. */
const REQUIRED_GATEWAY_OPTIONS = ['holdHello', 'holdHandshake'] as const;

function assertModelGateway(gateway: FakeGateway): void {
  const missing = REQUIRED_GATEWAY_OPTIONS.filter((name) => !gateway.options[name]);
  if (missing.length === 0) return;
  throw new InvalidArgumentError(
    `runShardPath needs a FakeGateway started with ${missing.map((name) => `${name}: true`).join(' and ')} ` +
      '(the model decides when HELLO, READY and RESUMED are sent): FakeGateway.start({ holdHello: true, holdHandshake: true, ... })',
    { option: missing.join(', ') },
  );
}

class PathRun {
  readonly clock = new ShardPathClock();
  readonly gate = new ManualIdentifyGate();
  readonly delays: ShardDelays = createShardDelays(() => MODEL_RANDOM);
  readonly shard: Shard;
  readonly connections: FakeGatewayConnection[] = [];
  readonly events: Array<{ type: keyof ShardEvents; payload: unknown }> = [];
  readonly trace: ShardPathTrace;
  readonly oracleConfig: ProtocolOracleConfig;
  readonly #waiter: PathWaiter;
  readonly #stops: Array<Promise<void>> = [];
  readonly #unsubscribe: () => void;
  #socketsStarted = 0;
  #previous: string;

  constructor(private readonly options: RunShardPathOptions) {
    const { gateway } = options;
    this.#waiter = new PathWaiter(options.stepTimeoutMs ?? 5_000, () => `previous ${this.#previous}`);
    this.trace = new ShardPathTrace(gateway, this.clock, () => this.#notify());
    this.#unsubscribe = gateway.onConnection((connection) => {
      // Acks would make every heartbeat "alive"; the model decides when a frame arrives.
      connection.stopHeartbeatAcks();
      this.connections.push(connection);
      this.#notify();
    });
    const gatewayUrl = gateway.url + GATEWAY_URL_PATH;
    const timing = { ...defaultShardTiming, ...modelTiming };
    this.oracleConfig = {
      gatewayUrl,
      maxResumeAttempts: timing.maxResumeAttempts,
      resumeTimeoutMs: timing.resumeTimeoutMs,
      helloTimeoutMs: timing.helloTimeoutMs,
    };
    try {
      this.shard = new Shard({
        token: gateway.options.token,
        intents: 0,
        gatewayUrl,
        compress: options.compress ?? 'none',
        identifyGate: this.gate,
        random: () => MODEL_RANDOM,
        clock: this.clock,
        timing: modelTiming,
        inspect: (event) => this.#inspect(event),
      });
    } catch (error) {
      // Nothing will dispose of this run: stop listening to the gateway now.
      this.#unsubscribe();
      this.trace.detach();
      throw error;
    }
    for (const type of ['connected', 'reconnected', 'sessionLost', 'failure'] as const) {
      this.shard.on(type, (payload) => {
        this.events.push({ type, payload });
        const { sessionId, lastSequence } = payload as { sessionId?: string; lastSequence?: number | null };
        this.trace.event(type, {
          ...(sessionId === undefined ? {} : { sessionId }),
          ...(lastSequence === undefined ? {} : { lastSequence }),
        });
      });
    }
    this.shard.gateway.on('dispatch', (payload) => this.trace.delivered(payload));
    this.#previous = abstractShardState(this.shard.snapshot);
    options.setup?.(this.context);
  }

  get context(): ShardPathContext {
    return {
      shard: this.shard,
      gateway: this.options.gateway,
      events: this.events,
      trace: this.trace.entries,
    };
  }

  /** One step: produce the event, wait for the model's state and the wire, then ask the oracles. */
  async step(step: ShardModelStep): Promise<void> {
    await this.#untilGatewaySawEverySocket();
    await this.execute(step.event);
    await this.waitForState(step.state);
    await this.checkWire(step);
    await this.#settle();
    this.checkProtocol();
  }

  /**
   * After the last step: stop the shard as a user would (a stop that ends the session) and wait until
   * the gateway saw every connection close, so every frame the client sent has arrived (a connection
   * delivers in order); then the oracles judge the whole run.
   */
  async finish(): Promise<void> {
    await this.#untilGatewaySawEverySocket();
    if (this.shard.state !== 'failed' && this.shard.state !== 'stopped' && this.shard.state !== 'idle') {
      this.trace.user('stop', false);
      this.#stops.push(this.shard.stop());
    }
    await Promise.allSettled(this.#stops);
    await this.#until(
      () => this.connections.every((connection) => this.trace.isClosed(connection.id)),
      'the gateway to see every connection closed',
    );
    this.checkProtocol();
  }

  /** Throws a {@link ProtocolViolationError} if an oracle objects to what was observable so far. */
  checkProtocol(): void {
    const violations = checkGatewayProtocol(this.trace.entries, this.oracleConfig);
    if (violations.length > 0) throw new ProtocolViolationError(violations);
  }

  /** The message for a failed step: the oracles' verdict first, since it names the protocol rule broken. */
  explain(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ProtocolViolationError) return message;
    const violations = checkGatewayProtocol(this.trace.entries, this.oracleConfig);
    if (violations.length === 0) return message;
    return `${new ProtocolViolationError(violations).message}\n(the step itself failed with: ${message})`;
  }

  async execute(event: ShardModelEvent): Promise<void> {
    this.#previous = abstractShardState(this.shard.snapshot);
    await produceShardModelEvent(event, {
      shard: this.shard,
      gateway: this.options.gateway,
      compress: this.options.compress ?? 'none',
      gate: this.gate,
      clock: this.clock,
      delays: this.delays,
      trace: this.trace,
      connection: () => this.#connection(),
      stopping: (stopped) => this.#stops.push(stopped),
      checkProtocol: () => this.checkProtocol(),
    });
  }

  /**
   * Waits until the gateway has accepted every socket the shard started, so that no step kills a
   * socket before the gateway saw it (the trace matches connections to dials in order).
   */
  #untilGatewaySawEverySocket(): Promise<void> {
    return this.#until(() => this.connections.length >= this.#socketsStarted, 'the socket to connect');
  }

  /**
   * Waits until the trace shows the step's effects on the wire: every socket the shard started has
   * been dialled, and the gateway saw every connection the client left end (the client's current one,
   * if it is connected, may stay open). A connection that never ends was leaked by the client.
   */
  #settle(): Promise<void> {
    const current = this.shard.snapshot.matches('connection')
      ? this.connections[this.#socketsStarted - 1]
      : undefined;
    return this.#until(
      () =>
        this.trace.dials >= this.#socketsStarted &&
        this.connections.every((connection) => connection === current || this.trace.isClosed(connection.id)),
      'the dial of every socket, and the gateway to see every connection the client left closed',
      () =>
        `open: ${this.connections
          .filter((connection) => connection !== current && !this.trace.isClosed(connection.id))
          .map((connection) => `#${connection.id}`)
          .join(', ')}`,
    );
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
    if (type === 'identify.granted') await this.#expectFrame(GatewayOpcodes.Identify);
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
    this.trace.detach();
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
    this.#waiter.notify();
  }

  /** Resolves when `condition` holds; rejects after the step timeout, saying what it waited for. */
  #until(condition: () => boolean, what: string, actual?: () => string): Promise<void> {
    return this.#waiter.until(condition, what, actual);
  }
}
