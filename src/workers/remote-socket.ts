import { fromCallback } from 'xstate';
import type { ShardEvent, SocketCommand, SocketInput } from '../../machines/index.js';
import { GatewayConnectionError, GatewayDecodeError } from '../errors.js';
import { parsePayload } from '../gateway/codec/index.js';
import { ConnectionProtocol } from '../gateway/connection-protocol.js';
import { gatewayConnectUrl } from '../gateway/gateway-url.js';
import { routeInboundPayload } from '../gateway/inbound-frames.js';
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
    let resolveClosed: (() => void) | null = null;
    const protocol = new RemoteProtocol(deps, sendBack, (code) => shutDown(code));
    const corrupt = (error: unknown) => {
      live = false;
      protocol.corrupted(error);
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
            protocol.proveLife();
            continue;
          }
          try {
            const payload = parsePayload(item);
            protocol.frameArrived(payload);
            routeInboundPayload(payload, deps.sequence, protocol);
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
        protocol.answerIdentify();
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

    /** Asks the worker to close the socket (null: drop it) and stops listening to it. */
    const shutDown = (code: number | null) => {
      const wasLive = live;
      live = false;
      protocol.answerIdentify();
      deps.sender.detach();
      if (ended || (!wasLive && resolveClosed !== null)) return;
      const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
      deps.observe({ type: 'socket.closing', closed });
      pool.close(conn, code);
    };

    receive((command) => protocol.command(command));

    // Stopped by the machine: close with the code it chose (exit action), else a resumable 4000.
    return () => {
      // The wait at the gate ends with the socket: its answer must not reach a later connection.
      protocol.endIdentify();
      if (!ended && resolveClosed === null) shutDown(4000);
      live = false;
    };
  });
}

/** The protocol of a connection whose socket is in a worker: closing asks the worker. */
class RemoteProtocol extends ConnectionProtocol {
  readonly #close: (code: number | null) => void;

  constructor(
    deps: ConnectionDeps,
    toMachine: (event: ShardEvent) => void,
    close: (code: number | null) => void,
  ) {
    super(deps, toMachine);
    this.#close = close;
  }

  protected override shutDown(code: number | null): void {
    this.#close(code);
  }
}

function urlWithoutQuery(text: string): string {
  const cut = text.indexOf('?');
  return cut === -1 ? text : text.slice(0, cut);
}
