import type { AnyActorRef, CallbackActorLogic, CallbackSnapshot } from 'xstate';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { ShardEvent, SocketCommand, SocketInput } from '../../machines/index.js';
import type { StatecordError } from '../errors.js';
import type { IdentifyGate } from '../shard/identify-gate.js';
import { GatewayConnection } from './gateway-connection.js';
import type { GatewayCompression } from './gateway-url.js';
import type { ShardIdentity } from './identity.js';
import type { OutboundSender } from './outbound/index.js';
import type { SequenceTracker } from './sequence.js';

/** What happened on a connection that is not a lifecycle decision: for latency and diagnostics. */
export type ConnectionObservation =
  | { type: 'heartbeat.sent'; at: number }
  | { type: 'heartbeat.acked'; latencyMs: number }
  | { type: 'frame.undecodable'; error: StatecordError }
  | { type: 'socket.error'; error: Error }
  | { type: 'socket.closing'; closed: Promise<void> };

/** Where a connection's dispatches go, and whether anyone wants them. */
export interface DispatchSink {
  /** Every dispatch that is wanted, exactly once per `s`, in order (the hot path). */
  deliver(payload: GatewayDispatchPayload): void;
  /**
   * Whether anyone wants dispatches of this type now (selective decoding): asked for every dispatch
   * other than READY and RESUMED before it is parsed; a dispatch nobody wants is never parsed.
   */
  wants(type: string): boolean;
  /** Whether every dispatch is wanted now (a listener for all of them): then none is scanned first. */
  wantsAll(): boolean;
}

/** Everything a connection needs from its shard. One object per shard, shared by all its connections. */
export interface ConnectionDeps {
  readonly identity: ShardIdentity;
  readonly compression: GatewayCompression;
  readonly sequence: SequenceTracker;
  readonly sender: OutboundSender;
  /** Where dispatches go (the shard's gateway: an object of its own, not closures per shard). */
  readonly dispatches: DispatchSink;
  readonly observe: (observation: ConnectionObservation) => void;
  /**
   * The gateway answered this connection's IDENTIFY (READY or op 9), or the connection closed before
   * it did: the IDENTIFY has arrived, if it ever will. The identify gate counts a bucket's interval
   * from here, so that spacing holds on arrival whatever the network and event loops did (docs/protocol/gateway.md §5).
   */
  readonly identifyAnswered: () => void;
  /**
   * The identify gate (one object for every shard of a manager), asked on the machine's
   * `identify.wait` for `identity.shard[0]`: resolves when the shard may send IDENTIFY, rejects when it
   * may not or when the signal aborts (the wait was cancelled).
   */
  readonly identifyGate: Pick<IdentifyGate, 'waitForIdentify'>;
  readonly now: () => number;
}

/** The snapshot of a socket actor: it holds no state of its own (the connection is kept apart). */
export type SocketSnapshot = CallbackSnapshot<SocketInput>;

/** The part of xstate's actor system a socket actor uses to reach its parent (as `sendBack` does). */
interface RelayingSystem {
  _relay(source: AnyActorRef, target: AnyActorRef, event: ShardEvent): void;
}

/**
 * The socket actor: one {@link GatewayConnection} per invocation. Invoked on the machine's
 * `connection` state, so a new connection is a new actor; once the actor is stopped, nothing its
 * connection reports reaches the machine any more: a late event of a replaced socket is dropped.
 *
 * The logic of a callback actor (`fromCallback`), written out: the callback's closures, its receiver
 * set and its state object were ≈ 0.4 KiB of every idle shard (BENCHMARKS.md, memory). Events reach
 * the parent exactly as `fromCallback`'s `sendBack` sends them (through the system, which reports
 * them to inspectors with this actor as their source), and only while the actor is not stopped.
 */
export function createSocketLogic(
  depsFor: (shardId: number) => ConnectionDeps,
): CallbackActorLogic<SocketCommand, SocketInput, ShardEvent> {
  const connections = new WeakMap<AnyActorRef, GatewayConnection>();
  return {
    start: (snapshot, { self, system }) => {
      const toMachine = (event: ShardEvent): void => {
        if (self.getSnapshot().status === 'stopped' || self._parent === undefined) return;
        (system as unknown as RelayingSystem)._relay(self, self._parent, event);
      };
      const { url, shardId } = snapshot.input;
      connections.set(self, new GatewayConnection(url, depsFor(shardId), toMachine));
    },
    transition: (snapshot, event, { self }) => {
      const connection = connections.get(self);
      if ((event as { type: string }).type === XSTATE_STOP) {
        connections.delete(self);
        connection?.dispose();
        return { ...snapshot, status: 'stopped', error: undefined };
      }
      connection?.command(event);
      return snapshot;
    },
    getInitialSnapshot: (_, input) => ({ status: 'active', output: undefined, error: undefined, input }),
    getPersistedSnapshot: (snapshot) => snapshot,
    restoreSnapshot: (snapshot) => snapshot as SocketSnapshot,
  };
}

/** The event xstate sends an actor's logic when the actor is stopped. */
const XSTATE_STOP = 'xstate.stop';
