import { GatewayOpcodes } from 'discord-api-types/v10';
import type {
  GatewayDispatchPayload,
  GatewayPresenceUpdateData,
  GatewaySendPayload,
  GatewayVoiceStateUpdateData,
  Snowflake,
} from 'discord-api-types/v10';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { ShardDispatchEvents } from './dispatch-events.js';
import { MemberRequests } from './member-requests.js';
import type { GuildMembersResult, RequestGuildMembersOptions } from './member-requests.js';

/** Sends a user command through the shard's rate-limited sender. @internal */
export type CommandSender = (payload: GatewaySendPayload) => Promise<void>;

/**
 * `shard.gateway`: the shard's dispatches as typed events, and the commands a bot sends.
 * Commands wait while the shard is not ready (they are kept across reconnects and sent once the
 * session is live) and are paced to Discord's 120 per 60 s. They reject with `PayloadTooLargeError`
 * for a payload over 4096 bytes, and with `ShardStoppedError` when the shard stops first.
 *
 * @example
 * shard.gateway.on('MESSAGE_CREATE', (message) => console.log(message.content));
 * await shard.gateway.updateStatus({ status: 'online', since: null, afk: false, activities: [] });
 */
export class ShardGateway extends TypedEmitter<ShardDispatchEvents> {
  readonly #send: CommandSender;
  /** Created by the first member request; most shards never make one (BENCHMARKS.md, memory). */
  #members: MemberRequests | null = null;
  readonly #onListenerError: (event: string, error: unknown) => void;

  /** @internal */
  constructor(send: CommandSender, onListenerError: (event: string, error: unknown) => void) {
    super();
    this.#send = send;
    this.#onListenerError = onListenerError;
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
   * `chunkTimeoutMs`, and with `GatewayRateLimitedError` on a RATE_LIMITED answer.
   */
  requestGuildMembers(
    request: RequestGuildMembersOptions,
    options: { chunkTimeoutMs?: number } = {},
  ): Promise<GuildMembersResult> {
    this.#members ??= new MemberRequests(this.#send);
    return this.#members.request(request, options.chunkTimeoutMs ?? 15_000);
  }

  /** op 31: asks for the soundboard sounds of guilds; each arrives as a `SOUNDBOARD_SOUNDS` dispatch. */
  requestSoundboardSounds(guildIds: readonly Snowflake[]): Promise<void> {
    return this.#send({ op: GatewayOpcodes.RequestSoundboardSounds, d: { guild_ids: [...guildIds] } });
  }

  /** Delivers one dispatch to listeners (the hot path). @internal */
  deliver(payload: GatewayDispatchPayload): void {
    this.#members?.observe(payload);
    this.emit(payload.t, payload.d);
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
