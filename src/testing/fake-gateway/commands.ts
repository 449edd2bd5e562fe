import { GatewayCloseCodes, GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import type { GatewayChannelInfoChannel, GatewaySoundboardSoundsDispatchData } from 'discord-api-types/v10';
import type { GatewayConnection } from './connection.js';
import type { GatewayState } from './gateway-state.js';
import {
  isObject,
  isPresenceUpdate,
  parseChannelInfoRequest,
  parseSoundboardRequest,
  parseVoiceStateUpdate,
} from './inbound.js';
import { handleRequestGuildMembers } from './member-requests.js';
import type { Session } from './session.js';
import type { LoosePayload } from './types.js';

/** Commands allowed only after Identify/Resume: ops 3, 4, 8, 31, 43. A bad shape for the op closes with 4001. */
export function handleAuthenticatedCommand(
  state: GatewayState,
  conn: GatewayConnection,
  op: GatewayOpcodes,
  d: unknown,
): void {
  const session = conn.attachedSession;
  switch (op) {
    case GatewayOpcodes.PresenceUpdate:
      // Accepted and recorded in `gateway.received`; the fake has no presence state to update.
      if (!isPresenceUpdate(d)) conn.closeWith(GatewayCloseCodes.UnknownOpcode);
      return;
    case GatewayOpcodes.VoiceStateUpdate: {
      const request = parseVoiceStateUpdate(d);
      if (request === null) return conn.closeWith(GatewayCloseCodes.UnknownOpcode);
      if (session !== null) state.voice.onVoiceStateUpdate(session, request);
      return;
    }
    case GatewayOpcodes.RequestGuildMembers:
      return handleRequestGuildMembers(state, conn, session, d);
    case GatewayOpcodes.RequestSoundboardSounds: {
      const guildIds = parseSoundboardRequest(d);
      if (guildIds === null) return conn.closeWith(GatewayCloseCodes.UnknownOpcode);
      if (session !== null) answerSoundboardSounds(state, session, guildIds);
      return;
    }
    case GatewayOpcodes.RequestChannelInfo: {
      const request = parseChannelInfoRequest(d);
      if (request === null) return conn.closeWith(GatewayCloseCodes.UnknownOpcode);
      if (session !== null) answerChannelInfo(state, session, request.guildId, request.fields);
      return;
    }
  }
}

/** op 31 → one SOUNDBOARD_SOUNDS dispatch per requested guild of this shard. */
function answerSoundboardSounds(state: GatewayState, session: Session, guildIds: readonly string[]): void {
  for (const guildId of guildIds) {
    const guild = state.guildOnShard(session, guildId);
    if (guild === undefined) continue;
    const data: LoosePayload<GatewaySoundboardSoundsDispatchData> = {
      guild_id: guildId,
      soundboard_sounds: guild.soundboard_sounds ?? [],
    };
    state.dispatchToSession(session, GatewayDispatchEvents.SoundboardSounds, data);
  }
}

const VOICE_CHANNEL_TYPES = new Set([2, 13]);

/** op 43 → CHANNEL_INFO with the requested fields of the guild's voice and stage channels. */
function answerChannelInfo(state: GatewayState, session: Session, guildId: string, fields: string[]): void {
  const guild = state.guildOnShard(session, guildId);
  if (guild === undefined) return;
  const channels: GatewayChannelInfoChannel[] = [];
  for (const channel of guild.channels ?? []) {
    if (channel.id === undefined || channel.type === undefined || !VOICE_CHANNEL_TYPES.has(channel.type))
      continue;
    const source: Record<string, unknown> = isObject(channel) ? channel : {};
    const info: GatewayChannelInfoChannel = { id: channel.id };
    if (fields.includes('status')) info.status = (source['status'] as string | null | undefined) ?? null;
    if (fields.includes('voice_start_time')) {
      info.voice_start_time = (source['voice_start_time'] as number | null | undefined) ?? null;
    }
    channels.push(info);
  }
  state.dispatchToSession(session, GatewayDispatchEvents.ChannelInfo, { guild_id: guildId, channels });
}
