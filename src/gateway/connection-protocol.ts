import type { GatewayDispatchPayload, GatewayReceivePayload } from 'discord-api-types/v10';
import type { ShardEvent, SocketCommand } from '../../machines/index.js';
import { ConnectionClosedError, GatewayDecodeError, StatecordError } from '../errors.js';
import type { InboundSinks } from './inbound-frames.js';
import { isLifecycleFrame } from './inbound-frames.js';
import { IdentifyWait } from './identify-wait.js';
import { heartbeatPayload, identifyPayload, resumePayload } from './outbound-payloads.js';
import type { OutboundSender } from './outbound/index.js';
import type { ConnectionDeps } from './socket-actor.js';

/**
 * The protocol side of one gateway connection, wherever its socket lives (in this thread,
 * `GatewayConnection`, or in a worker, the remote socket): machine commands become frames, routed
 * frames become machine events, and the bookkeeping between them — the wait at the identify gate, the
 * IDENTIFY the gateway has not answered yet, the heartbeat's send time and the proof of life after it.
 * A subclass owns the socket and says how it closes; the methods are for it and its callbacks. @internal
 */
export abstract class ConnectionProtocol implements InboundSinks {
  protected readonly deps: ConnectionDeps;
  /** Hands an event to the machine; the socket actor drops it once the actor is stopped. */
  protected readonly toMachine: (event: ShardEvent) => void;
  /** Set when a heartbeat is sent; the first frame after it is reported as life (zombie detection). */
  #awaitingLife = false;
  /** An IDENTIFY was handed to the sender and the gateway has not answered it yet. */
  #identifyUnanswered = false;
  #heartbeatSentAt = 0;
  /** The wait at the identify gate in progress (`identify.wait`), or null. */
  #identifyWait: IdentifyWait | null = null;

  constructor(deps: ConnectionDeps, toMachine: (event: ShardEvent) => void) {
    this.deps = deps;
    this.toMachine = toMachine;
  }

  /** Closes the socket with `code` (null: drops it without a handshake). */
  protected abstract shutDown(code: number | null): void;

  /** A command of the machine. */
  command(command: SocketCommand): void {
    const deps = this.deps;
    switch (command.type) {
      case 'identify':
        // Sent on the gate's grant: that wait is over.
        this.#identifyWait = null;
        this.#identifyUnanswered = true;
        this.#send(identifyPayload(deps.identity), 'handshake');
        return;
      case 'identify.wait':
        this.#identifyWait?.cancel();
        this.#identifyWait = new IdentifyWait(deps.identifyGate, deps.identity.shard[0], this.toMachine);
        return;
      case 'identify.cancel':
        this.#identifyWait?.cancel();
        this.#identifyWait = null;
        return;
      case 'resume':
        this.#send(resumePayload(deps.identity, command.sessionId, deps.sequence.value), 'handshake');
        return;
      case 'heartbeat':
        this.#awaitingLife = true;
        this.#heartbeatSentAt = deps.now();
        deps.observe({ type: 'heartbeat.sent', at: this.#heartbeatSentAt });
        this.#send(heartbeatPayload(deps.sequence.value), 'heartbeat');
        return;
      case 'outbound.open':
        deps.sender.open();
        return;
      case 'outbound.hold':
        deps.sender.hold();
        return;
      case 'close':
        this.shutDown(command.code);
        return;
      case 'terminate':
        this.shutDown(null);
        return;
    }
  }

  /** @internal A lifecycle event of a decoded frame (a sink of `routeInboundPayload`). */
  lifecycle(event: ShardEvent): void {
    // The heartbeat reserve of the send budget depends on the interval (docs/protocol/gateway.md §5).
    if (event.type === 'gateway.hello') this.deps.sender.setHeartbeatInterval(event.heartbeatIntervalMs);
    if (event.type === 'gateway.ready' || event.type === 'gateway.invalidSession') this.answerIdentify();
    // A lifecycle frame is itself proof of life for the machine; no separate socket.alive.
    this.#awaitingLife = false;
    this.toMachine(event);
  }

  /** @internal A dispatch (a sink of `routeInboundPayload`). */
  dispatch(payload: GatewayDispatchPayload): void {
    this.deps.dispatches.deliver(payload);
  }

  /** @internal op 11 (a sink of `routeInboundPayload`). */
  heartbeatAck(): void {
    this.deps.observe({ type: 'heartbeat.acked', latencyMs: this.deps.now() - this.#heartbeatSentAt });
  }

  /** A decoded frame is about to be routed: after a heartbeat, a frame that is no lifecycle frame proves life. */
  frameArrived(payload: GatewayReceivePayload): void {
    if (this.#awaitingLife && !isLifecycleFrame(payload)) this.proveLife();
  }

  /** The first frame after a heartbeat tells the machine the connection is alive. */
  proveLife(): void {
    if (!this.#awaitingLife) return;
    this.#awaitingLife = false;
    this.toMachine({ type: 'socket.alive' });
  }

  /** The gateway answered the IDENTIFY in flight, or never will (the connection ended). */
  answerIdentify(): void {
    if (!this.#identifyUnanswered) return;
    this.#identifyUnanswered = false;
    this.deps.identifyAnswered();
  }

  /** The connection ends: its wait at the gate must not answer a later connection. */
  endIdentify(): void {
    this.#identifyWait?.cancel();
    this.#identifyWait = null;
    this.answerIdentify();
  }

  /** The stream can no longer be trusted (the caller stops reading); what was lost is replayed by the resume. */
  corrupted(error: unknown): void {
    this.deps.observe({
      type: 'frame.undecodable',
      error:
        error instanceof StatecordError
          ? error
          : new GatewayDecodeError('an inbound frame could not be processed', { cause: error }),
    });
    this.toMachine({ type: 'socket.corrupt' });
  }

  #send(
    payload: Parameters<OutboundSender['send']>[0],
    priority: Parameters<OutboundSender['send']>[1],
  ): void {
    const deps = this.deps;
    deps.sender.send(payload, priority).catch((error: unknown) => {
      // A frame for a connection that closed meanwhile is moot: the machine reacts to the close.
      if (error instanceof ConnectionClosedError) return;
      deps.observe({
        type: 'socket.error',
        error: error instanceof Error ? error : new Error(String(error)),
      });
    });
  }
}
