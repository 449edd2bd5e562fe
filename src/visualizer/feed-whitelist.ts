import type { AnyEventObject, AnyStateNode } from 'xstate';
import type {
  ManagerEvent,
  ShardEvent,
  VoiceDisconnectReason,
  VoiceEvent,
  VoiceFailureReason,
} from '../../machines/index.js';
import { eventLabel } from '../diagrams/mermaid.js';
import type { VoiceDisconnectionView } from './feed-types.js';

/**
 * Lifecycle events by name. An event whose type is not listed here (or an xstate built-in) is shown
 * as `(other)`: nothing but a listed name reaches the page. Typed as records so that a renamed event
 * fails to compile here.
 */
const shardEventTypes: Record<ShardEvent['type'], true> = {
  'shard.start': true,
  'shard.adoptSession': true,
  'shard.stop': true,
  'socket.closed': true,
  'socket.alive': true,
  'socket.corrupt': true,
  'identify.granted': true,
  'identify.refused': true,
  'gateway.hello': true,
  'gateway.ready': true,
  'gateway.resumed': true,
  'gateway.reconnect': true,
  'gateway.invalidSession': true,
  'gateway.heartbeatRequest': true,
  'shard.openVoice': true,
  'shard.closeVoice': true,
};
const managerEventTypes: Record<Exclude<ManagerEvent['type'], `xstate.${string}`>, true> = {
  'manager.createShards': true,
  'manager.createRecommendedShards': true,
  'manager.start': true,
  'manager.startEarly': true,
  'manager.stop': true,
  'shard.ready': true,
  'shard.unready': true,
  'shard.failed': true,
};
const voiceEventTypes: Record<VoiceEvent['type'], true> = {
  'voice.join': true,
  'voice.move': true,
  'voice.setSelf': true,
  'voice.leave': true,
  'voice.rejoin': true,
  'voice.speak': true,
  'gateway.voiceState': true,
  'gateway.voiceServer': true,
  'shard.sessionReplaced': true,
  'shard.unavailable': true,
  'socket.opened': true,
  'socket.closed': true,
  'voice.hello': true,
  'voice.ready': true,
  'voice.sessionDescription': true,
  'voice.resumed': true,
  'voice.heartbeatAck': true,
  'udp.discovered': true,
  'dave.externalSender': true,
  'dave.proposals': true,
  'dave.commit': true,
  'dave.welcome': true,
  'dave.prepareTransition': true,
  'dave.executeTransition': true,
  'dave.prepareEpoch': true,
  'dave.decryptFailing': true,
};
/** The words a voice disconnection may show: the machine's own enumerations, nothing from the wire. */
const voiceDisconnectReasons: Record<VoiceDisconnectReason, true> = {
  CloseCode: true,
  EndpointRemoved: true,
  RemovedFromChannel: true,
  ShardSessionLost: true,
  TimedOut: true,
  NoSupportedEncryptionMode: true,
  Left: true,
};
const voiceFailureReasons: Record<VoiceFailureReason, true> = {
  ProtocolError: true,
  Disconnected: true,
  E2EERequired: true,
  RateLimited: true,
  CallTerminated: true,
};
const knownEventTypes = new Set<string>([
  ...Object.keys(shardEventTypes),
  ...Object.keys(managerEventTypes),
  ...Object.keys(voiceEventTypes),
]);
const knownDisconnectReasons = new Set<string>(Object.keys(voiceDisconnectReasons));
const knownFailureReasons = new Set<string>(Object.keys(voiceFailureReasons));
const builtinPrefixes = ['xstate.after.', 'xstate.done.actor.', 'xstate.error.actor.'];
export const SAFE_WORD = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
/** `gateway`, `transport`: a shard's socket; `server`, `transport`: a voice socket. */
const CLOSE_INITIATORS = new Set(['gateway', 'server', 'transport']);
/** A guild id as the page may show it: a snowflake, digits only. */
export const SNOWFLAKE = /^\d{1,20}$/;

export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

export function integerOrNull(value: unknown): number | null {
  return isInteger(value) ? value : null;
}

export function integers(value: unknown): number[] {
  return Array.isArray(value) ? value.filter(isInteger) : [];
}

/** The event's name as the page may show it: a listed lifecycle event or a labelled xstate built-in. */
export function safeEventName(type: string, source: AnyStateNode | undefined): string {
  if (knownEventTypes.has(type)) return type;
  if (builtinPrefixes.some((prefix) => type.startsWith(prefix))) {
    // Labels come from the machine definition (delay names, invoke sources), not from the event.
    return source === undefined ? type.split('.').slice(0, 2).join('.') : eventLabel(type, source);
  }
  if (type === 'xstate.init' || type === 'xstate.stop') return type;
  return '(other)';
}

/** The few facts of a lifecycle event worth showing, each checked for its type. Nothing else is read. */
export function eventDetail(event: AnyEventObject): string | null {
  const fields = event as Record<string, unknown>;
  switch (event.type) {
    case 'socket.closed': {
      const code = integerOrNull(fields['code']);
      const initiator = fields['initiator'];
      if (code === null) return null;
      return typeof initiator === 'string' && CLOSE_INITIATORS.has(initiator)
        ? `code ${code} (${initiator})`
        : `code ${code}`;
    }
    case 'gateway.invalidSession':
    case 'shard.stop':
    case 'manager.stop':
      return typeof fields['resumable'] === 'boolean' ? `resumable: ${String(fields['resumable'])}` : null;
    case 'gateway.hello':
    case 'voice.hello': {
      const interval = integerOrNull(fields['heartbeatIntervalMs']);
      return interval === null ? null : `heartbeat ${interval} ms`;
    }
    case 'voice.speak':
      return typeof fields['speaking'] === 'boolean' ? `speaking: ${String(fields['speaking'])}` : null;
    // Only whether the field is null: a voice endpoint or channel is not shown.
    case 'gateway.voiceServer':
      return fields['endpoint'] === null ? 'endpoint: null' : null;
    case 'gateway.voiceState':
      return fields['channelId'] === null ? 'channel: null' : null;
    case 'shard.ready':
    case 'shard.unready': {
      const shardId = integerOrNull(fields['shardId']);
      return shardId === null ? null : `shard ${shardId}`;
    }
    case 'shard.failed': {
      const shardId = integerOrNull(fields['shardId']);
      const reason = fields['reason'];
      const why = typeof reason === 'string' && SAFE_WORD.test(reason) ? `: ${reason}` : '';
      return shardId === null ? null : `shard ${shardId}${why}`;
    }
    case 'manager.createShards': {
      const total = integerOrNull(fields['totalShards']);
      return total === null ? null : `${integers(fields['shardIds']).length} of ${total}`;
    }
    default:
      return null;
  }
}

/** A voice disconnection's reason, close code and failure, each checked; null for anything else. */
export function voiceDisconnectionView(value: unknown): VoiceDisconnectionView | null {
  if (typeof value !== 'object' || value === null) return null;
  const fields = value as Record<string, unknown>;
  const reason = fields['reason'];
  if (typeof reason !== 'string' || !knownDisconnectReasons.has(reason)) return null;
  const failure = fields['failure'];
  return {
    reason,
    closeCode: integerOrNull(fields['closeCode']),
    failure: typeof failure === 'string' && knownFailureReasons.has(failure) ? failure : null,
  };
}
