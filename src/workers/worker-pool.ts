import type { Worker } from 'node:worker_threads';
import type { InspectionEvent, Observer } from 'xstate';
import type { WorkerExit, WorkerFailure, WorkerSupervisorConfig } from '../../machines/index.js';
import { WorkerCrashLoopError } from '../errors.js';
import { WORKER_PROTOCOL_VERSION } from './protocol.js';
import type { DispatchInterest, FromWorker, ToWorker } from './protocol.js';
import type { RemoteConnectionHandler, RemoteConnections } from './remote-socket.js';
import { spawnConnectionWorker } from './spawn-worker.js';
import { WorkerSupervisor } from './worker-supervisor.js';

/** Most items per batch a worker posts. */
const MAX_BATCH_ITEMS = 512;

/** What a pool reports to its manager. @internal */
export interface WorkerPoolEvents {
  /** A worker died; its shards' sockets are gone and they reconnect (resume) once it is respawned. */
  readonly crashed: (index: number, exit: WorkerExit, crashes: number) => void;
  /** A respawned worker is online again. */
  readonly respawned: (index: number) => void;
  /** A worker's supervisor gave up: its shards cannot connect any more. */
  readonly failed: (index: number, error: WorkerCrashLoopError) => void;
}

interface Connection {
  readonly shardId: number;
  readonly worker: number;
  readonly handler: RemoteConnectionHandler;
  /** Sent to the worker (false: waiting for the worker to be online). */
  sent: boolean;
  readonly request: Extract<ToWorker, { type: 'connect' }>;
}

/**
 * The worker threads of a `ShardManager` with `workers`: shard `id` lives in worker `id % size`. Each
 * worker has a supervisor; connections asked for while their worker is starting or respawning wait
 * for it, and those of a worker that died are reported closed (1006, a TCP drop: the shards resume).
 * @internal
 */
export class WorkerPool implements RemoteConnections {
  readonly size: number;
  readonly #supervisors: WorkerSupervisor[];
  readonly #connections = new Map<number, Connection>();
  readonly #interests = new Map<number, DispatchInterest>();
  readonly #events: WorkerPoolEvents;
  #nextConn = 1;

  constructor(options: {
    readonly size: number;
    readonly events: WorkerPoolEvents;
    readonly config?: Partial<WorkerSupervisorConfig>;
    readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
    /** Starts worker `index` (tests inject faulty workers). Default: statecord's worker entry. */
    readonly spawn?: (index: number) => Worker;
  }) {
    this.size = options.size;
    this.#events = options.events;
    const spawn =
      options.spawn ??
      ((index: number) =>
        spawnConnectionWorker({ version: WORKER_PROTOCOL_VERSION, index, maxBatchItems: MAX_BATCH_ITEMS }));
    this.#supervisors = Array.from(
      { length: options.size },
      (_, index) =>
        new WorkerSupervisor({
          index,
          spawn: () => spawn(index),
          ...(options.config === undefined ? {} : { config: options.config }),
          ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
          events: {
            message: (message) => this.#onMessage(message),
            running: (respawned) => this.#onRunning(index, respawned),
            crashed: (exit, crashes) => this.#onCrashed(index, exit, crashes),
            failed: (failure) => this.#onFailed(index, failure),
          },
        }),
    );
  }

  /** The supervisors, by worker index (their state, and their thread for tests). */
  get workers(): readonly WorkerSupervisor[] {
    return this.#supervisors;
  }

  /** The worker index of a shard. */
  workerOf(shardId: number): number {
    return shardId % this.size;
  }

  /** Starts every worker not running (after a stop, a failure is forgotten). */
  start(): void {
    for (const supervisor of this.#supervisors) {
      if (supervisor.state === 'idle' || supervisor.state === 'stopped') supervisor.start();
    }
  }

  /** Terminates every worker; connections still open are reported closed. */
  async stop(): Promise<void> {
    await Promise.all(this.#supervisors.map((supervisor) => supervisor.stop()));
    for (const [conn, connection] of this.#connections) {
      this.#connections.delete(conn);
      connection.handler.closed(1006);
    }
  }

  /** Tells the shard's worker which dispatch types are wanted (sent only when it changed). */
  setInterest(shardId: number, interest: DispatchInterest): void {
    const previous = this.#interests.get(shardId);
    if (previous !== undefined && sameInterest(previous, interest)) return;
    this.#interests.set(shardId, interest);
    const supervisor = this.#supervisors[this.workerOf(shardId)]!;
    if (supervisor.state === 'running') supervisor.post({ type: 'interest', shardId, interest });
  }

  connect(
    request: {
      shardId: number;
      url: string;
      compression: Connection['request']['compression'];
      sequence: number | null;
    },
    handler: RemoteConnectionHandler,
  ): number {
    const conn = this.#nextConn++;
    const worker = this.workerOf(request.shardId);
    const connection: Connection = {
      shardId: request.shardId,
      worker,
      handler,
      sent: false,
      request: { type: 'connect', conn, ...request },
    };
    this.#connections.set(conn, connection);
    const supervisor = this.#supervisors[worker]!;
    if (supervisor.state === 'running') this.#send(connection);
    // Not synchronously: the socket actor is still being set up.
    else if (supervisor.state === 'failed') queueMicrotask(() => this.#fail(conn));
    return conn;
  }

  send(conn: number, data: string): void {
    const connection = this.#connections.get(conn);
    if (connection?.sent === true) this.#supervisors[connection.worker]!.post({ type: 'send', conn, data });
  }

  close(conn: number, code: number | null): void {
    const connection = this.#connections.get(conn);
    if (connection === undefined) return;
    if (connection.sent) {
      this.#supervisors[connection.worker]!.post({ type: 'close', conn, code });
      return;
    }
    // Never opened: nothing to close.
    this.#connections.delete(conn);
    queueMicrotask(() => connection.handler.closed(1006));
  }

  #send(connection: Connection): void {
    connection.sent = true;
    this.#supervisors[connection.worker]!.post(connection.request);
  }

  /** A connection whose worker gave up: closed (the manager reports the failure once, as `workerFailure`). */
  #fail(conn: number): void {
    const connection = this.#connections.get(conn);
    if (connection === undefined) return;
    this.#connections.delete(conn);
    connection.handler.closed(1006);
  }

  #onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'frames': {
        const items = message.items;
        for (let index = 0; index < items.length;) {
          const conn = items[index] as number;
          const count = items[index + 1] as number;
          this.#connections.get(conn)?.handler.frames(items, index + 2, count);
          index += 2 + count;
        }
        return;
      }
      case 'opened':
        this.#connections.get(message.conn)?.handler.opened();
        return;
      case 'error':
        this.#connections.get(message.conn)?.handler.error(new Error(message.message));
        return;
      case 'corrupt':
        this.#connections.get(message.conn)?.handler.corrupt(message.message);
        return;
      case 'closed': {
        const connection = this.#connections.get(message.conn);
        this.#connections.delete(message.conn);
        connection?.handler.closed(message.code);
        return;
      }
      case 'hello':
        return;
    }
  }

  #onRunning(index: number, respawned: boolean): void {
    const supervisor = this.#supervisors[index]!;
    for (const [shardId, interest] of this.#interests) {
      if (this.workerOf(shardId) === index) supervisor.post({ type: 'interest', shardId, interest });
    }
    for (const connection of this.#connections.values()) {
      if (connection.worker === index && !connection.sent) this.#send(connection);
    }
    if (respawned) this.#events.respawned(index);
  }

  #onCrashed(index: number, exit: WorkerExit, crashes: number): void {
    // Its sockets died with it: a TCP drop for the gateway, so the sessions stay resumable (docs/protocol/gateway.md §4).
    for (const [conn, connection] of this.#connections) {
      if (connection.worker !== index || !connection.sent) continue;
      this.#connections.delete(conn);
      connection.handler.closed(1006);
    }
    this.#events.crashed(index, exit, crashes);
  }

  #onFailed(index: number, failure: WorkerFailure): void {
    const error = new WorkerCrashLoopError(index, failure);
    for (const [conn, connection] of this.#connections) {
      if (connection.worker === index) this.#fail(conn);
    }
    this.#events.failed(index, error);
  }
}

function sameInterest(a: DispatchInterest, b: DispatchInterest): boolean {
  return (
    a.all === b.all && a.types.length === b.types.length && a.types.every((type) => b.types.includes(type))
  );
}
