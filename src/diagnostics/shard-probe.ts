import { performance } from 'node:perf_hooks';
import type { AnyActorRef, AnyEventObject, InspectionEvent, StateValue } from 'xstate';
import { connectionUrl, willResume } from '../../machines/index.js';
import type { ShardContext } from '../../machines/index.js';
import { shardStatus } from '../shard/shard-status.js';
import type { ShardStatus } from '../shard/shard-status.js';
import type { Shard } from '../shard/shard.js';
import { channels } from './channels.js';
import type { ShardReconnectCause } from './channels.js';

/** What the probe remembers of one shard actor between its snapshots. */
interface ShardRecord {
  readonly shard: Shard;
  status: ShardStatus;
  /** Whether the actor is in its `connection` state (a socket is open or opening). */
  connected: boolean;
  /** When the shard started waiting at the identify gate (performance.now()), or null. */
  gateSince: number | null;
}

/** Shard actors by actor ref; a stopped shard's record goes with its actor. */
const records = new WeakMap<object, ShardRecord>();
/**
 * Per actor system: its inspection subscription while any probed channel has subscribers, else null.
 * An observer on the system makes xstate build and hand over an inspection event for every event,
 * microstep and action of every actor (≈ 3 % of a many-shard start-up's CPU): it is there only while
 * someone listens.
 */
const probedSystems = new WeakMap<object, { subscription: { unsubscribe(): void } | null }>();

/**
 * Publishes a shard's connections, closes and lifecycle transitions to statecord's diagnostics
 * channels (see `diagnosticsChannels`). Reads the actor system's inspection stream while a channel
 * has subscribers: one observer per system, so a manager's thousand shards cost one observer, and
 * nothing on the dispatch path. A message is built only while its channel has subscribers. The shard
 * reports each of its snapshots ({@link shardSnapshotChanged}), which attaches the observer when
 * needed, before xstate reports that snapshot to inspectors. @internal
 */
export function probeShard(actor: AnyActorRef, shard: Shard): void {
  const snapshot = actor.getSnapshot() as { value: StateValue };
  records.set(actor, {
    shard,
    status: shardStatus(snapshot.value),
    connected: typeof snapshot.value === 'object',
    gateSince: null,
  });
  if (!probedSystems.has(actor.system)) probedSystems.set(actor.system, { subscription: null });
  shardSnapshotChanged(actor, snapshot.value);
}

/**
 * A shard actor's snapshot changed (its observers run before its inspectors): with subscribers, make
 * sure the system is inspected (the inspection of this very snapshot then publishes); without, stop
 * inspecting and keep the shard's record current. @internal
 */
export function shardSnapshotChanged(actor: AnyActorRef, value: StateValue): void {
  const probe = probedSystems.get(actor.system);
  if (probe === undefined) return;
  if (anyProbedChannelSubscribed()) {
    if (probe.subscription === null) {
      const system = actor.system as {
        inspect: (observer: (event: InspectionEvent) => void) => { unsubscribe(): void };
      };
      probe.subscription = system.inspect(onInspection);
    }
    return;
  }
  if (probe.subscription !== null) {
    probe.subscription.unsubscribe();
    probe.subscription = null;
  }
  const record = records.get(actor);
  if (record === undefined) return;
  record.status = shardStatus(value);
  record.connected = typeof value === 'object';
  if (identifyingStep(value) === 'waitingForSlot') record.gateSince ??= performance.now();
  else record.gateSince = null;
}

function anyProbedChannelSubscribed(): boolean {
  return (
    channels.transition.hasSubscribers ||
    channels.connect.hasSubscribers ||
    channels.close.hasSubscribers ||
    channels.identify.hasSubscribers
  );
}

function onInspection(inspection: InspectionEvent): void {
  if (inspection.type !== '@xstate.snapshot') return;
  const record = records.get(inspection.actorRef);
  if (record === undefined) return;
  const snapshot = inspection.snapshot as unknown as { value: StateValue; context: ShardContext };
  const event = inspection.event;
  if (event.type === 'socket.closed' && channels.close.hasSubscribers) {
    const closed = event as AnyEventObject & { code: number; initiator: 'gateway' | 'transport' };
    channels.close.publish({
      shard: record.shard,
      shardId: record.shard.id,
      code: closed.code,
      initiator: closed.initiator,
    });
  }
  const value = snapshot.value;
  trackIdentifyGate(record, value);
  const connected = typeof value === 'object';
  const from = record.status;
  const to = shardStatus(value);
  record.status = to;
  if (connected && !record.connected && channels.connect.hasSubscribers) {
    channels.connect.publish({
      shard: record.shard,
      shardId: record.shard.id,
      url: urlWithoutQuery(connectionUrl(snapshot.context)),
      resuming: willResume(snapshot.context),
    });
  }
  record.connected = connected;
  if (from === to || !channels.transition.hasSubscribers) return;
  channels.transition.publish({
    shard: record.shard,
    shardId: record.shard.id,
    from,
    to,
    event: eventName(event.type),
    cause: to === 'reconnecting' ? reconnectCause(event.type) : null,
    closeCode: event.type === 'socket.closed' ? (event as AnyEventObject & { code: number }).code : null,
  });
}

/** Times the wait at the identify gate; publishes `statecord:shard:identify` when it lets the shard go. */
function trackIdentifyGate(record: ShardRecord, value: StateValue): void {
  const waiting = identifyingStep(value) === 'waitingForSlot';
  if (waiting) {
    record.gateSince ??= performance.now();
    return;
  }
  const since = record.gateSince;
  if (since === null) return;
  record.gateSince = null;
  // Left the gate for anything but IDENTIFY (a close, a stop): nothing was identified.
  if (identifyingStep(value) !== 'awaitingReady' || !channels.identify.hasSubscribers) return;
  channels.identify.publish({
    shard: record.shard,
    shardId: record.shard.id,
    gateWaitMs: performance.now() - since,
  });
}

/** The sub-state of `connection.lifecycle.identifying`, or null outside it. */
function identifyingStep(value: StateValue): string | null {
  if (typeof value === 'string') return null;
  const connection = value['connection'];
  if (connection === undefined || typeof connection === 'string') return null;
  const lifecycle = connection['lifecycle'];
  if (lifecycle === undefined || typeof lifecycle === 'string') return null;
  const identifying = lifecycle['identifying'];
  return typeof identifying === 'string' ? identifying : null;
}

/** `xstate.after.heartbeatInterval.shard…` → `after heartbeatInterval`; machine events as they are. */
function eventName(type: string): string {
  if (type.startsWith('xstate.after.')) return `after ${type.split('.')[2]}`;
  return type;
}

/** Why the machine left its connection, from the event that moved it to `reconnecting`. */
export function reconnectCause(type: string): ShardReconnectCause {
  switch (type) {
    case 'socket.closed':
      return 'close';
    case 'gateway.reconnect':
      return 'reconnectRequested';
    case 'gateway.invalidSession':
      return 'invalidSession';
    case 'socket.corrupt':
      return 'corrupt';
  }
  if (type.startsWith('xstate.after.')) {
    const delay = type.split('.')[2];
    // docs/protocol/gateway.md §2.1: a heartbeat due with nothing received since the last is a zombie.
    if (delay === 'heartbeatInterval') return 'zombie';
    if (delay === 'helloTimeout' || delay === 'readyTimeout' || delay === 'resumeTimeout') return delay;
  }
  if (type === 'identify.refused') return 'identifyGateFailed';
  return 'other';
}

/** The URL without its query (`?v=10&encoding=json` is noise, not news). */
function urlWithoutQuery(text: string): string {
  const cut = text.indexOf('?');
  return cut === -1 ? text : text.slice(0, cut);
}
