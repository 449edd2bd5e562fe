import diagnosticsChannel from 'node:diagnostics_channel';
import { metrics } from '@opentelemetry/api';
import type { Attributes, BatchObservableResult, Meter } from '@opentelemetry/api';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import { diagnosticsChannels } from '../diagnostics/channels.js';
import type {
  ShardHeartbeatMessage,
  ShardIdentifyMessage,
  ShardReconnectCause,
  ShardTransitionMessage,
} from '../diagnostics/channels.js';
import { InvalidArgumentError } from '../errors.js';
import { ShardManager } from '../manager/shard-manager.js';
import type { Shard } from '../shard/shard.js';
import type { ShardStatus } from '../shard/shard-status.js';
import { createInstruments, metricAttributes } from './instruments.js';
import type { Instruments } from './instruments.js';

/** Options of {@link attachMetrics}. */
export interface MetricsOptions {
  /**
   * The meter to report with. Default: `metrics.getMeter('statecord')` of `@opentelemetry/api`, which
   * is a no-op until the application registers a `MeterProvider` (an OpenTelemetry SDK).
   */
  readonly meter?: Meter;
  /** Attributes added to every measurement, e.g. `{ 'service.instance.id': 'worker-3' }` for one process of many. */
  readonly attributes?: Attributes;
}

/** What {@link attachMetrics} returns. */
export interface MetricsHandle {
  /** Stops reporting: removes every listener and observable callback statecord added. Idempotent. */
  detach(): void;
}

const statuses: readonly ShardStatus[] = [
  'idle',
  'connecting',
  'identifying',
  'resuming',
  'ready',
  'reconnecting',
  'stopped',
  'failed',
];

/**
 * Reports a `ShardManager`'s shards through OpenTelemetry metrics (`@opentelemetry/api`, an optional
 * peer dependency): shards per state, ready shards, gateway latency, reconnects and resumes by cause,
 * identifies and the identify gate's wait, dispatches by type, the outbound queue and its rate-limit
 * waits, and the session starts left. Gauges are read when the SDK collects (one pass over the
 * shards); events come from statecord's diagnostics channels and each shard's dispatch listener, at
 * the cost of a counter add per dispatch. See the README's metrics table for names and attributes.
 *
 * @example
 * ```ts
 * import { GatewayIntentBits, ShardManager } from 'statecord';
 * import { attachMetrics } from 'statecord/metrics';
 *
 * const manager = new ShardManager({ token: process.env.DISCORD_TOKEN!, intents: GatewayIntentBits.Guilds });
 * const handle = attachMetrics(manager); // after metrics.setGlobalMeterProvider(...)
 * // …
 * handle.detach();
 * ```
 */
export function attachMetrics(manager: ShardManager, options: MetricsOptions = {}): MetricsHandle {
  if (!(manager instanceof ShardManager)) {
    throw new InvalidArgumentError('attachMetrics needs a ShardManager');
  }
  const meter = options.meter ?? metrics.getMeter('statecord');
  if (typeof meter?.createCounter !== 'function' || typeof meter.addBatchObservableCallback !== 'function') {
    throw new InvalidArgumentError('meter must be an OpenTelemetry Meter', { option: 'meter' });
  }
  return new ManagerMetrics(manager, meter, options.attributes ?? {});
}

/** One manager's metrics: its shards' dispatch listeners, the channel subscriptions, the gauges. */
class ManagerMetrics implements MetricsHandle {
  readonly #manager: ShardManager;
  readonly #meter: Meter;
  readonly #base: Attributes;
  readonly #instruments: Instruments;
  /** Attributes per dispatch type and per reconnect cause, made once: no allocation per measurement. */
  readonly #dispatchAttributes = new Map<string, Attributes>();
  readonly #causeAttributes = new Map<ShardReconnectCause, Attributes>();
  readonly #stateAttributes: ReadonlyMap<ShardStatus, Attributes>;
  /** The shards wired (the manager replaces its array when it creates shards), and their listeners. */
  #wired: readonly Shard[] = [];
  #members = new Set<Shard>();
  #onDispatch = new Map<Shard, (payload: GatewayDispatchPayload) => void>();
  /** Each shard's last reconnect cause, for the resume that follows it. */
  readonly #lastCause = new WeakMap<Shard, ShardReconnectCause>();
  #detached = false;

  constructor(manager: ShardManager, meter: Meter, base: Attributes) {
    this.#manager = manager;
    this.#meter = meter;
    this.#base = base;
    this.#instruments = createInstruments(meter);
    this.#stateAttributes = new Map(
      statuses.map((status) => [status, { ...base, [metricAttributes.shardState]: status }]),
    );
    this.#rewire();
    diagnosticsChannel.subscribe(diagnosticsChannels.shardTransition, this.#onTransition);
    diagnosticsChannel.subscribe(diagnosticsChannels.shardIdentify, this.#onIdentify);
    diagnosticsChannel.subscribe(diagnosticsChannels.shardHeartbeat, this.#onHeartbeat);
    meter.addBatchObservableCallback(this.#observe, this.#observables());
  }

  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    diagnosticsChannel.unsubscribe(diagnosticsChannels.shardTransition, this.#onTransition);
    diagnosticsChannel.unsubscribe(diagnosticsChannels.shardIdentify, this.#onIdentify);
    diagnosticsChannel.unsubscribe(diagnosticsChannels.shardHeartbeat, this.#onHeartbeat);
    this.#meter.removeBatchObservableCallback(this.#observe, this.#observables());
    for (const [shard, listener] of this.#onDispatch) shard.gateway.off('dispatch', listener);
    this.#onDispatch.clear();
    this.#members.clear();
    this.#wired = [];
  }

  #observables() {
    const { shards, readyShards, outboundQueued, rateLimitWaits, sessionStartsRemaining } = this.#instruments;
    return [shards, readyShards, outboundQueued, rateLimitWaits, sessionStartsRemaining];
  }

  /** Whether a channel message is about one of this manager's shards (wiring shards created since). */
  #owns(shard: Shard): boolean {
    if (this.#detached) return false;
    if (this.#manager.shards !== this.#wired) this.#rewire();
    return this.#members.has(shard);
  }

  /** Follows the manager's current shards: a dispatch listener on each, none left on old ones. */
  #rewire(): void {
    const shards = this.#manager.shards;
    const next = new Map<Shard, (payload: GatewayDispatchPayload) => void>();
    for (const shard of shards) {
      let listener = this.#onDispatch.get(shard);
      if (listener === undefined) {
        listener = (payload) => this.#instruments.dispatches.add(1, this.#dispatchAttributesOf(payload.t));
        shard.gateway.on('dispatch', listener);
      }
      next.set(shard, listener);
    }
    for (const [shard, listener] of this.#onDispatch) {
      if (!next.has(shard)) shard.gateway.off('dispatch', listener);
    }
    this.#onDispatch = next;
    this.#members = new Set(shards);
    this.#wired = shards;
  }

  #dispatchAttributesOf(type: string): Attributes {
    let attributes = this.#dispatchAttributes.get(type);
    if (attributes === undefined) {
      attributes = { ...this.#base, [metricAttributes.dispatchType]: type };
      this.#dispatchAttributes.set(type, attributes);
    }
    return attributes;
  }

  #causeAttributesOf(cause: ShardReconnectCause): Attributes {
    let attributes = this.#causeAttributes.get(cause);
    if (attributes === undefined) {
      attributes = { ...this.#base, [metricAttributes.reconnectCause]: cause };
      this.#causeAttributes.set(cause, attributes);
    }
    return attributes;
  }

  readonly #onTransition = (message: unknown): void => {
    const { shard, from, to, cause } = message as ShardTransitionMessage;
    if (!this.#owns(shard)) return;
    if (to === 'reconnecting' && cause !== null) {
      this.#lastCause.set(shard, cause);
      this.#instruments.reconnects.add(1, this.#causeAttributesOf(cause));
    } else if (from === 'resuming' && to === 'ready') {
      // A saved session resumed at start-up had no reconnect before it.
      this.#instruments.resumes.add(1, this.#causeAttributesOf(this.#lastCause.get(shard) ?? 'other'));
    }
  };

  readonly #onIdentify = (message: unknown): void => {
    const { shard, gateWaitMs } = message as ShardIdentifyMessage;
    if (!this.#owns(shard)) return;
    this.#instruments.identifies.add(1, this.#base);
    this.#instruments.identifyGateWait.record(gateWaitMs, this.#base);
  };

  readonly #onHeartbeat = (message: unknown): void => {
    const { shard, latencyMs } = message as ShardHeartbeatMessage;
    if (this.#owns(shard)) this.#instruments.latency.record(latencyMs, this.#base);
  };

  /** The gauges, read in one pass over the shards when the SDK collects. */
  readonly #observe = (result: BatchObservableResult): void => {
    const counts = new Map<ShardStatus, number>(statuses.map((status) => [status, 0]));
    let queued = 0;
    let rateLimitWaits = 0;
    for (const shard of this.#manager.shards) {
      counts.set(shard.state, (counts.get(shard.state) ?? 0) + 1);
      const outbound = shard.outbound;
      queued += outbound.queued;
      rateLimitWaits += outbound.rateLimitWaits;
    }
    const { shards, readyShards, outboundQueued, sessionStartsRemaining } = this.#instruments;
    for (const [status, count] of counts) result.observe(shards, count, this.#stateAttributes.get(status));
    result.observe(readyShards, counts.get('ready') ?? 0, this.#base);
    result.observe(outboundQueued, queued, this.#base);
    result.observe(this.#instruments.rateLimitWaits, rateLimitWaits, this.#base);
    const budget = sessionBudget(this.#manager.identifyGate);
    if (budget !== null) result.observe(sessionStartsRemaining, budget.remaining, this.#base);
  };
}

/** The daily session-start budget a gate knows (`SessionStartGate`, `RedisIdentifyGate`), or null. */
function sessionBudget(gate: object): { readonly remaining: number } | null {
  if (!('budget' in gate)) return null;
  const budget = gate.budget;
  if (typeof budget !== 'object' || budget === null || !('remaining' in budget)) return null;
  const remaining = budget.remaining;
  return typeof remaining === 'number' ? { remaining } : null;
}
