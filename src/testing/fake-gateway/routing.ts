import type { FakeGuild } from './options.js';

/**
 * `shard_id = (guild_id >> 22) % num_shards`, in BigInt: snowflakes exceed 2^53 and JS `>>` truncates
 * to 32 bits, so Number math routes guilds to the wrong shard (docs/protocol/gateway.md §6, pitfall 19).
 */
export function shardIdForGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** The guilds a session `[shardId, shardCount]` holds. */
export function guildsForShard(
  guilds: Iterable<FakeGuild>,
  shardId: number,
  shardCount: number,
): FakeGuild[] {
  const routed: FakeGuild[] = [];
  for (const guild of guilds) {
    if (shardIdForGuild(guild.id, shardCount) === shardId) routed.push(guild);
  }
  return routed;
}

/** Where a dispatch goes when the caller names no shard: by `guild_id`, else shard 0 (DMs, entitlements…). */
export function isRoutedToShard(data: unknown, shardId: number, shardCount: number): boolean {
  const guildId =
    typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['guild_id'] : undefined;
  if (typeof guildId === 'string' && /^\d+$/.test(guildId))
    return shardIdForGuild(guildId, shardCount) === shardId;
  // "Gateway events that do not contain a guild_id will only be sent to the first shard."
  return shardId === 0;
}
