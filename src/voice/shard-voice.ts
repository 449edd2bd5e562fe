import type {
  GatewayVoiceServerUpdateDispatchData,
  GatewayVoiceStateUpdateDispatchData,
} from 'discord-api-types/v10';
import type { VoiceTimingConfig } from '../../machines/index.js';
import { InvalidArgumentError, UnknownGuildError, VoiceAlreadyJoinedError } from '../errors.js';
import { DAVE_PROTOCOL_VERSION } from '@snazzah/davey';
import { createDaveHooks } from './dave/dave-frames.js';
import { VoiceDaveSession } from './dave/dave-session.js';
import { shardOfGuild } from './guild-shard.js';
import { VoiceConnection } from './voice-connection.js';
import type { VoiceActorRef } from './voice-connection.js';
import type { VoiceConnectionDeps } from './voice-deps.js';
import { VoiceMedia } from './voice-media.js';
import { voiceUrl } from './voice-url.js';

/** Options of a voice join. */
export interface VoiceJoinOptions {
  /** Join muted. Default false. */
  readonly selfMute?: boolean;
  /** Join deafened: Discord then sends no audio to the bot. Default false. */
  readonly selfDeaf?: boolean;
  /** Lifecycle timeouts and retry bounds of this connection. */
  readonly timing?: Partial<VoiceTimingConfig>;
  /**
   * DAVE end-to-end encryption (docs/protocol/voice.md §4). Default true. `false` offers
   * `max_dave_protocol_version: 0`, which Discord accepts only in stage channels: elsewhere it closes
   * with 4017 and the connection is disconnected with failure `E2EERequired` (no retry).
   */
  readonly daveEncryption?: boolean;
  /** Consecutive undecryptable frames (outside transitions) before DAVE recovers with op 31. Default 36. */
  readonly decryptionFailureTolerance?: number;
}

/** What a {@link ShardVoice} needs of its shard. @internal */
export interface VoiceShardLink {
  readonly shardId: number;
  readonly shardCount: number;
  /** The shard's actor system: voice actors are its children. */
  openVoice(input: {
    guildId: string;
    channelId: string;
    selfMute: boolean;
    selfDeaf: boolean;
    config?: Partial<VoiceTimingConfig>;
  }): VoiceActorRef;
  closeVoice(guildId: string): void;
  /** Registers the dependencies of a guild's voice actors (looked up by guild id). */
  registerVoice(guildId: string, deps: VoiceConnectionDeps | null): void;
  /** op 4 on the main gateway (queued while the shard is not ready). */
  updateVoiceState(
    guildId: string,
    channelId: string | null,
    selfMute: boolean,
    selfDeaf: boolean,
  ): Promise<void>;
  /** The bot's user id, from READY; null before. */
  userId(): string | null;
  /** Listens to the shard's voice dispatches; returns the function that stops listening. */
  listen(handlers: {
    readonly voiceState: (data: GatewayVoiceStateUpdateDispatchData) => void;
    readonly voiceServer: (data: GatewayVoiceServerUpdateDispatchData) => void;
  }): () => void;
  readonly random: () => number;
}

/**
 * `shard.voice`: the voice connections of the guilds this shard holds (Discore's `ShardVoiceManager`).
 * One connection per guild; each is a child actor of the shard's actor, so inspection and the
 * visualizer see it.
 */
export class ShardVoice {
  readonly #link: VoiceShardLink;
  readonly #connections = new Map<
    string,
    { readonly connection: VoiceConnection; readonly setToken: (token: string) => void }
  >();
  #unlisten: (() => void) | null = null;

  /** @internal */
  constructor(link: VoiceShardLink) {
    this.#link = link;
  }

  /** The live voice connections, by guild id. */
  get connections(): ReadonlyMap<string, VoiceConnection> {
    return new Map([...this.#connections].map(([guildId, entry]) => [guildId, entry.connection]));
  }

  /** The voice connection of a guild, if it has one. */
  get(guildId: string): VoiceConnection | undefined {
    return this.#connections.get(guildId)?.connection;
  }

  /**
   * Joins a voice channel: op 4 through this shard, then the voice gateway and UDP. Resolves with the
   * connection once it is ready. Throws `UnknownGuildError` for a guild another shard holds and
   * `VoiceAlreadyJoinedError` when the guild has a connection; rejects with `VoiceDisconnectedError`
   * if it cannot connect, and with `VoiceLeftError` if `leave()` comes first.
   */
  async join(guildId: string, channelId: string, options: VoiceJoinOptions = {}): Promise<VoiceConnection> {
    const connection = this.open(guildId, channelId, options);
    await connection.whenReady();
    return connection;
  }

  /** Like {@link join}, without waiting for ready. @internal */
  open(guildId: string, channelId: string, options: VoiceJoinOptions = {}): VoiceConnection {
    checkSnowflake('guildId', guildId);
    checkSnowflake('channelId', channelId);
    checkDaveOptions(options);
    const owner = shardOfGuild(guildId, this.#link.shardCount);
    if (owner !== this.#link.shardId) {
      throw new UnknownGuildError(
        guildId,
        `guild ${guildId} is on shard ${owner}, not on shard ${this.#link.shardId}`,
      );
    }
    if (this.#connections.has(guildId)) throw new VoiceAlreadyJoinedError(guildId);

    let connection: VoiceConnection | null = null;
    let token: string | null = null;
    let media: VoiceMedia | null = null;
    const dave = new VoiceDaveSession(
      {
        userId: () => this.#link.userId() ?? '',
        channelId: () => connection?.channelId ?? channelId,
        warn: (error, context) => connection?.warn(error, context),
        changed: (state) => connection?.e2eeChanged(state),
        decryptFailing: () => connection?.daveDecryptFailing(),
        sendable: (ready) => media?.setEndToEndReady(ready),
      },
      options.decryptionFailureTolerance,
    );
    media = new VoiceMedia({
      random: this.#link.random,
      warn: (error, context) => connection?.warn(error, context),
      transform: dave,
    });
    const deps: VoiceConnectionDeps = {
      guildId,
      userId: () => this.#link.userId() ?? '',
      token: () => token ?? '',
      url: voiceUrl,
      media,
      sequence: { value: -1 },
      maxDaveProtocolVersion: options.daveEncryption === false ? 0 : DAVE_PROTOCOL_VERSION,
      dave: createDaveHooks(dave),
      daveSession: dave,
      observe: (observation) => {
        if (observation.type === 'heartbeat.acked') connection?.observePing(observation.latencyMs);
        else if (observation.type === 'warning') connection?.warn(observation.error, observation.context);
        // Only users the voice gateway announced may be added to the DAVE group (§4.4).
        else if (observation.type === 'clients.connected')
          for (const id of observation.userIds) dave.recognised.add(id);
        else dave.recognised.delete(observation.userId);
      },
      now: () => Date.now(),
    };
    this.#link.registerVoice(guildId, deps);
    const actor = this.#link.openVoice({
      guildId,
      channelId,
      selfMute: options.selfMute ?? false,
      selfDeaf: options.selfDeaf ?? false,
      ...(options.timing === undefined ? {} : { config: options.timing }),
    });
    connection = new VoiceConnection({ guildId, actor, media, dave });
    this.#connections.set(guildId, {
      connection,
      // The token stays here, with the adapter: never in the machine (it is a credential).
      setToken: (value) => (token = value),
    });
    this.#listen();
    actor.on('gateway.updateVoiceState', ({ channelId: channel, selfMute, selfDeaf }) => {
      this.#link.updateVoiceState(guildId, channel, selfMute, selfDeaf).catch((error: unknown) => {
        connection?.warn(error instanceof Error ? error : new Error(String(error)), 'op 4 could not be sent');
      });
    });
    void connection.destroyed.then(() => this.#forget(guildId, connection));
    connection.join();
    return connection;
  }

  /** Tells every connection the shard re-identified or stopped. @internal */
  shardChanged(change: 'sessionReplaced' | 'unavailable'): void {
    for (const { connection } of this.#connections.values()) connection.shardChanged(change);
  }

  /** Leaves every connection (the shard stops for good). @internal */
  async leaveAll(): Promise<void> {
    await Promise.all([...this.#connections.values()].map(({ connection }) => connection.leave()));
  }

  #listen(): void {
    if (this.#unlisten !== null) return;
    this.#unlisten = this.#link.listen({
      voiceState: (data) => {
        if (data.guild_id === undefined || data.user_id !== this.#link.userId()) return;
        const entry = this.#connections.get(data.guild_id);
        if (entry === undefined) return;
        entry.connection.forward({
          type: 'gateway.voiceState',
          sessionId: data.session_id,
          channelId: data.channel_id,
        });
      },
      voiceServer: (data) => {
        const entry = this.#connections.get(data.guild_id);
        if (entry === undefined) return;
        entry.setToken(data.token);
        entry.connection.forward({ type: 'gateway.voiceServer', endpoint: data.endpoint });
      },
    });
  }

  #forget(guildId: string, connection: VoiceConnection | null): void {
    if (this.#connections.get(guildId)?.connection !== connection) return;
    this.#connections.delete(guildId);
    this.#link.registerVoice(guildId, null);
    this.#link.closeVoice(guildId);
    if (this.#connections.size === 0 && this.#unlisten !== null) {
      this.#unlisten();
      this.#unlisten = null;
    }
  }
}

function checkSnowflake(name: string, value: unknown): void {
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) {
    throw new InvalidArgumentError(`${name} must be a snowflake string`);
  }
}

/** `daveEncryption` and `decryptionFailureTolerance`, checked before anything is sent. */
function checkDaveOptions(options: VoiceJoinOptions): void {
  if (options.daveEncryption !== undefined && typeof options.daveEncryption !== 'boolean') {
    throw new InvalidArgumentError('daveEncryption must be a boolean');
  }
  const tolerance = options.decryptionFailureTolerance;
  if (tolerance !== undefined && (!Number.isSafeInteger(tolerance) || tolerance < 0)) {
    throw new InvalidArgumentError('decryptionFailureTolerance must be a non-negative integer');
  }
}
