import type { StateValue } from 'xstate';

/** A shard's lifecycle state, flattened from the machine's state value. */
export type ShardStatus =
  'idle' | 'connecting' | 'identifying' | 'resuming' | 'ready' | 'reconnecting' | 'stopped' | 'failed';

/**
 * Flattens the machine's value: top-level states by name; while connected, the `lifecycle` region's
 * state (`connecting`, `identifying`, `resuming`, `ready`).
 */
export function shardStatus(value: StateValue): ShardStatus {
  if (typeof value === 'string') return value as ShardStatus;
  const connection = value['connection'];
  if (connection === undefined || typeof connection === 'string') return 'connecting';
  const lifecycle = connection['lifecycle'];
  if (lifecycle === undefined) return 'connecting';
  return (typeof lifecycle === 'string' ? lifecycle : Object.keys(lifecycle)[0]) as ShardStatus;
}
