import { fromCallback } from 'xstate';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { ShardEvent, SocketCommand, SocketInput } from '../../machines/index.js';
import {
  ConnectionClosedError,
  GatewayConnectionError,
  GatewayDecodeError,
  StatecordError,
} from '../errors.js';
import { parsePayload } from '../gateway/codec/index.js';
import { gatewayConnectUrl } from '../gateway/gateway-url.js';
import { isLifecycleFrame, routeInboundPayload } from '../gateway/inbound-frames.js';
import { IdentifyWait } from '../gateway/identify-wait.js';
import { heartbeatPayload, identifyPayload, resumePayload } from '../gateway/outbound-payloads.js';
import type { OutboundSender } from '../gateway/outbound/index.js';
import type { ConnectionDeps } from '../gateway/socket-actor.js';

/** What a remote connection hears from the worker that holds its socket. @internal */
export interface RemoteConnectionHandler {
  readonly opened: () => void;
  /** `count` items of `items` from `from`: frame texts and checkpoint sequences, in arrival order. */
  readonly frames: (items: ReadonlyArray<number | string>, from: number, count: number) => void;
  readonly error: (error: Error) => void;
  readonly corrupt: (message: string) => void;
  /** The socket closed (`code` 1006 when its worker died with it). */
  readonly closed: (code: number) => void;
}

/** The pool side of a remote connection. @internal */
export interface RemoteConnections {
  /** Opens a socket in the shard's worker; returns the connection id. */
  connect(
    request: {
      shardId: number;
      url: string;
      compression: ConnectionDeps['compression'];
      sequence: number | null;
    },
    handler: RemoteConnectionHandler,
  ): number;
  send(conn: number, data: string): void;
  close(conn: number, code: number | null): void;
}

/**
 * The shard machine's `socket` actor for a shard whose socket lives in a worker thread: the same
 * contract as `createSocketLogic` (frames in as machine events and dispatches, commands out as frames),
 * with the socket at the other end of a message port. The worker sends frame texts in batches; this
 * side parses and routes them with the in-process code (`routeInboundPayload`), so the sequence the
 * shard holds is the one of the dispatches delivered here: a worker that dies loses only frames this
 * thread never delivered, and the RESUME from that sequence replays them (docs/protocol/gateway.md §7).
 * @internal
 */
export function createRemoteSocketLogic(
  depsFor: (shardId: number) => ConnectionDeps,
  pool: RemoteConnections,
) {
  return fromCallback<SocketCommand, SocketInput, ShardEvent>(({ input, sendBack, receive }) => {
    const deps = depsFor(input.shardId);
    const where = urlWithoutQuery(input.url);
    let live = true;
    let ended = false;
    let awaitingLife = false;
    let identifyUnanswered = false;
    let heartbeatSentAt = 0;
    let resolveClosed: (() => void) | null = null;
    /** The wait at the identify gate in progress (`identify.wait`), or null. */
    let identifyWait: IdentifyWait | null = null;
    const answerIdentify = () => {
      if (!identifyUnanswered) return;
      identifyUnanswered = false;
      deps.identifyAnswered();
    };
    const sinks = {
      lifecycle: (event: ShardEvent) => {
        if (event.type === 'gateway.hello') deps.sender.setHeartbeatInterval(event.heartbeatIntervalMs);
        if (event.type === 'gateway.ready' || event.type === 'gateway.invalidSession') answerIdentify();
        awaitingLife = false;
        sendBack(event);
      },
      dispatch: (payload: GatewayDispatchPayload) => deps.dispatches.deliver(payload),
      heartbeatAck: () => deps.observe({ type: 'heartbeat.acked', latencyMs: deps.now() - heartbeatSentAt }),
    };
    const alive = () => {
      if (!awaitingLife) return;
      awaitingLife = false;
      sendBack({ type: 'socket.alive' });
    };
    const corrupt = (error: unknown) => {
      // The stream can no longer be trusted; what was lost is replayed by the resume.
      live = false;
      deps.observe({
        type: 'frame.undecodable',
        error:
          error instanceof StatecordError
            ? error
            : new GatewayDecodeError('an inbound frame could not be processed', { cause: error }),
      });
      sendBack({ type: 'socket.corrupt' });
    };
    let conn = -1;
    const handler: RemoteConnectionHandler = {
      opened: () => {
        if (live) deps.sender.attach((data: string) => pool.send(conn, data));
      },
      frames: (items, from, count) => {
        for (let index = from; index < from + count && live; index++) {
          const item = items[index]!;
          if (typeof item === 'number') {
            // Dispatches the worker dropped unparsed (nobody wanted them): only their `s` counts.
            deps.sequence.accept(item);
            alive();
            continue;
          }
          try {
            const payload = parsePayload(item);
            if (!isLifecycleFrame(payload)) alive();
            routeInboundPayload(payload, deps.sequence, sinks);
          } catch (error) {
            corrupt(error);
          }
        }
      },
      error: (error) => {
        if (live) deps.observe({ type: 'socket.error', error: new GatewayConnectionError(where, error) });
      },
      corrupt: (message) => {
        if (live) corrupt(new GatewayDecodeError(`an inbound frame could not be decoded: ${message}`));
      },
      closed: (code) => {
        ended = true;
        resolveClosed?.();
        answerIdentify();
        if (!live) return;
        live = false;
        deps.sender.detach();
        sendBack({ type: 'socket.closed', code, initiator: code === 1006 ? 'transport' : 'gateway' });
      },
    };
    conn = pool.connect(
      {
        shardId: input.shardId,
        url: gatewayConnectUrl(input.url, deps.compression),
        compression: deps.compression,
        sequence: deps.sequence.value,
      },
      handler,
    );

    const send = (
      payload: Parameters<OutboundSender['send']>[0],
      priority: Parameters<OutboundSender['send']>[1],
    ) => {
      deps.sender.send(payload, priority).catch((error: unknown) => {
        if (error instanceof ConnectionClosedError) return;
        deps.observe({
          type: 'socket.error',
          error: error instanceof Error ? error : new Error(String(error)),
        });
      });
    };

    /** Asks the worker to close the socket (null: drop it) and stops listening to it. */
    const shutDown = (code: number | null) => {
      const wasLive = live;
      live = false;
      answerIdentify();
      deps.sender.detach();
      if (ended || (!wasLive && resolveClosed !== null)) return;
      const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
      deps.observe({ type: 'socket.closing', closed });
      pool.close(conn, code);
    };

    receive((command) => {
      switch (command.type) {
        case 'identify':
          // Sent on the gate's grant: that wait is over.
          identifyWait = null;
          identifyUnanswered = true;
          send(identifyPayload(deps.identity), 'handshake');
          return;
        case 'identify.wait':
          identifyWait?.cancel();
          identifyWait = new IdentifyWait(deps.identifyGate, deps.identity.shard[0], sendBack);
          return;
        case 'identify.cancel':
          identifyWait?.cancel();
          identifyWait = null;
          return;
        case 'resume':
          send(resumePayload(deps.identity, command.sessionId, deps.sequence.value), 'handshake');
          return;
        case 'heartbeat':
          awaitingLife = true;
          heartbeatSentAt = deps.now();
          deps.observe({ type: 'heartbeat.sent', at: heartbeatSentAt });
          send(heartbeatPayload(deps.sequence.value), 'heartbeat');
          return;
        case 'outbound.open':
          deps.sender.open();
          return;
        case 'outbound.hold':
          deps.sender.hold();
          return;
        case 'close':
          shutDown(command.code);
          return;
        case 'terminate':
          shutDown(null);
          return;
      }
    });

    // Stopped by the machine: close with the code it chose (exit action), else a resumable 4000.
    return () => {
      // The wait at the gate ends with the socket: its answer must not reach a later connection.
      identifyWait?.cancel();
      answerIdentify();
      if (!ended && resolveClosed === null) shutDown(4000);
      live = false;
    };
  });
}

function urlWithoutQuery(text: string): string {
  const cut = text.indexOf('?');
  return cut === -1 ? text : text.slice(0, cut);
}
