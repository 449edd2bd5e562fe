import type { StateValue } from 'xstate';

/** A voice connection's lifecycle state, flattened from the voice machine's state value. */
export type VoiceConnectionStatus =
  'idle' | 'signalling' | 'connecting' | 'ready' | 'resuming' | 'reconnecting' | 'disconnected' | 'destroyed';

/**
 * Flattens the voice machine's value: top-level states by name (`rejoining` is a passing step of
 * `signalling`); inside a session, `reconnecting`, or the connection's lifecycle state, where the
 * handshake steps (identifying, discovering, selectingProtocol) count as `connecting`.
 */
export function voiceStatus(value: StateValue): VoiceConnectionStatus {
  if (typeof value === 'string')
    return value === 'rejoining' ? 'signalling' : (value as VoiceConnectionStatus);
  const session = value['session'];
  if (session === undefined) return 'connecting';
  if (typeof session === 'string') return session === 'reconnecting' ? 'reconnecting' : 'connecting';
  const lifecycle = (session['connection'] as Record<string, StateValue> | undefined)?.['lifecycle'];
  const name = typeof lifecycle === 'string' ? lifecycle : Object.keys(lifecycle ?? {})[0];
  if (name === 'ready') return 'ready';
  if (name === 'resuming') return 'resuming';
  return 'connecting';
}
