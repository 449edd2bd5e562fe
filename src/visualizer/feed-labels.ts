import type { StateValue } from 'xstate';
import { shardStatus } from '../shard/shard-status.js';
import { voiceStatus } from '../voice/voice-status.js';
import { leafPaths } from './state-tree.js';

/** `connection.lifecycle.identifying.awaitingReady` → `identifying.awaitingReady`; top-level states as they are. */
function lifecycleLabel(value: StateValue): string {
  const leaves = leafPaths(value);
  const lifecycle = leaves.find((leaf) => leaf.startsWith('connection.lifecycle.'));
  if (lifecycle !== undefined) return lifecycle.slice('connection.lifecycle.'.length);
  return leaves[0] ?? '';
}

function heartbeatLabel(value: StateValue): string {
  const leaf = leafPaths(value).find((path) => path.startsWith('connection.heartbeat.'));
  return leaf === undefined ? '' : leaf.slice('connection.'.length);
}

/** `session.connection.lifecycle.ready.speaking` → `ready.speaking`; `session.reconnecting` → `reconnecting`. */
function voiceLifecycleLabel(value: StateValue): string {
  const leaves = leafPaths(value);
  const lifecycle = leaves.find((leaf) => leaf.startsWith('session.connection.lifecycle.'));
  if (lifecycle !== undefined) return lifecycle.slice('session.connection.lifecycle.'.length);
  const leaf = leaves[0] ?? '';
  return leaf.startsWith('session.') ? leaf.slice('session.'.length) : leaf;
}

function voiceHeartbeatLabel(value: StateValue): string {
  const leaf = leafPaths(value).find((path) => path.startsWith('session.connection.heartbeat.'));
  return leaf === undefined ? '' : leaf.slice('session.connection.'.length);
}

/** How a machine's state values read in the log: its flattened status, its lifecycle step, its heartbeat. */
export interface LogLabels {
  readonly status: (value: StateValue) => string;
  readonly lifecycle: (value: StateValue) => string;
  readonly heartbeat: (value: StateValue) => string;
}
export const shardLabels: LogLabels = {
  status: shardStatus,
  lifecycle: lifecycleLabel,
  heartbeat: heartbeatLabel,
};
export const voiceLabels: LogLabels = {
  status: voiceStatus,
  lifecycle: voiceLifecycleLabel,
  heartbeat: voiceHeartbeatLabel,
};
