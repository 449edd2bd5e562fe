import { UnknownGuildError } from '../errors.js';
import type { Shard } from '../shard/shard.js';
import { shardOfGuild } from './guild-shard.js';
import type { VoiceJoinOptions } from './shard-voice.js';
import type { VoiceConnection } from './voice-connection.js';

/** What a {@link ManagerVoice} needs of its manager. @internal */
export interface VoiceManagerLink {
  readonly shards: () => readonly Shard[];
  readonly totalShards: () => number;
}

/**
 * `manager.voice`: joins a guild's voice channel on the shard that holds the guild,
 * `(guild_id >> 22) % shard_count` (docs/protocol/gateway.md §6).
 */
export class ManagerVoice {
  readonly #link: VoiceManagerLink;

  /** @internal */
  constructor(link: VoiceManagerLink) {
    this.#link = link;
  }

  /**
   * Joins a voice channel through the shard that holds the guild; see `shard.voice.join`. Throws
   * `UnknownGuildError` when that shard is not run by this manager (another process runs it).
   */
  async join(guildId: string, channelId: string, options: VoiceJoinOptions = {}): Promise<VoiceConnection> {
    return this.shardFor(guildId).voice.join(guildId, channelId, options);
  }

  /** The voice connection of a guild, if this manager's shard of it has one. */
  get(guildId: string): VoiceConnection | undefined {
    const shard = this.#find(guildId);
    return shard?.voice.get(guildId);
  }

  /** Every voice connection of every shard. */
  get connections(): VoiceConnection[] {
    return this.#link.shards().flatMap((shard) => [...shard.voice.connections.values()]);
  }

  /** The shard of this manager that holds a guild. Throws `UnknownGuildError` if none does. */
  shardFor(guildId: string): Shard {
    const shard = this.#find(guildId);
    if (shard === undefined) {
      const total = this.#link.totalShards();
      const owner = total > 0 && /^\d{1,20}$/.test(guildId) ? shardOfGuild(guildId, total) : null;
      throw new UnknownGuildError(
        guildId,
        owner === null
          ? `guild ${guildId} cannot be placed: no shards were created, or it is not a snowflake`
          : `guild ${guildId} is on shard ${owner}, which this manager does not run`,
      );
    }
    return shard;
  }

  #find(guildId: string): Shard | undefined {
    const total = this.#link.totalShards();
    if (total < 1 || !/^\d{1,20}$/.test(guildId)) return undefined;
    const owner = shardOfGuild(guildId, total);
    return this.#link.shards().find((shard) => shard.id === owner);
  }
}
