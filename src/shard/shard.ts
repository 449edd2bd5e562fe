import { performance } from 'node:perf_hooks';
import type { SnapshotFrom, StateValue } from 'xstate';
import type { GatewayDispatchPayload, GatewaySendPayload } from 'discord-api-types/v10';
import type { shardMachine, ShardFailureReason, ShardInput } from '../../machines/index.js';
import {
  InvalidArgumentError,
  ShardStoppedError,
  StatecordError,
  UnsupportedCompressionError,
  shardFailureError,
} from '../errors.js';
import { isZstdStreamSupported } from '../gateway/codec/index.js';
import type { ShardFailureError } from '../errors.js';
import { OutboundSender } from '../gateway/outbound/index.js';
import { SequenceTracker } from '../gateway/sequence.js';
import type { ConnectionDeps, ConnectionObservation } from '../gateway/socket-actor.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { standaloneHost } from './shard-host.js';
import type { ShardActorRef, ShardHost } from './shard-host.js';
import { ShardGateway } from './shard-gateway.js';
import type { ShardOptions, ShardSession } from './shard-options.js';
import { shardStatus } from './shard-status.js';
import type { ShardStatus } from './shard-status.js';

/** Events of a {@link Shard}. */
export interface ShardEvents {
  /** The first session of a `start()` is live (READY, or RESUMED for a saved session). */
  connected: { readonly sessionId: string; readonly resumed: boolean };
  /** Live again after a reconnect. `isNewSession`: a new session; dispatches in between were lost (see `sessionLost`). */
  reconnected: { readonly sessionId: string; readonly isNewSession: boolean };
  /** A session could not be kept; Discord cannot replay what it held after `lastSequence`. */
  sessionLost: { readonly sessionId: string; readonly lastSequence: number | null };
  /** The shard failed for good (a fatal close code). */
  failure: {
    readonly reason: ShardFailureReason;
    readonly closeCode: number | null;
    readonly error: ShardFailureError;
  };
  /** The lifecycle state changed. */
  stateChange: { readonly from: ShardStatus; readonly to: ShardStatus };
  /** Something went wrong that the shard recovers from by itself (an undecodable frame, a socket error, a throwing listener). */
  warning: { readonly error: Error; readonly context: string };
}

/**
 * One gateway shard. Its lifecycle (connect, identify, resume, heartbeat, reconnect, fail) is decided
 * by `shardMachine` (statecord/machines); this class wires the machine to a `ws` socket.
 *
 * @example
 * const shard = new Shard({ token, intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages });
 * shard.gateway.on('MESSAGE_CREATE', (message) => console.log(message.content));
 * await shard.start();
 */
export class Shard extends TypedEmitter<ShardEvents> {
  /** Zero-based shard id. */
  readonly id: number;
  /** Total shard count this shard identifies with. */
  readonly shardCount: number;
  /** Dispatch events and commands. */
  readonly gateway: ShardGateway;

  readonly #actor: ShardActorRef;
  readonly #sequence: SequenceTracker;
  readonly #sender: OutboundSender;
  /** Socket closes in progress; created on the first (an idle shard has none). */
  #closing: Set<Promise<void>> | null = null;
  #status: ShardStatus = 'idle';
  #latency: number | null = null;
  #failure: ShardFailureError | null = null;
  #hasBeenReady = false;
  #startWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  /**
   * @param options - what to connect with
   * @param host - where the shard's actor lives: its own actor by default, or a manager's system. @internal
   */
  constructor(options: ShardOptions, host?: ShardHost) {
    super();
    validateOptions(options);
    this.id = options.shardId ?? 0;
    this.shardCount = options.shardCount ?? 1;
    this.#sequence = new SequenceTracker(options.session?.sequence ?? null);
    this.#sender = new OutboundSender({});
    this.gateway = new ShardGateway(
      (payload: GatewaySendPayload) => this.#sender.send(payload, 'normal'),
      (event, error) => this.#warn(error, `a listener for "${event}" threw`),
    );

    const shardHost = host ?? standaloneHost(options);
    const deps: ConnectionDeps = {
      identity: {
        token: options.token,
        intents: options.intents,
        shard: [this.id, this.shardCount],
        properties: {
          os: process.platform,
          browser: 'statecord',
          device: 'statecord',
          ...options.properties,
        },
        ...(options.presence === undefined ? {} : { presence: options.presence }),
        ...(options.largeThreshold === undefined ? {} : { largeThreshold: options.largeThreshold }),
      },
      compression: options.compress ?? 'zlib-stream',
      sequence: this.#sequence,
      sender: this.#sender,
      dispatch: (payload: GatewayDispatchPayload) => this.gateway.deliver(payload),
      observe: (observation) => this.#observe(observation),
      identifyAnswered: () => shardHost.identifyAnswered(this.id),
      now: () => performance.now(),
    };
    const session = options.session;
    const input: ShardInput = {
      shardId: this.id,
      gatewayUrl: options.gatewayUrl ?? 'wss://gateway.discord.gg',
      session: session ? { sessionId: session.sessionId, resumeUrl: session.resumeUrl } : null,
      ...(options.timing === undefined ? {} : { config: options.timing }),
    };
    this.#actor = shardHost.attach({ shardId: this.id, deps, input });
    this.#wireMachine();
  }

  /** The lifecycle state: `idle`, `connecting`, `identifying`, `resuming`, `ready`, `reconnecting`, `stopped` or `failed`. */
  get state(): ShardStatus {
    return this.#status;
  }

  /** The machine's full state value (e.g. `{ connection: { lifecycle: 'ready', heartbeat: 'beating' } }`). */
  get stateValue(): StateValue {
    return this.#actor.getSnapshot().value;
  }

  /** The machine snapshot (for tests and tools; its context holds no secrets). */
  get snapshot(): SnapshotFrom<typeof shardMachine> {
    return this.#actor.getSnapshot();
  }

  /** The current session, serialisable, to resume later (also in another process); null without one. */
  get session(): ShardSession | null {
    const ref = this.#actor.getSnapshot().context.session;
    if (ref === null) return null;
    return { sessionId: ref.sessionId, sequence: this.#sequence.value, resumeUrl: ref.resumeUrl };
  }

  /** Round trip of the last acknowledged heartbeat, in ms; null before the first. */
  get latency(): number | null {
    return this.#latency;
  }

  /** Why the shard failed, once it has. */
  get failure(): ShardFailureError | null {
    return this.#failure;
  }

  /**
   * Connects. Resolves when the session is live (READY, or RESUMED for a saved session); rejects with
   * a `ShardFailureError` if the shard fails first, or `ShardStoppedError` if it is stopped first.
   */
  start(): Promise<void> {
    const started = this.whenStarted();
    if (this.#failure === null && this.#status !== 'ready') this.#actor.send({ type: 'shard.start' });
    return started;
  }

  /**
   * Fails a pending `start()` with this error (e.g. the manager stopped every shard because the
   * token was rejected on another one). @internal
   */
  rejectStart(error: Error): void {
    this.#settleStart(error);
  }

  /**
   * Hands a stopped (or never started) shard a saved session: its next start resumes it. @internal
   */
  adoptSession(session: ShardSession | null): void {
    const event = {
      type: 'shard.adoptSession' as const,
      session: session === null ? null : { sessionId: session.sessionId, resumeUrl: session.resumeUrl },
    };
    // The machine decides where a session may be adopted; the sequence follows only if it accepts.
    if (!this.#actor.getSnapshot().can(event)) return;
    this.#sequence.restart(session?.sequence ?? null);
    this.#actor.send(event);
  }

  /**
   * A promise like `start()`'s, for a start requested elsewhere (the manager machine starts its
   * shards itself). @internal
   */
  whenStarted(): Promise<void> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    if (this.#status === 'ready') return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.#startWaiters.push({ resolve, reject }));
  }

  /**
   * Disconnects. With `resumable: true` the session is kept (closed with a non-1000 code) so that it
   * can be resumed later through `session`; otherwise it ends (close 1000, the bot goes offline).
   * Resolves when the socket is closed. Queued commands and pending requests reject with `ShardStoppedError`.
   */
  async stop(options: { resumable?: boolean } = {}): Promise<void> {
    // A failed shard's machine is final: there is nothing left to stop.
    if (this.#actor.getSnapshot().status === 'active') {
      this.#actor.send({ type: 'shard.stop', resumable: options.resumable ?? false });
    }
    // The next start() begins a new run: its first live session is `connected` again.
    this.#hasBeenReady = false;
    const stopped = new ShardStoppedError();
    this.#settleStart(stopped);
    this.#sender.clear(stopped);
    this.gateway.failPending(stopped);
    if (this.#closing !== null) await Promise.all(this.#closing);
  }

  #wireMachine(): void {
    const actor = this.#actor;
    // One subscription for every emitted event: each `actor.on(type)` costs a Set and an observer per
    // shard (BENCHMARKS.md, memory).
    actor.on('*', (emitted) => {
      switch (emitted.type) {
        case 'session.identified':
          this.#becameReady(emitted.sessionId, false);
          return;
        case 'session.resumed':
          this.#becameReady(emitted.sessionId, true);
          return;
        case 'session.lost': {
          const lastSequence = this.#sequence.value;
          this.#sequence.reset();
          this.emit('sessionLost', { sessionId: emitted.sessionId, lastSequence });
          return;
        }
        case 'shard.failed': {
          const { reason, closeCode } = emitted;
          const error = shardFailureError(reason, closeCode);
          this.#failure = error;
          // Final: the sender never reopens, so later commands reject at once instead of waiting forever.
          this.#sender.close(error);
          this.gateway.failPending(error);
          this.#settleStart(error);
          this.emit('failure', { reason, closeCode, error });
          return;
        }
      }
    });
    actor.subscribe({
      next: (snapshot) => {
        const to = shardStatus(snapshot.value);
        if (to === this.#status) return;
        const from = this.#status;
        this.#status = to;
        this.emit('stateChange', { from, to });
      },
      error: (error) => {
        // A machine error is a statecord bug; report it instead of crashing the process.
        const wrapped = error instanceof Error ? error : new Error(String(error));
        this.#warn(wrapped, 'the shard machine stopped with an error');
        this.#settleStart(wrapped);
      },
    });
  }

  #becameReady(sessionId: string, resumed: boolean): void {
    if (!this.#hasBeenReady) {
      this.#hasBeenReady = true;
      this.#settleStart(null);
      this.emit('connected', { sessionId, resumed });
      return;
    }
    this.#settleStart(null);
    this.emit('reconnected', { sessionId, isNewSession: !resumed });
  }

  #settleStart(error: Error | null): void {
    const waiters = this.#startWaiters;
    this.#startWaiters = [];
    for (const waiter of waiters) {
      if (error === null) waiter.resolve();
      else waiter.reject(error);
    }
  }

  #observe(observation: ConnectionObservation): void {
    switch (observation.type) {
      case 'heartbeat.acked':
        this.#latency = observation.latencyMs;
        return;
      case 'heartbeat.sent':
        return;
      case 'frame.undecodable':
        this.#warn(observation.error, 'an inbound frame could not be decoded; reconnecting');
        return;
      case 'socket.error':
        this.#warn(observation.error, 'socket error');
        return;
      case 'socket.closing': {
        const closing = (this.#closing ??= new Set());
        const closed = observation.closed.finally(() => closing.delete(closed));
        closing.add(closed);
        return;
      }
    }
  }

  #warn(error: unknown, context: string): void {
    const wrapped =
      error instanceof Error ? error : new StatecordError('STATECORD_ERR_DECODE', String(error));
    try {
      this.emit('warning', { error: wrapped, context });
    } catch {
      // A throwing warning listener must not take the connection down.
    }
  }

  protected override onListenerError(event: string, error: unknown): void {
    if (event === 'warning') return;
    this.#warn(error, `a listener for "${event}" threw`);
  }
}

function validateOptions(options: ShardOptions): void {
  if (options.compress === 'zstd-stream' && !isZstdStreamSupported()) {
    throw new UnsupportedCompressionError('zstd-stream');
  }
  if (typeof options.token !== 'string' || options.token.length === 0) {
    throw new InvalidArgumentError('token must be a non-empty string');
  }
  if (!Number.isInteger(options.intents) || options.intents < 0) {
    throw new InvalidArgumentError('intents must be a non-negative integer bitfield');
  }
  if (options.gatewayUrl !== undefined && !isWebSocketUrl(options.gatewayUrl)) {
    throw new InvalidArgumentError('gatewayUrl must be a ws:// or wss:// URL');
  }
  if (
    options.largeThreshold !== undefined &&
    (!Number.isInteger(options.largeThreshold) || options.largeThreshold < 50 || options.largeThreshold > 250)
  ) {
    throw new InvalidArgumentError('largeThreshold must be an integer in [50, 250]');
  }
  const shardId = options.shardId ?? 0;
  const shardCount = options.shardCount ?? 1;
  if (!Number.isInteger(shardCount) || shardCount < 1) {
    throw new InvalidArgumentError('shardCount must be an integer ≥ 1');
  }
  if (!Number.isInteger(shardId) || shardId < 0 || shardId >= shardCount) {
    throw new InvalidArgumentError(`shardId must be an integer in [0, ${shardCount - 1}]`);
  }
}

function isWebSocketUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'ws:' || url.protocol === 'wss:';
  } catch {
    return false;
  }
}
