import { performance } from 'node:perf_hooks';
import type { SnapshotFrom, StateValue } from 'xstate';
import type { GatewaySendPayload } from 'discord-api-types/v10';
import type { shardMachine, ShardEmitted, ShardFailureReason, ShardInput } from '../../machines/index.js';
import { GatewayTimeoutError, ListenerError, ShardStoppedError, shardFailureError } from '../errors.js';
import type { ShardFailureError } from '../errors.js';
import { OutboundSender } from '../gateway/outbound/index.js';
import { SequenceTracker } from '../gateway/sequence.js';
import type { ConnectionDeps, ConnectionObservation } from '../gateway/socket-actor.js';
import { GatewayHttp } from '../http/index.js';
import { createDefaultIdentifyGate } from '../manager/identify/default-gate.js';
import type { SessionStartGateEvents } from '../manager/identify/types.js';
import { validateShardOptions } from '../options/validate-shard-options.js';
import { reportUnheardWarning } from '../util/process-warning.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { PrimedIdentifyGate } from './primed-identify-gate.js';
import { standaloneHost } from './shard-host.js';
import type { ShardActorRef, ShardHost } from './shard-host.js';
import { ShardGateway } from './shard-gateway.js';
import { shardIdentity } from './shard-identity.js';
import type { ShardOptions, ShardSession } from './shard-options.js';
import { shardStatus } from './shard-status.js';
import type { ShardStatus } from './shard-status.js';
import { handledRejection, StartWaiters } from './start-waiters.js';
import { ShardVoice } from '../voice/shard-voice.js';
import { channels } from '../diagnostics/channels.js';
import { probeShard, shardSnapshotChanged } from '../diagnostics/shard-probe.js';
import { voiceActorId } from '../../machines/index.js';
import type { VoiceActorRef } from '../voice/voice-connection.js';
import { ShardDispatchRelay } from '../manager/shard-relay.js';
import type { ShardRelayTarget } from '../manager/shard-relay.js';

/** A shard's outbound command queue, as {@link Shard.outbound} reads it. */
export interface OutboundStats {
  /** Commands waiting to be sent (for the rate limit, or for the session to be live). */
  readonly queued: number;
  /** Times the outbound rate limit (120 frames per 60 s) made sends wait, since the shard was created. */
  readonly rateLimitWaits: number;
}

/** Events of a {@link Shard}. */
export interface ShardEvents {
  /** The first session of a `start()` is live (READY, or RESUMED for a saved session). */
  connected: {
    /** The live session's id. */
    readonly sessionId: string;
    /** True when a saved session was resumed (RESUMED), false for a new one (READY). */
    readonly resumed: boolean;
  };
  /** Live again after a reconnect. `isNewSession`: a new session; dispatches in between were lost (see `sessionLost`). */
  reconnected: {
    /** The live session's id. */
    readonly sessionId: string;
    /** True when the shard had to identify a new session; false when it resumed the old one. */
    readonly isNewSession: boolean;
  };
  /** A session could not be kept; Discord cannot replay what it held after `lastSequence`. */
  sessionLost: {
    /** The lost session's id. */
    readonly sessionId: string;
    /** The last dispatch sequence delivered in it; null when none was. */
    readonly lastSequence: number | null;
  };
  /** The shard failed for good (a fatal close code, or a token `GET /gateway/bot` rejected). */
  failure: {
    /** Why, by Discord's name for the close code (or `AuthenticationFailed` for a rejected token). */
    readonly reason: ShardFailureReason;
    /** The gateway close code; null when the token was rejected over HTTP. */
    readonly closeCode: number | null;
    /** The same failure as an error (what `start()` rejects with). */
    readonly error: ShardFailureError;
  };
  /** The lifecycle state changed. */
  stateChange: {
    /** The status before. */
    readonly from: ShardStatus;
    /** The status now. */
    readonly to: ShardStatus;
  };
  /**
   * Something went wrong that the shard recovers from by itself: a connection that failed or timed out,
   * an undecodable frame, a throwing listener. Without a `warning` listener these go to
   * `process.emitWarning`, once per error code.
   */
  warning: {
    /** What went wrong (a statecord error with a `code` where statecord raised it). */
    readonly error: Error;
    /** Where it happened and what the shard does about it, in words. */
    readonly context: string;
  };
  /**
   * The default identify gate used up the daily session-start budget and holds this shard's identify
   * until `resetAt` (Unix ms): going over would get the token reset (docs/protocol/gateway.md §5).
   */
  budgetExhausted: SessionStartGateEvents['budgetExhausted'];
}

/**
 * One gateway shard. Its lifecycle (connect, identify, resume, heartbeat, reconnect, fail) is decided
 * by `shardMachine` (statecord/machines); this class wires the machine to a `ws` socket.
 *
 * @example
 * ```ts
 * import { GatewayIntentBits, Shard } from 'statecord';
 *
 * const shard = new Shard({
 *   token: process.env.DISCORD_TOKEN!,
 *   intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages,
 * });
 * shard.gateway.on('MESSAGE_CREATE', (message) => console.log(message.content));
 * await shard.start();
 * ```
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
  /** The default gate of a standalone shard; asks `GET /gateway/bot` again on each start. */
  readonly #primedGate: PrimedIdentifyGate | null = null;
  /** Socket closes in progress; created on the first (an idle shard has none). */
  #closing: Set<Promise<void>> | null = null;
  #status: ShardStatus = 'idle';
  #latency: number | null = null;
  #failure: ShardFailureError | null = null;
  #hasBeenReady = false;
  readonly #startWaiters = new StartWaiters();
  readonly #host: ShardHost;
  readonly #random: () => number;
  /** Created by the first use of `voice`: most shards never join a voice channel. */
  #voice: ShardVoice | null = null;
  /** Sessions this shard has identified (a new one after the first means the old one was lost). */
  #sessionsIdentified = 0;
  /** The manager this shard reports to, before its own listeners; null for a standalone shard. */
  #relay: ShardRelayTarget | null = null;

  /** @param options - what to connect with; checked synchronously (`InvalidArgumentError` naming the option) */
  constructor(options: ShardOptions);
  /** A shard in a manager's actor system (`host`). @internal */
  constructor(options: ShardOptions, host: ShardHost | undefined);
  constructor(options: ShardOptions, host?: ShardHost) {
    super();
    const ownDefaultGate = host === undefined && options?.identifyGate === undefined;
    // A manager's shards are built from the options it validated (for the widest shard array): checking
    // them again per shard is most of what creating 10,000 shards costs beyond the shards themselves.
    if (host === undefined)
      validateShardOptions(options, ownDefaultGate && options.fetchGatewayInfo !== false);
    this.id = options.shardId ?? 0;
    this.shardCount = options.shardCount ?? 1;
    this.#sequence = new SequenceTracker(options.session?.sequence ?? null);
    this.#sender = new OutboundSender({});
    this.gateway = new ShardGateway({
      send: (payload: GatewaySendPayload) => this.#sender.send(payload, 'normal'),
      onListenerError: (event, error) =>
        this.#warn(new ListenerError(event, error), `a listener for "${event}" failed`),
      intents: options.intents,
      chunkTimeoutMs: options.memberChunkTimeoutMs ?? 15_000,
    });
    if (ownDefaultGate) this.#primedGate = this.#createDefaultGate(options);

    const shardHost = host ?? standaloneHost(options, options.identifyGate ?? this.#primedGate!);
    this.#host = shardHost;
    this.#random = options.random ?? Math.random;
    const deps: ConnectionDeps = {
      identity: shardIdentity(options, this.id, this.shardCount),
      compression: options.compress ?? 'zlib-stream',
      sequence: this.#sequence,
      sender: this.#sender,
      dispatches: this.gateway,
      observe: (observation) => this.#observe(observation),
      identifyGate: shardHost.identifyGate,
      identifyAnswered: () => {
        // The gate may be the user's: its fault is reported, never allowed into the connection.
        try {
          shardHost.identifyAnswered(this.id);
        } catch (error) {
          this.#warn(new ListenerError('identifyAnswered', error), 'the identify gate threw');
        }
      },
      now: performanceNow,
    };
    const session = options.session;
    const input: ShardInput = {
      shardId: this.id,
      gatewayUrl: options.gatewayUrl ?? 'wss://gateway.discord.gg',
      session: session ? { sessionId: session.sessionId, resumeUrl: session.resumeUrl } : null,
      ...(options.timing === undefined ? {} : { config: options.timing }),
    };
    this.#actor = shardHost.attach({ shardId: this.id, deps, input });
    probeShard(this.#actor, this);
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
    return {
      sessionId: ref.sessionId,
      sequence: this.#sequence.value,
      resumeUrl: ref.resumeUrl,
      shardCount: this.shardCount,
    };
  }

  /** The bot's user id, from READY; null before the first. */
  get userId(): string | null {
    return this.gateway.userId;
  }

  /**
   * The voice connections of this shard's guilds (Discore's `ShardVoiceManager`):
   * `await shard.voice.join(guildId, channelId)`.
   */
  get voice(): ShardVoice {
    this.#voice ??= this.#createVoice();
    return this.#voice;
  }

  /** Round trip of the last acknowledged heartbeat, in ms; null before the first. */
  get latency(): number | null {
    return this.#latency;
  }

  /** The outbound command queue: commands waiting to be sent, and how often the rate limit held them. */
  get outbound(): OutboundStats {
    return { queued: this.#sender.queued, rateLimitWaits: this.#sender.rateLimitWaits };
  }

  /** Why the shard failed, once it has. */
  get failure(): ShardFailureError | null {
    return this.#failure;
  }

  /**
   * Connects. Resolves when the session is live (READY, or RESUMED for a saved session); rejects with
   * a `ShardFailureError` if the shard fails first, or `ShardStoppedError` if it is stopped first. The
   * promise is marked handled: a failure is also reported as `failure`, so not awaiting it never
   * crashes the process.
   */
  start(): Promise<void> {
    const started = this.whenStarted();
    if (this.#failure === null && this.#status !== 'ready') {
      if (this.#status === 'idle' || this.#status === 'stopped') this.#primedGate?.refresh();
      this.#actor.send({ type: 'shard.start' });
    }
    return started;
  }

  /**
   * Fails a pending `start()` with this error (e.g. the manager stopped every shard because the
   * token was rejected on another one). @internal
   */
  rejectStart(error: Error): void {
    this.#startWaiters.settle(error);
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
   * shards itself). Marked handled, like `start()`'s. @internal
   */
  whenStarted(): Promise<void> {
    if (this.#failure !== null) return handledRejection(this.#failure);
    if (this.#status === 'ready') return Promise.resolve();
    return this.#startWaiters.add();
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
    this.#voice?.shardChanged('unavailable');
    const stopped = new ShardStoppedError();
    this.#startWaiters.settle(stopped);
    this.#sender.clear(stopped);
    this.gateway.failPending(stopped);
    if (this.#closing !== null) await Promise.all(this.#closing);
  }

  /**
   * Reports this shard's lifecycle events, warnings and (while wanted) dispatches to `target` before
   * its own listeners; null stops. A target hears every warning and failure, so the shard no longer
   * reports unheard ones itself. @internal
   */
  relayTo(target: ShardRelayTarget | null): void {
    this.#relay = target;
    this.gateway.relayTo(target === null ? null : new ShardDispatchRelay(this, target));
  }

  #createDefaultGate(options: ShardOptions): PrimedIdentifyGate {
    const gate = createDefaultIdentifyGate();
    gate.on('budgetExhausted', (event) => this.emit('budgetExhausted', event));
    const http =
      options.fetchGatewayInfo === false
        ? null
        : new GatewayHttp({
            token: options.token,
            ...(options.restUrl === undefined ? {} : { restUrl: options.restUrl }),
          });
    return new PrimedIdentifyGate(gate, http === null ? null : (signal) => http.getBot({ signal }), (error) =>
      this.#warn(
        error instanceof Error ? error : new Error(String(error)),
        'GET /gateway/bot failed; identifying with the default identify limits',
      ),
    );
  }

  #createVoice(): ShardVoice {
    const actor = this.#actor;
    const host = this.#host;
    return new ShardVoice({
      shardId: this.id,
      shardCount: this.shardCount,
      random: this.#random,
      openVoice: (input) => {
        if (actor.getSnapshot().status !== 'active') throw this.#failure ?? new ShardStoppedError();
        actor.send({ type: 'shard.openVoice', voice: input });
        const child = actor.system.get(voiceActorId(input.guildId)) as VoiceActorRef | undefined;
        if (child === undefined)
          throw new Error(`the shard machine did not start a voice actor for ${input.guildId}`);
        return child;
      },
      closeVoice: (guildId) => {
        if (actor.getSnapshot().status === 'active') actor.send({ type: 'shard.closeVoice', guildId });
      },
      registerVoice: (guildId, deps) => host.voice.set(guildId, deps),
      updateVoiceState: (guildId, channelId, selfMute, selfDeaf) =>
        this.gateway.updateVoiceState({
          guild_id: guildId,
          channel_id: channelId,
          self_mute: selfMute,
          self_deaf: selfDeaf,
        }),
      userId: () => this.gateway.userId,
      listen: ({ voiceState, voiceServer }) => {
        const offState = this.gateway.on('VOICE_STATE_UPDATE', voiceState);
        const offServer = this.gateway.on('VOICE_SERVER_UPDATE', voiceServer);
        return () => {
          offState();
          offServer();
        };
      },
    });
  }

  #wireMachine(): void {
    const actor = this.#actor;
    // One subscription for every emitted event: each `actor.on(type)` costs a Set and an observer per
    // shard (BENCHMARKS.md, memory).
    actor.on('*', (emitted) => this.#onEmitted(emitted));
    actor.subscribe({
      next: (snapshot) => {
        shardSnapshotChanged(actor, snapshot.value);
        const to = shardStatus(snapshot.value);
        if (to === this.#status) return;
        const from = this.#status;
        this.#status = to;
        const relay = this.#relay;
        if (relay !== null) {
          if (to === 'ready') relay.ready(this);
          else if (from === 'ready') relay.unready(this);
        }
        this.emit('stateChange', { from, to });
      },
      error: (error) => {
        // A machine error is a statecord bug; report it instead of crashing the process.
        const wrapped = error instanceof Error ? error : new Error(String(error));
        this.#warn(wrapped, 'the shard machine stopped with an error');
        this.#startWaiters.settle(wrapped);
      },
    });
  }

  #onEmitted(emitted: ShardEmitted): void {
    switch (emitted.type) {
      case 'session.identified':
        // A new session after an earlier one: the voice sessions tied to the old one are gone (§1.2).
        if (this.#sessionsIdentified++ > 0) this.#voice?.shardChanged('sessionReplaced');
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
      case 'connection.timedOut': {
        const config = this.#actor.getSnapshot().context.config;
        const timeoutMs = {
          hello: config.helloTimeoutMs,
          ready: config.readyTimeoutMs,
          resumed: config.resumeTimeoutMs,
        }[emitted.awaited];
        this.#warn(new GatewayTimeoutError(emitted.awaited, timeoutMs), 'the gateway did not answer in time');
        return;
      }
      case 'shard.failed': {
        const { reason, closeCode } = emitted;
        const error = shardFailureError(reason, closeCode);
        this.#failure = error;
        // Final: the sender never reopens, so later commands reject at once instead of waiting forever.
        this.#sender.close(error);
        this.gateway.failPending(error);
        this.#startWaiters.settle(error);
        this.#voice?.shardChanged('unavailable');
        const event = { reason, closeCode, error };
        const relay = this.#relay;
        relay?.failure(this, event);
        // Nobody listening for failure (the manager reports its own): it must not pass unnoticed.
        if (!this.emit('failure', event) && relay === null) this.#warn(error, 'the shard failed for good');
        return;
      }
    }
  }

  #becameReady(sessionId: string, resumed: boolean): void {
    this.#startWaiters.settle(null);
    // Live again after a stop with its session resumed: the voice connections the stop took down may
    // rejoin (a new session tells them in 'session.identified').
    if (!this.#hasBeenReady && resumed) this.#voice?.shardChanged('sessionReplaced');
    if (!this.#hasBeenReady) {
      this.#hasBeenReady = true;
      this.emit('connected', { sessionId, resumed });
      return;
    }
    const event = { sessionId, isNewSession: !resumed };
    this.#relay?.reconnected(this, event);
    this.emit('reconnected', event);
  }

  #observe(observation: ConnectionObservation): void {
    switch (observation.type) {
      case 'heartbeat.acked':
        this.#latency = observation.latencyMs;
        if (channels.heartbeat.hasSubscribers) {
          channels.heartbeat.publish({ shard: this, shardId: this.id, latencyMs: observation.latencyMs });
        }
        return;
      case 'heartbeat.sent':
        return;
      case 'frame.undecodable':
        this.#warn(observation.error, 'an inbound frame could not be decoded; reconnecting');
        return;
      case 'socket.error':
        this.#warn(observation.error, 'the gateway connection failed; reconnecting');
        return;
      case 'socket.closing': {
        const closing = (this.#closing ??= new Set());
        const closed = observation.closed.finally(() => closing.delete(closed));
        closing.add(closed);
        return;
      }
    }
  }

  /** Reports a recovered fault: to `warning` listeners, or to Node's warning channel when there are none. */
  #warn(error: Error, context: string): void {
    const event = { error, context };
    const relay = this.#relay;
    relay?.warning(this, event);
    if (!this.emit('warning', event) && relay === null) reportUnheardWarning(error, context);
  }

  protected override onListenerError(event: string, error: unknown): void {
    const wrapped = new ListenerError(event, error);
    // A failing warning listener cannot be told about itself: Node's channel takes it.
    if (event === 'warning') reportUnheardWarning(wrapped);
    else this.#warn(wrapped, `a listener for "${event}" failed`);
  }
}

/** The clock of every shard's connections (one function, not a closure per shard). */
function performanceNow(): number {
  return performance.now();
}
