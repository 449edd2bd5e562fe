import { GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import type {
  GatewayDispatchPayload,
  GatewayPresenceUpdateData,
  GatewaySendPayload,
  GatewayVoiceStateUpdateData,
  Snowflake,
} from 'discord-api-types/v10';
import { InvalidArgumentError } from '../errors.js';
import { MAX_TIMER_MS } from '../options/checks.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { ShardDispatchEvents } from './dispatch-events.js';
import { memberRequestError } from './member-request-checks.js';
import { MemberRequests } from './member-requests.js';
import type { GuildMembersResult, RequestGuildMembersOptions } from './member-requests.js';

/**
 * Where a shard's dispatches go besides its own listeners (its manager's `dispatch` event): called
 * after the type's listeners and before the `dispatch` listeners, isolated like a listener. @internal
 */
export interface DispatchRelay {
  /** Whether the relay wants dispatches now (someone listens to the manager's `dispatch`). */
  readonly wants: () => boolean;
  readonly deliver: (payload: GatewayDispatchPayload) => void;
}

/** Sends a user command through the shard's rate-limited sender. @internal */
export type CommandSender = (payload: GatewaySendPayload) => Promise<void>;

/**
 * `shard.gateway`: the shard's dispatches as typed events, and the commands a bot sends.
 * Commands wait while the shard is not ready (they are kept across reconnects and sent once the
 * session is live) and are paced to Discord's 120 per 60 s. They reject with `PayloadTooLargeError`
 * for a payload over 4096 bytes, and with `ShardStoppedError` when the shard stops first.
 *
 * @example
 * ```ts
 * import { PresenceUpdateStatus } from 'statecord';
 * import type { Shard } from 'statecord';
 *
 * declare const shard: Shard; // a started shard
 * shard.gateway.on('MESSAGE_CREATE', (message) => console.log(message.content));
 * await shard.gateway.updateStatus({ status: PresenceUpdateStatus.Online, since: null, afk: false, activities: [] });
 * ```
 */
export class ShardGateway extends TypedEmitter<ShardDispatchEvents> {
  readonly #send: CommandSender;
  /** Created by the first member request; most shards never make one (BENCHMARKS.md, memory). */
  #members: MemberRequests | null = null;
  readonly #onListenerError: (event: string, error: unknown) => void;
  /** The intents the shard identifies with: some requests are impossible without one. */
  readonly #intents: number;
  readonly #chunkTimeoutMs: number;
  #relay: DispatchRelay | null = null;
  #userId: string | null = null;
  /** Told when the set of wanted dispatch types may have changed (worker sharding). */
  #onInterestChange: (() => void) | null = null;

  /** @internal */
  constructor(options: {
    readonly send: CommandSender;
    readonly onListenerError: (event: string, error: unknown) => void;
    readonly intents: number;
    /** Default wait for each GUILD_MEMBERS_CHUNK. */
    readonly chunkTimeoutMs: number;
  }) {
    super();
    this.#send = options.send;
    this.#onListenerError = options.onListenerError;
    this.#intents = options.intents;
    this.#chunkTimeoutMs = options.chunkTimeoutMs;
  }

  /** op 3: sets the bot's presence. */
  updateStatus(presence: GatewayPresenceUpdateData): Promise<void> {
    return this.#send({ op: GatewayOpcodes.PresenceUpdate, d: presence });
  }

  /** op 4: joins, moves or leaves (`channel_id: null`) a voice channel. */
  updateVoiceState(state: GatewayVoiceStateUpdateData): Promise<void> {
    return this.#send({ op: GatewayOpcodes.VoiceStateUpdate, d: state });
  }

  /**
   * op 8: requests guild members; resolves with every GUILD_MEMBERS_CHUNK of this request (matched
   * by a nonce statecord sets). Rejects with `RequestTimeoutError` when no chunk arrives for
   * `chunkTimeoutMs` (default: the shard's `memberChunkTimeoutMs`, 15 s), and with `GatewayRateLimitedError` on a RATE_LIMITED answer. A request Discord
   * would never answer rejects at once: `MissingIntentError` for the whole member list without
   * GUILD_MEMBERS or for presences without GUILD_PRESENCES, `InvalidArgumentError` for a malformed one.
   */
  requestGuildMembers(
    request: RequestGuildMembersOptions,
    options: { chunkTimeoutMs?: number } = {},
  ): Promise<GuildMembersResult> {
    const impossible =
      memberRequestError(request, this.#intents) ?? chunkTimeoutError(options.chunkTimeoutMs);
    if (impossible !== null) return Promise.reject(impossible);
    this.#members ??= new MemberRequests(this.#send);
    return this.#members.request(request, options.chunkTimeoutMs ?? this.#chunkTimeoutMs);
  }

  /** op 31: asks for the soundboard sounds of guilds; each arrives as a `SOUNDBOARD_SOUNDS` dispatch. */
  requestSoundboardSounds(guildIds: readonly Snowflake[]): Promise<void> {
    return this.#send({ op: GatewayOpcodes.RequestSoundboardSounds, d: { guild_ids: [...guildIds] } });
  }

  /**
   * Whether a dispatch of this type would reach anyone now: a listener for the type or for every
   * dispatch (`dispatch`), the manager's relay, or a pending member request. Asked before a dispatch
   * is parsed (selective decoding): one nobody wants is not parsed at all, and a listener added at
   * any time gets its type from the next dispatch on. @internal
   */
  wants(type: string): boolean {
    return (
      this.listenerCount(type as keyof ShardDispatchEvents) > 0 ||
      this.listenerCount('dispatch') > 0 ||
      (this.#relay?.wants() ?? false) ||
      (this.#members?.waitsFor(type) ?? false)
    );
  }

  /** Whether every dispatch reaches someone now: a `dispatch` listener, or the manager's relay. @internal */
  wantsAll(): boolean {
    return this.listenerCount('dispatch') > 0 || (this.#relay?.wants() ?? false);
  }

  /** Sets (or with null removes) where dispatches are relayed besides the listeners. @internal */
  relayTo(relay: DispatchRelay | null): void {
    this.#relay = relay;
    this.#onInterestChange?.();
  }

  /**
   * The dispatch types with a listener now (for a worker thread that drops the others unread);
   * GUILD_MEMBERS_CHUNK is always named, as member requests wait for it. @internal
   */
  wantedTypes(): string[] {
    const types = this.listenedEvents().filter((event) => event !== 'dispatch');
    if (!types.includes('GUILD_MEMBERS_CHUNK')) types.push('GUILD_MEMBERS_CHUNK');
    return types;
  }

  /** Calls `listener` when the wanted dispatch types may have changed (null: stop). @internal */
  onInterestChange(listener: (() => void) | null): void {
    this.#onInterestChange = listener;
  }

  protected override onListenedChanged(): void {
    this.#onInterestChange?.();
  }

  /** The bot's user id, from the last READY; null before the first. @internal */
  get userId(): string | null {
    return this.#userId;
  }

  /** Delivers one dispatch to listeners (the hot path). @internal */
  deliver(payload: GatewayDispatchPayload): void {
    // The bot's user id: voice connections identify with it (docs/protocol/voice.md §1.2).
    if (payload.t === GatewayDispatchEvents.Ready) this.#userId = payload.d.user.id;
    this.#members?.observe(payload);
    this.emit(payload.t, payload.d);
    const relay = this.#relay;
    if (relay !== null && relay.wants()) {
      try {
        relay.deliver(payload);
      } catch (error) {
        this.#onListenerError('dispatch', error);
      }
    }
    this.emit('dispatch', payload);
  }

  /** Fails pending member requests. @internal */
  failPending(error: Error): void {
    this.#members?.failAll(error);
  }

  protected override onListenerError(event: string, error: unknown): void {
    this.#onListenerError(event, error);
  }
}

function chunkTimeoutError(ms: number | undefined): Error | null {
  if (ms === undefined || (Number.isFinite(ms) && ms >= 1 && ms <= MAX_TIMER_MS)) return null;
  return new InvalidArgumentError(`chunkTimeoutMs must be a number of milliseconds in [1, ${MAX_TIMER_MS}]`);
}
