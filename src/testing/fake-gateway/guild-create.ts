import { GatewayIntentBits, PresenceUpdateStatus } from 'discord-api-types/v10';
import type { GatewayState } from './gateway-state.js';
import type { FakeGuild, FakeGuildMember } from './options.js';
import type { Session } from './session.js';

/** Above this many members GUILD_CREATE lists only the bot and voice members, presences or not. */
const HUGE_GUILD_MEMBERS = 75_000;

/**
 * The GUILD_CREATE `d` a session receives for a guild, following docs/protocol/gateway.md §8.1:
 * without GUILD_PRESENCES (or above 75k members) `members` holds only the bot and members in voice
 * and `presences` is empty; otherwise above `large_threshold` only online members and those with
 * roles, a nickname or a voice state; below it everyone.
 */
export function buildGuildCreate(
  guild: FakeGuild,
  session: Session,
  state: GatewayState,
): Record<string, unknown> {
  const members = guild.members ?? [];
  const presences = guild.presences ?? [];
  const voiceStates = guild.voice_states ?? [];
  const memberCount = guild.member_count ?? members.length;
  const inVoice = new Set(voiceStates.map((voiceState) => voiceState.user_id));
  const userId = (member: FakeGuildMember): string | undefined => member.user?.id;
  const isBotOrInVoice = (member: FakeGuildMember): boolean => {
    const id = userId(member);
    return id !== undefined && (id === state.botUserId || inVoice.has(id));
  };

  const withPresences = (session.intents & GatewayIntentBits.GuildPresences) !== 0;
  const large = memberCount > session.largeThreshold;
  let sentMembers: readonly FakeGuildMember[];
  if (!withPresences || memberCount > HUGE_GUILD_MEMBERS) {
    sentMembers = members.filter(isBotOrInVoice);
  } else if (large) {
    const online = new Set(
      presences.filter((p) => p.status !== PresenceUpdateStatus.Offline).map((p) => p.user?.id),
    );
    sentMembers = members.filter((member) => {
      const id = userId(member);
      return (
        isBotOrInVoice(member) ||
        (id !== undefined && online.has(id)) ||
        (member.roles?.length ?? 0) > 0 ||
        (member.nick ?? null) !== null
      );
    });
  } else {
    sentMembers = members;
  }

  return {
    joined_at: '2020-01-01T00:00:00.000000+00:00',
    channels: [],
    threads: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    ...guild,
    unavailable: false,
    large,
    member_count: memberCount,
    voice_states: voiceStates,
    members: sentMembers,
    presences: withPresences ? presences : [],
  };
}
