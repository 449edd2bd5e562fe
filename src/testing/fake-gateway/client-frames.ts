import { GatewayCloseCodes, GatewayOpcodes } from 'discord-api-types/v10';
import type { RawData } from 'ws';
import { handleAuthenticatedCommand } from './commands.js';
import type { GatewayConnection } from './connection.js';
import type { GatewayState } from './gateway-state.js';
import { handleIdentify, handleResume } from './handshake.js';
import { decodeFrame, parseHeartbeat, rawDataToBuffer } from './inbound.js';

/**
 * One frame from a client, checked in the order of docs/protocol/gateway.md §11.2: the command limit (4008), size
 * (4002), decoding (4002/4001); then recorded and routed by opcode with the auth-state rules.
 */
export function handleClientFrame(state: GatewayState, conn: GatewayConnection, data: RawData): void {
  if (!conn.open) return;
  const now = Date.now();
  // Every frame counts toward 120 / 60 s, heartbeats included (docs/protocol/gateway.md §5) → 4008.
  if (!conn.countInbound(now)) return conn.closeWith(GatewayCloseCodes.RateLimited);
  const bytes = rawDataToBuffer(data);
  // Payloads over 4096 bytes close with 4002 (docs "Sending Events").
  if (bytes.length > state.options.maxPayloadBytes) return conn.closeWith(GatewayCloseCodes.DecodeError);
  const decoded = decodeFrame(bytes);
  if (!decoded.ok) return conn.closeWith(decoded.closeCode);
  const { op, d } = decoded.payload;
  const frame = { connectionId: conn.id, shardId: conn.shardId, op, d, at: now };
  if (state.options.recordFrames) state.received.push(frame);
  state.emit('frame', frame);

  switch (op) {
    case GatewayOpcodes.Heartbeat: {
      const parsed = parseHeartbeat(d);
      if (!parsed.ok) return conn.closeWith(GatewayCloseCodes.UnknownOpcode);
      // op 11 for every op 1, in any state (before Identify too), unless a zombie is being simulated.
      const acked = conn.acknowledgeHeartbeat();
      state.emit('heartbeat', {
        connectionId: conn.id,
        shardId: conn.shardId,
        d: parsed.seq,
        acked,
        at: now,
      });
      return;
    }
    case GatewayOpcodes.Identify:
      // 4005: a second Identify/Resume on an authenticated socket.
      if (conn.isAuthenticated) return conn.closeWith(GatewayCloseCodes.AlreadyAuthenticated);
      return handleIdentify(state, conn, d);
    case GatewayOpcodes.Resume:
      if (conn.isAuthenticated) return conn.closeWith(GatewayCloseCodes.AlreadyAuthenticated);
      return handleResume(state, conn, d);
    case GatewayOpcodes.PresenceUpdate:
    case GatewayOpcodes.VoiceStateUpdate:
    case GatewayOpcodes.RequestGuildMembers:
    case GatewayOpcodes.RequestSoundboardSounds:
    case GatewayOpcodes.RequestChannelInfo:
      // 4003: any payload but a heartbeat before Identify/Resume.
      if (!conn.isAuthenticated) return conn.closeWith(GatewayCloseCodes.NotAuthenticated);
      return handleAuthenticatedCommand(state, conn, op, d);
    default:
      // 4001: an opcode clients may not send (0, 7, 9, 10, 11) or that does not exist.
      return conn.closeWith(GatewayCloseCodes.UnknownOpcode);
  }
}
