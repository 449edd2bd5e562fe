import { GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import type { GatewayDispatchPayload, GatewayReceivePayload } from 'discord-api-types/v10';
import type { ShardEvent } from '../../machines/index.js';
import { GatewayDecodeError } from '../errors.js';
import type { SequenceTracker } from './sequence.js';

/** The shortest heartbeat interval accepted from HELLO, in ms. */
export const MIN_HEARTBEAT_INTERVAL_MS = 1;
/** The longest heartbeat interval accepted from HELLO: the longest delay a Node timer honours. */
export const MAX_HEARTBEAT_INTERVAL_MS = 2_147_483_647;

/** Where a decoded frame goes: lifecycle events to the machine, dispatches to the shard's emitter. */
export interface InboundSinks {
  /** Lifecycle events for the machine (a handful per minute). */
  readonly lifecycle: (event: ShardEvent) => void;
  /** Every dispatch, exactly once per `s`, in order (the hot path). */
  readonly dispatch: (payload: GatewayDispatchPayload) => void;
  /** op 11 arrived. */
  readonly heartbeatAck: () => void;
}

/**
 * Whether a payload becomes a machine event (so it proves life by itself): HELLO, server heartbeat
 * requests, RECONNECT, INVALID_SESSION, and the READY and RESUMED dispatches.
 */
export function isLifecycleFrame(payload: GatewayReceivePayload): boolean {
  if (payload.op === GatewayOpcodes.Dispatch) {
    return payload.t === GatewayDispatchEvents.Ready || payload.t === GatewayDispatchEvents.Resumed;
  }
  return (
    payload.op === GatewayOpcodes.Hello ||
    payload.op === GatewayOpcodes.Heartbeat ||
    payload.op === GatewayOpcodes.Reconnect ||
    payload.op === GatewayOpcodes.InvalidSession
  );
}

/**
 * Whether a dispatch of type `t` can be dropped unparsed when nobody listens to it: every type but the
 * two the machine needs (READY, RESUMED) and a missing one (left to the full parse).
 */
export function isSkippableDispatchType(t: string | null): t is string {
  const type = t as GatewayDispatchEvents | null;
  return type !== null && type !== GatewayDispatchEvents.Ready && type !== GatewayDispatchEvents.Resumed;
}

/**
 * A dispatch that nobody listens to, read only as far as its `s` (selective decoding): the sequence
 * moves exactly as if it had been delivered, so resume and heartbeat stay correct, and nothing else
 * happens (docs/protocol/gateway.md §7).
 */
export function skipDispatch(s: number | null, sequence: SequenceTracker): void {
  sequence.accept(s);
}

/**
 * Routes one decoded payload. Dispatches update the sequence and go straight to the emitter without a
 * machine transition; only READY and RESUMED among them also become machine events. Throws
 * `GatewayDecodeError` for a lifecycle frame whose fields are not what the protocol promises.
 */
export function routeInboundPayload(
  payload: GatewayReceivePayload,
  sequence: SequenceTracker,
  sinks: InboundSinks,
): void {
  switch (payload.op) {
    case GatewayOpcodes.Dispatch:
      routeDispatch(payload, sequence, sinks);
      return;
    case GatewayOpcodes.HeartbeatAck:
      sinks.heartbeatAck();
      return;
    case GatewayOpcodes.Hello: {
      const interval = (payload.d as { heartbeat_interval?: unknown } | null)?.heartbeat_interval;
      // Node clamps a timer outside [1, 2^31 − 1] ms to 1 ms: such an interval would heartbeat in a
      // busy loop and take every connection for a zombie. No gateway sends one (docs/protocol/gateway.md §2.1).
      if (
        typeof interval !== 'number' ||
        !Number.isFinite(interval) ||
        interval < MIN_HEARTBEAT_INTERVAL_MS ||
        interval > MAX_HEARTBEAT_INTERVAL_MS
      ) {
        throw new GatewayDecodeError(
          `HELLO heartbeat_interval must be a number of ms in [${MIN_HEARTBEAT_INTERVAL_MS}, ${MAX_HEARTBEAT_INTERVAL_MS}]`,
        );
      }
      sinks.lifecycle({ type: 'gateway.hello', heartbeatIntervalMs: interval });
      return;
    }
    case GatewayOpcodes.Heartbeat:
      sinks.lifecycle({ type: 'gateway.heartbeatRequest' });
      return;
    case GatewayOpcodes.Reconnect:
      sinks.lifecycle({ type: 'gateway.reconnect' });
      return;
    case GatewayOpcodes.InvalidSession:
      // Only `true` means resumable; anything else is treated as the usual `false` (docs/protocol/gateway.md §3.5).
      sinks.lifecycle({ type: 'gateway.invalidSession', resumable: payload.d === true });
      return;
    default:
      // An opcode this version does not know: ignored for forward compatibility.
      return;
  }
}

function routeDispatch(
  payload: GatewayDispatchPayload,
  sequence: SequenceTracker,
  sinks: InboundSinks,
): void {
  if (payload.t === GatewayDispatchEvents.Ready) {
    const d = payload.d as { session_id?: unknown; resume_gateway_url?: unknown } | null;
    if (typeof d?.session_id !== 'string' || typeof d.resume_gateway_url !== 'string') {
      throw new GatewayDecodeError('READY without session_id or resume_gateway_url');
    }
    // READY starts a new session: its `s` (1) restarts the count (docs/protocol/gateway.md §7).
    sequence.restart(payload.s);
    sinks.lifecycle({ type: 'gateway.ready', sessionId: d.session_id, resumeUrl: d.resume_gateway_url });
    sinks.dispatch(payload);
    return;
  }
  // A replay overlapping what was already delivered is not delivered twice.
  if (!sequence.accept(payload.s)) return;
  if (payload.t === GatewayDispatchEvents.Resumed) sinks.lifecycle({ type: 'gateway.resumed' });
  sinks.dispatch(payload);
}
