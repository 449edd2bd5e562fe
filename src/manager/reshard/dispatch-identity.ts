import type { GatewayDispatchPayload } from 'discord-api-types/v10';

type Fields = Readonly<Record<string, unknown>>;

/** A field of a dispatch's `d` as a string ('' when absent or not a scalar). */
function field(d: Fields, name: string): string {
  const value = d[name];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

/** `d.user.id` (members). */
function userId(d: Fields): string {
  const user = d['user'];
  return typeof user === 'object' && user !== null ? field(user as Fields, 'id') : '';
}

/** `d.role.id` (role created). */
function roleId(d: Fields): string {
  const role = d['role'];
  return typeof role === 'object' && role !== null ? field(role as Fields, 'id') : '';
}

/** `d.ids`, sorted (bulk deletes). */
function sortedIds(d: Fields): string {
  const value = d['ids'];
  return Array.isArray(value) ? value.map(String).sort().join(',') : '';
}

/**
 * Dispatch types whose fields name one event uniquely: a snowflake created for that event, or an id
 * with the event's own timestamp (docs/protocol/resharding.md §3). Every other type is identified by
 * its whole payload.
 */
const identityFields: Readonly<Record<string, (d: Fields) => readonly string[]>> = {
  MESSAGE_CREATE: (d) => [field(d, 'id')],
  MESSAGE_DELETE: (d) => [field(d, 'id')],
  MESSAGE_DELETE_BULK: (d) => [field(d, 'channel_id'), sortedIds(d)],
  INTERACTION_CREATE: (d) => [field(d, 'id')],
  TYPING_START: (d) => [field(d, 'channel_id'), field(d, 'user_id'), field(d, 'timestamp')],
  GUILD_MEMBER_ADD: (d) => [field(d, 'guild_id'), userId(d), field(d, 'joined_at')],
  CHANNEL_CREATE: (d) => [field(d, 'id')],
  CHANNEL_DELETE: (d) => [field(d, 'id')],
  THREAD_DELETE: (d) => [field(d, 'id')],
  GUILD_ROLE_CREATE: (d) => [field(d, 'guild_id'), roleId(d)],
  GUILD_ROLE_DELETE: (d) => [field(d, 'guild_id'), field(d, 'role_id')],
  INVITE_CREATE: (d) => [field(d, 'code'), field(d, 'created_at')],
  INVITE_DELETE: (d) => [field(d, 'code')],
  STAGE_INSTANCE_CREATE: (d) => [field(d, 'id')],
  STAGE_INSTANCE_DELETE: (d) => [field(d, 'id')],
  GUILD_SCHEDULED_EVENT_CREATE: (d) => [field(d, 'id')],
  GUILD_SCHEDULED_EVENT_DELETE: (d) => [field(d, 'id')],
  AUTO_MODERATION_RULE_CREATE: (d) => [field(d, 'id')],
  AUTO_MODERATION_RULE_DELETE: (d) => [field(d, 'id')],
  ENTITLEMENT_CREATE: (d) => [field(d, 'id')],
  ENTITLEMENT_DELETE: (d) => [field(d, 'id')],
  GUILD_AUDIT_LOG_ENTRY_CREATE: (d) => [field(d, 'id')],
};

/**
 * JSON with object keys sorted, so two copies of one event whose keys come in another order still
 * match: the identity of a type without identity fields.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Fields)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The identity of a dispatch across sessions (docs/protocol/resharding.md §3): its type plus the fields
 * that name the event, or plus its whole payload (keys sorted) for a type without such fields (updates,
 * presences, reactions, voice states: there the content is the event). Two sessions that receive one
 * event give it one identity. Two events may share one too (a reaction added, removed and added again):
 * the overlap matches copies one to one, so each is still delivered once.
 */
export function dispatchIdentity(payload: GatewayDispatchPayload): string {
  const d = payload.d as unknown;
  const fields = identityFields[payload.t];
  if (fields === undefined || typeof d !== 'object' || d === null) return `${payload.t} ${canonicalJson(d)}`;
  return `${payload.t} ${fields(d as Fields).join(' ')}`;
}

/** Whether a dispatch type is identified by fields of its own (else by its whole payload). */
export function hasIdentityFields(type: string): boolean {
  return type in identityFields;
}

/**
 * Dispatches that belong to one session, not to the bot's event stream: each set's sessions get their
 * own (docs/protocol/resharding.md §3), so they are never matched across sets.
 */
export function isSessionDispatch(type: string): boolean {
  return type === 'READY' || type === 'RESUMED';
}
