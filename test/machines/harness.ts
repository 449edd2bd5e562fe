import { createActor, SimulatedClock } from 'xstate';
import { createShardDelays, shardMachine } from '../../machines/index.js';
import type {
  CloseInitiator,
  ShardEmitted,
  ShardEvent,
  ShardInput,
  SocketCommand,
} from '../../machines/index.js';
import { stubSocket } from './stub-socket.js';

/** A command the machine sent, with the socket (0-based, in opening order) and url it went to. */
export type RecordedCommand = SocketCommand & { readonly url: string; readonly socket: number };

export interface PureShardOptions {
  /** The value every call of the injected random function returns (default 0.5). */
  readonly random?: number;
  /** The identify gate (default: resolves at once). */
  readonly gate?: (input: { shardId: number }) => Promise<void>;
}

/** A heartbeat interval as seen in real captures (docs/protocol/gateway.md §2.1). */
export const HEARTBEAT_INTERVAL = 41_250;
export const GATEWAY_URL = 'ws://gateway';
export const RESUME_URL = 'ws://resume';
export const SESSION_ID = 'session-1';

const live: Array<{ readonly errors: unknown[]; readonly stop: () => void }> = [];

/**
 * Every actor error reported by the harnesses created since the last call; stops those actors.
 * Call it from `afterEach` and expect an empty array.
 */
export function takeActorErrors(): unknown[] {
  const errors = live.flatMap((entry) => entry.errors);
  for (const entry of live.splice(0)) entry.stop();
  return errors;
}

/** The pure shard machine with a recording socket, a simulated clock and a fixed random value. */
export function startPureShard(input: Partial<ShardInput> = {}, options: PureShardOptions = {}) {
  const clock = new SimulatedClock();
  const commands: RecordedCommand[] = [];
  const sockets: string[] = [];
  const emitted: ShardEmitted[] = [];
  const random = options.random ?? 0.5;
  const gate = options.gate;
  const logic = shardMachine.provide({
    actors: {
      socket: stubSocket({
        ...(gate === undefined ? {} : { gate }),
        onOpen: (socketInput) => sockets.push(socketInput.url),
        onCommand: (command, socketInput) =>
          commands.push({ ...command, url: socketInput.url, socket: sockets.length - 1 }),
      }),
    },
    delays: createShardDelays(() => random),
  });
  const actor = createActor(logic, {
    clock,
    input: { shardId: 0, gatewayUrl: GATEWAY_URL, ...input },
  });
  const errors: unknown[] = [];
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.on('*', (event) => emitted.push(event));
  actor.start();
  live.push({ errors, stop: () => actor.stop() });

  const send = (event: ShardEvent) => actor.send(event);
  const snapshot = () => actor.getSnapshot();
  return {
    actor,
    clock,
    commands,
    sockets,
    emitted,
    errors,
    send,
    status: snapshot,
    snapshot,
    context: () => snapshot().context,
    /** Whether the machine is in the given state (`snapshot.matches`). */
    matches: (state: Parameters<ReturnType<typeof snapshot>['matches']>[0]) => snapshot().matches(state),
    /** The state of the lifecycle region, e.g. `'ready'` or `{ identifying: 'cooldown' }`, or the top state. */
    lifecycle: (): unknown => {
      const value = snapshot().value;
      return typeof value === 'string' ? value : value.connection.lifecycle;
    },
    commandTypes: () => commands.map((command) => command.type),
    /** The commands sent to one socket (0-based index in opening order). */
    commandsTo: (socket: number) => commands.filter((command) => command.socket === socket),
    /** The number of the most recently opened socket. */
    currentSocket: () => sockets.length - 1,
    start: () => send({ type: 'shard.start' }),
    hello: (heartbeatIntervalMs = HEARTBEAT_INTERVAL) => send({ type: 'gateway.hello', heartbeatIntervalMs }),
    ready: (sessionId = SESSION_ID, resumeUrl = RESUME_URL) =>
      send({ type: 'gateway.ready', sessionId, resumeUrl }),
    resumed: () => send({ type: 'gateway.resumed' }),
    close: (code: number, initiator: CloseInitiator = 'gateway') =>
      send({ type: 'socket.closed', code, initiator }),
    alive: () => send({ type: 'socket.alive' }),
  };
}

export type PureShard = ReturnType<typeof startPureShard>;

/** Lets promise continuations (the identify gate) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** HELLO, identify slot, READY: the shard is `ready` on its current socket with a fresh session. */
export async function identifyToReady(shard: PureShard, sessionId = SESSION_ID, resumeUrl = RESUME_URL) {
  shard.hello();
  await flush();
  shard.ready(sessionId, resumeUrl);
}

/** A shard started and identified: `ready` on socket 0 with session `SESSION_ID` and `RESUME_URL`. */
export async function readyShard(input: Partial<ShardInput> = {}, options: PureShardOptions = {}) {
  const shard = startPureShard(input, options);
  shard.start();
  await identifyToReady(shard);
  return shard;
}
