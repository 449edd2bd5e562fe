import { GatewayCloseCodes, GatewayOpcodes } from 'discord-api-types/v10';
import type { GatewayHelloData } from 'discord-api-types/v10';

/** Real Hello/READY/RESUMED frames carry an undocumented `_trace`; clients must ignore it, so we send one. */
export const TRACE = ['["statecord-fake-gateway",{"micros":0}]'];

/**
 * Serializes a server payload with keys in the order real frames use: `t, s, op, d`
 * (e.g. `{"t":null,"s":null,"op":11,"d":null}`). Clients must not depend on it, but a faithful fake shows it.
 */
export function serializeFrame(
  op: number,
  d: unknown,
  s: number | null = null,
  t: string | null = null,
): string {
  return `{"t":${t === null ? 'null' : JSON.stringify(t)},"s":${s === null ? 'null' : String(s)},"op":${op},"d":${
    d === undefined ? 'null' : JSON.stringify(d)
  }}`;
}

export function helloFrame(heartbeatIntervalMs: number): string {
  const d: GatewayHelloData & { _trace: string[] } = {
    heartbeat_interval: heartbeatIntervalMs,
    _trace: TRACE,
  };
  return serializeFrame(GatewayOpcodes.Hello, d);
}

export const HEARTBEAT_ACK_FRAME = serializeFrame(GatewayOpcodes.HeartbeatAck, null);
export const HEARTBEAT_REQUEST_FRAME = serializeFrame(GatewayOpcodes.Heartbeat, null);
export const RECONNECT_FRAME = serializeFrame(GatewayOpcodes.Reconnect, null);

export function invalidSessionFrame(resumable: boolean): string {
  return serializeFrame(GatewayOpcodes.InvalidSession, resumable);
}

/** Close reasons as Discord words them (close frames carry at most 123 bytes of reason). */
export const CLOSE_REASONS: Readonly<Record<number, string>> = {
  [GatewayCloseCodes.UnknownError]: 'Unknown error.',
  [GatewayCloseCodes.UnknownOpcode]: 'Unknown opcode.',
  [GatewayCloseCodes.DecodeError]: 'Error while decoding payload.',
  [GatewayCloseCodes.NotAuthenticated]: 'Not authenticated.',
  [GatewayCloseCodes.AuthenticationFailed]: 'Authentication failed.',
  [GatewayCloseCodes.AlreadyAuthenticated]: 'Already authenticated.',
  [GatewayCloseCodes.InvalidSeq]: 'Invalid seq.',
  [GatewayCloseCodes.RateLimited]: 'Rate limited.',
  [GatewayCloseCodes.SessionTimedOut]: 'Session timed out.',
  [GatewayCloseCodes.InvalidShard]: 'Invalid shard.',
  [GatewayCloseCodes.ShardingRequired]: 'Sharding required.',
  [GatewayCloseCodes.InvalidAPIVersion]: 'Invalid API version.',
  [GatewayCloseCodes.InvalidIntents]: 'Invalid intent(s).',
  [GatewayCloseCodes.DisallowedIntents]: 'Disallowed intent(s).',
};

/**
 * Server close codes after which the session cannot be resumed (the client must Identify):
 * 4003/4004/4009/4010–4014. Every other server close keeps the session for `sessionTtlMs`.
 */
export const SESSION_ENDING_SERVER_CLOSE_CODES: ReadonlySet<number> = new Set([
  GatewayCloseCodes.NotAuthenticated,
  GatewayCloseCodes.AuthenticationFailed,
  GatewayCloseCodes.SessionTimedOut,
  GatewayCloseCodes.InvalidShard,
  GatewayCloseCodes.ShardingRequired,
  GatewayCloseCodes.InvalidAPIVersion,
  GatewayCloseCodes.InvalidIntents,
  GatewayCloseCodes.DisallowedIntents,
]);

/** "Closing with 1000 or 1001 invalidates the session"; any other client code keeps it resumable. */
export function clientCloseEndsSession(code: number): boolean {
  return code === 1000 || code === 1001;
}
