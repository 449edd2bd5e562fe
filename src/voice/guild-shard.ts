/**
 * The shard a guild's events go to, and whose session must send its op 4:
 * `(guild_id >> 22) % shard_count`, in BigInt (a snowflake does not fit a 32-bit shift;
 * docs/protocol/gateway.md §6, §12.19).
 */
export function shardOfGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}
