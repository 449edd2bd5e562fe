import { GatewayDispatchEvents, GatewayIntentBits } from 'discord-api-types/v10';

/** Every intent bit Discord defines (bits 17–19 and 22–23 are unused): anything else → 4013. */
export const DEFINED_INTENTS_MASK = Object.values(GatewayIntentBits)
  .filter((bit): bit is number => typeof bit === 'number')
  .reduce((mask, bit) => mask | bit, 0);

/** Intents that must be enabled for the application before Identify may ask for them (else 4014). */
export const PRIVILEGED_INTENTS_MASK =
  GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent;

const E = GatewayDispatchEvents;
// Event names arrive as plain strings; compare them as strings.
const GUILD_MEMBER_UPDATE: string = E.GuildMemberUpdate;
const MESSAGE_CREATE: string = E.MessageCreate;
const MESSAGE_UPDATE: string = E.MessageUpdate;
const I = GatewayIntentBits;

/** Events gated by one intent whatever their payload (docs "List of Intents"). */
const SINGLE_INTENT: ReadonlyMap<string, number> = new Map<string, number>([
  ...[
    E.GuildCreate,
    E.GuildUpdate,
    E.GuildDelete,
    E.GuildRoleCreate,
    E.GuildRoleUpdate,
    E.GuildRoleDelete,
    E.ChannelCreate,
    E.ChannelUpdate,
    E.ChannelDelete,
    E.ThreadCreate,
    E.ThreadUpdate,
    E.ThreadDelete,
    E.ThreadListSync,
    E.ThreadMemberUpdate,
    // THREAD_MEMBERS_UPDATE is listed under GUILDS and GUILD_MEMBERS; GUILDS suffices to receive it.
    E.ThreadMembersUpdate,
    E.StageInstanceCreate,
    E.StageInstanceUpdate,
    E.StageInstanceDelete,
    E.VoiceChannelStatusUpdate,
    E.VoiceChannelStartTimeUpdate,
  ].map((event) => [event, I.Guilds] as const),
  ...[E.GuildMemberAdd, E.GuildMemberUpdate, E.GuildMemberRemove].map((e) => [e, I.GuildMembers] as const),
  ...[E.GuildAuditLogEntryCreate, E.GuildBanAdd, E.GuildBanRemove].map(
    (e) => [e, I.GuildModeration] as const,
  ),
  ...[
    E.GuildEmojisUpdate,
    E.GuildStickersUpdate,
    E.GuildSoundboardSoundCreate,
    E.GuildSoundboardSoundUpdate,
    E.GuildSoundboardSoundDelete,
    E.GuildSoundboardSoundsUpdate,
  ].map((e) => [e, I.GuildExpressions] as const),
  ...[E.GuildIntegrationsUpdate, E.IntegrationCreate, E.IntegrationUpdate, E.IntegrationDelete].map(
    (e) => [e, I.GuildIntegrations] as const,
  ),
  [E.WebhooksUpdate, I.GuildWebhooks],
  [E.InviteCreate, I.GuildInvites],
  [E.InviteDelete, I.GuildInvites],
  [E.VoiceChannelEffectSend, I.GuildVoiceStates],
  [E.VoiceStateUpdate, I.GuildVoiceStates],
  [E.PresenceUpdate, I.GuildPresences],
  [E.MessageDeleteBulk, I.GuildMessages],
  ...[
    E.GuildScheduledEventCreate,
    E.GuildScheduledEventUpdate,
    E.GuildScheduledEventDelete,
    E.GuildScheduledEventUserAdd,
    E.GuildScheduledEventUserRemove,
  ].map((e) => [e, I.GuildScheduledEvents] as const),
  ...[E.AutoModerationRuleCreate, E.AutoModerationRuleUpdate, E.AutoModerationRuleDelete].map(
    (e) => [e, I.AutoModerationConfiguration] as const,
  ),
  [E.AutoModerationActionExecution, I.AutoModerationExecution],
]);

/** Events whose intent depends on whether they happen in a guild or in a DM: [guild intent, DM intent]. */
const GUILD_OR_DM_INTENT: ReadonlyMap<string, readonly [number, number]> = new Map<
  string,
  readonly [number, number]
>([
  ...[E.MessageCreate, E.MessageUpdate, E.MessageDelete].map(
    (e) => [e, [I.GuildMessages, I.DirectMessages]] as const,
  ),
  [E.ChannelPinsUpdate, [I.Guilds, I.DirectMessages]],
  ...[
    E.MessageReactionAdd,
    E.MessageReactionRemove,
    E.MessageReactionRemoveAll,
    E.MessageReactionRemoveEmoji,
  ].map((e) => [e, [I.GuildMessageReactions, I.DirectMessageReactions]] as const),
  [E.TypingStart, [I.GuildMessageTyping, I.DirectMessageTyping]],
  [E.MessagePollVoteAdd, [I.GuildMessagePolls, I.DirectMessagePolls]],
  [E.MessagePollVoteRemove, [I.GuildMessagePolls, I.DirectMessagePolls]],
]);

function field(data: unknown, key: string): unknown {
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[key] : undefined;
}

/**
 * The intent bit a dispatch needs, or null when it is always sent (READY, RESUMED, USER_UPDATE,
 * INTERACTION_CREATE, GUILD_MEMBERS_CHUNK, RATE_LIMITED, … — "any events not listed are always sent").
 */
export function requiredIntent(event: string, data: unknown, botUserId: string): number | null {
  // Caveat in the docs: GUILD_MEMBER_UPDATE for the bot itself arrives without GUILD_MEMBERS.
  if (event === GUILD_MEMBER_UPDATE && field(field(data, 'user'), 'id') === botUserId) return null;
  const single = SINGLE_INTENT.get(event);
  if (single !== undefined) return single;
  const pair = GUILD_OR_DM_INTENT.get(event);
  if (pair === undefined) return null;
  return typeof field(data, 'guild_id') === 'string' ? pair[0] : pair[1];
}

/** Whether a session with `intents` receives this dispatch. */
export function isDispatchAllowed(event: string, data: unknown, intents: number, botUserId: string): boolean {
  const intent = requiredIntent(event, data, botUserId);
  return intent === null || (intents & intent) !== 0;
}

const MESSAGE_CONTENT_FIELDS = ['content', 'embeds', 'attachments', 'components'] as const;

/**
 * Without MESSAGE_CONTENT, MESSAGE_CREATE/UPDATE carry empty `content`, `embeds`, `attachments`,
 * `components` and no `poll`, except in DMs, in the bot's own messages and in messages mentioning the bot
 * (docs "Message Content Intent"). Returns the data to send (a copy when blanked).
 */
export function applyMessageContentIntent(
  event: string,
  data: unknown,
  intents: number,
  botUserId: string,
): unknown {
  if (event !== MESSAGE_CREATE && event !== MESSAGE_UPDATE) return data;
  if ((intents & I.MessageContent) !== 0) return data;
  if (typeof data !== 'object' || data === null) return data;
  const message = data as Record<string, unknown>;
  if (typeof message['guild_id'] !== 'string') return data;
  if (field(message['author'], 'id') === botUserId) return data;
  const mentions = message['mentions'];
  if (Array.isArray(mentions) && mentions.some((user) => field(user, 'id') === botUserId)) return data;
  const blanked: Record<string, unknown> = { ...message };
  for (const key of MESSAGE_CONTENT_FIELDS) {
    // MESSAGE_UPDATE may be partial: blank only what it carries; MESSAGE_CREATE always has them.
    if (event === MESSAGE_CREATE || key in blanked) blanked[key] = key === 'content' ? '' : [];
  }
  delete blanked['poll'];
  return blanked;
}
