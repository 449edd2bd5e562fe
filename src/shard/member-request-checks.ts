import { GatewayIntentBits } from 'discord-api-types/v10';
import { InvalidArgumentError, MissingIntentError } from '../errors.js';
import type { RequestGuildMembersOptions } from './member-requests.js';

/** `user_ids` and prefix queries return at most 100 members (docs/protocol/gateway.md §8.1). */
const MAX_USER_IDS = 100;

/**
 * Checks an op 8 request before it is sent, so that a request Discord would never answer rejects at
 * once instead of waiting for its timeout (docs/protocol/gateway.md §8.1): the whole member list (`query: ""`) needs
 * GUILD_MEMBERS, `presences` needs GUILD_PRESENCES, and the request must be one Discord accepts
 * (exactly one of `query`/`user_ids`, a `limit` with `query`, at most 100 `user_ids`).
 * Returns the error to reject with, or null.
 */
export function memberRequestError(request: RequestGuildMembersOptions, intents: number): Error | null {
  if (typeof request !== 'object' || request === null) {
    return new InvalidArgumentError('requestGuildMembers needs a request object');
  }
  const data = request as Partial<Record<'guild_id' | 'query' | 'limit' | 'user_ids' | 'presences', unknown>>;
  if (typeof data.guild_id !== 'string' || !/^\d{1,20}$/.test(data.guild_id)) {
    return new InvalidArgumentError('requestGuildMembers: guild_id must be a snowflake string');
  }
  const hasQuery = data.query !== undefined;
  const hasUserIds = data.user_ids !== undefined;
  if (hasQuery === hasUserIds) {
    return new InvalidArgumentError('requestGuildMembers needs exactly one of query and user_ids');
  }
  if (hasQuery) {
    if (typeof data.query !== 'string')
      return new InvalidArgumentError('requestGuildMembers: query must be a string');
    if (typeof data.limit !== 'number' || !Number.isSafeInteger(data.limit) || data.limit < 0) {
      return new InvalidArgumentError('requestGuildMembers: limit must be an integer ≥ 0 with query');
    }
    if (data.query === '' && (intents & GatewayIntentBits.GuildMembers) === 0) {
      return new MissingIntentError('GuildMembers', 'requesting the whole member list (query: "")');
    }
  } else {
    const ids = Array.isArray(data.user_ids) ? data.user_ids : [data.user_ids];
    if (ids.length === 0 || ids.length > MAX_USER_IDS) {
      return new InvalidArgumentError(`requestGuildMembers: user_ids must hold 1 to ${MAX_USER_IDS} ids`);
    }
  }
  if (data.presences === true && (intents & GatewayIntentBits.GuildPresences) === 0) {
    return new MissingIntentError('GuildPresences', 'requesting presences');
  }
  return null;
}
