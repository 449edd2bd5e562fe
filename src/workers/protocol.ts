import type { GatewayCompression } from '../gateway/gateway-url.js';

/**
 * The messages between a `ShardManager`'s main thread and its worker threads (worker sharding).
 * Versioned: a worker answers `hello` with its version and the main thread refuses another.
 * A worker hosts only the connections (socket, decompression, envelope scan); the shard machines, the
 * identify gate and the session store stay in the main thread. @internal
 */
export const WORKER_PROTOCOL_VERSION = 1;

/** What the worker reads from `workerData`. @internal */
export interface WorkerBoot {
  /** The protocol version the main thread speaks. */
  readonly version: number;
  /** The worker's index in its pool. */
  readonly index: number;
  /** Most items per `frames` message (a batch is flushed earlier when the event loop turns). */
  readonly maxBatchItems: number;
}

/** Which dispatch types of a shard the main thread wants (the worker drops the others unparsed). */
export interface DispatchInterest {
  /** Every dispatch is wanted (a `dispatch` listener): nothing is dropped. */
  readonly all: boolean;
  /** Types with a listener. */
  readonly types: readonly string[];
}

/** Main thread → worker. @internal */
export type ToWorker =
  | {
      readonly type: 'connect';
      /** The connection's id (the main thread's, unique across the pool). */
      readonly conn: number;
      readonly shardId: number;
      /** The URL to open, with its query (`v`, `encoding`, `compress`). */
      readonly url: string;
      readonly compression: GatewayCompression;
      /** The session's last sequence as the main thread delivered it. */
      readonly sequence: number | null;
    }
  | { readonly type: 'send'; readonly conn: number; readonly data: string }
  /** Close with `code`, or drop (`null`: no close handshake). */
  | { readonly type: 'close'; readonly conn: number; readonly code: number | null }
  | { readonly type: 'interest'; readonly shardId: number; readonly interest: DispatchInterest };

/**
 * Worker → main thread. `frames.items` is a flat list of runs: a connection id, the run's length, then
 * that many items: a string is one frame's JSON text (to parse), a number is the connection's sequence
 * after frames the worker dropped unparsed (a checkpoint). Items keep the order the frames arrived in.
 * @internal
 */
export type FromWorker =
  | { readonly type: 'hello'; readonly version: number }
  | { readonly type: 'opened'; readonly conn: number }
  | { readonly type: 'frames'; readonly items: ReadonlyArray<number | string> }
  | { readonly type: 'error'; readonly conn: number; readonly message: string }
  | { readonly type: 'corrupt'; readonly conn: number; readonly message: string }
  | { readonly type: 'closed'; readonly conn: number; readonly code: number };
