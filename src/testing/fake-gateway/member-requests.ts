import {
  GatewayCloseCodes,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
} from 'discord-api-types/v10';
import type {
  GatewayGuildMembersChunkDispatchData,
  GatewayRateLimitedDispatchData,
} from 'discord-api-types/v10';
import type { GatewayConnection } from './connection.js';
import type { GatewayState } from './gateway-state.js';
import { parseRequestGuildMembers, type MemberRequest } from './inbound.js';
import type { FakeGuild, FakeGuildMember, FakeGuildPresence } from './options.js';
import type { Session } from './session.js';
import type { LoosePayload } from './types.js';

/** GUILD_MEMBERS_CHUNK carries at most 1000 members. */
export const MEMBERS_PER_CHUNK = 1000;
/** A prefix query and a `user_ids` request return at most 100 members. */
const QUERY_RESULT_LIMIT = 100;

function matchesPrefix(member: FakeGuildMember, prefix: string): boolean {
  const names = [member.user?.username, member.nick ?? undefined];
  return names.some((name) => name !== undefined && name.toLowerCase().startsWith(prefix));
}

function selectMembers(
  guild: FakeGuild,
  request: MemberRequest,
): { members: readonly FakeGuildMember[]; notFound: string[] } {
  const members = guild.members ?? [];
  if (request.userIds !== null) {
    const byId = new Map(members.map((member) => [member.user?.id, member]));
    const found: FakeGuildMember[] = [];
    const notFound: string[] = [];
    for (const id of request.userIds) {
      const member = byId.get(id);
      if (member === undefined) notFound.push(id);
      else found.push(member);
    }
    return { members: found, notFound };
  }
  if (request.query === '' && request.limit === 0) return { members, notFound: [] };
  const limit = Math.min(request.limit === 0 ? QUERY_RESULT_LIMIT : request.limit, QUERY_RESULT_LIMIT);
  const prefix = (request.query ?? '').toLowerCase();
  return { members: members.filter((m) => matchesPrefix(m, prefix)).slice(0, limit), notFound: [] };
}

/**
 * op 8 (docs/protocol/gateway.md §8.1–8.2). Requests for guilds this shard does not hold, and member-list requests
 * (`query: ""`) without GUILD_MEMBERS, get no answer, as on Discord. A full list (`query:""`, `limit:0`)
 * more than once per guild per `memberRequestWindowMs` gets a RATE_LIMITED dispatch instead.
 */
export function handleRequestGuildMembers(
  state: GatewayState,
  conn: GatewayConnection,
  session: Session | null,
  d: unknown,
): void {
  const request = parseRequestGuildMembers(d);
  if (request === null) return conn.closeWith(GatewayCloseCodes.UnknownOpcode);
  if (session === null) return;
  const guild = state.guildOnShard(session, request.guildId);
  if (guild === undefined) return;
  if (request.query === '' && (session.intents & GatewayIntentBits.GuildMembers) === 0) return;
  const nonce = request.nonce === null ? {} : { nonce: request.nonce };

  if (request.query === '' && request.limit === 0) {
    const now = Date.now();
    const last = state.fullMemberRequests.get(guild.id);
    const window = state.options.memberRequestWindowMs;
    if (last !== undefined && now - last < window) {
      const limited: GatewayRateLimitedDispatchData<GatewayOpcodes.RequestGuildMembers> = {
        opcode: GatewayOpcodes.RequestGuildMembers,
        retry_after: (window - (now - last)) / 1000,
        meta: { guild_id: guild.id, ...nonce },
      };
      state.dispatchToSession(session, GatewayDispatchEvents.RateLimited, limited);
      return;
    }
    state.fullMemberRequests.set(guild.id, now);
  }

  const { members, notFound } = selectMembers(guild, request);
  const withPresences = request.presences && (session.intents & GatewayIntentBits.GuildPresences) !== 0;
  const presenceOf = new Map<string | undefined, FakeGuildPresence>(
    (guild.presences ?? []).map((presence) => [presence.user?.id, presence]),
  );
  const chunkCount = Math.max(1, Math.ceil(members.length / MEMBERS_PER_CHUNK));
  for (let index = 0; index < chunkCount; index++) {
    const chunkMembers = members.slice(index * MEMBERS_PER_CHUNK, (index + 1) * MEMBERS_PER_CHUNK);
    // Members are sent as the test gave them, hence the loose type.
    const chunk: LoosePayload<GatewayGuildMembersChunkDispatchData> & { not_found?: string[] } = {
      guild_id: guild.id,
      members: chunkMembers,
      chunk_index: index,
      chunk_count: chunkCount,
      ...nonce,
    };
    if (request.userIds !== null && index === 0 && notFound.length > 0) chunk.not_found = notFound;
    if (withPresences) {
      chunk.presences = chunkMembers
        .map((member) => (member.user?.id === undefined ? undefined : presenceOf.get(member.user.id)))
        .filter((presence): presence is FakeGuildPresence => presence !== undefined);
    }
    state.dispatchToSession(session, GatewayDispatchEvents.GuildMembersChunk, chunk);
  }
}
