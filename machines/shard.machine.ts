import { assign, emit, enqueueActions, fromCallback, sendTo, setup } from 'xstate';
import { closeOutcome } from './close-codes.js';
import { createShardDelays } from './shard.delays.js';
import { voiceMachine } from './voice.machine.js';
import type {
  ShardContext,
  ShardEmitted,
  ShardEvent,
  ShardInput,
  ShardSessionRef,
  ShardTimingConfig,
  SocketCommand,
  SocketInput,
} from './shard.types.js';

/** Defaults of {@link ShardTimingConfig}. */
export const defaultShardTiming: ShardTimingConfig = {
  helloTimeoutMs: 20_000,
  readyTimeoutMs: 30_000,
  resumeTimeoutMs: 30_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  maxResumeAttempts: 3,
  invalidSessionMinMs: 1_000,
  invalidSessionMaxMs: 5_000,
};

/** Client close code that keeps the session resumable (anything but 1000/1001 does, docs/protocol/gateway.md §4). */
export const RESUMABLE_CLOSE_CODE = 4000;
/** Client close code that ends the session: Discord shows the bot offline and discards the session. */
export const SESSION_ENDING_CLOSE_CODE = 1000;

/** The actor id (and system id) of a guild's voice connection: one per guild (docs/protocol/voice.md §1.1). */
export function voiceActorId(guildId: string): string {
  return `voice-${guildId}`;
}

/** Whether the next connection will RESUME (and so should go to `resume_gateway_url`). */
export function willResume(context: ShardContext): boolean {
  return context.session !== null && context.resumeAttempts < context.config.maxResumeAttempts;
}

/** The URL the next connection opens: `resume_gateway_url` when resuming (docs/protocol/gateway.md §3.3). */
export function connectionUrl(context: ShardContext): string {
  return willResume(context) ? (context.session?.resumeUrl ?? context.gatewayUrl) : context.gatewayUrl;
}

/**
 * How the socket is closed when the machine leaves `connection`, derived from the event that made it
 * leave. Exit actions run before the socket actor is stopped, so the command still reaches it.
 */
function closeCommandFor(event: ShardEvent | { type: string }): SocketCommand | null {
  if (event.type === 'socket.closed') return null;
  if (event.type === 'shard.stop') {
    // 1000 ends the session on Discord's side; any other code keeps it resumable (docs/protocol/gateway.md §4).
    const resumable = 'resumable' in event && event.resumable;
    return { type: 'close', code: resumable ? RESUMABLE_CLOSE_CODE : SESSION_ENDING_CLOSE_CODE };
  }
  // A zombie gets no close handshake: the peer is not answering (docs/protocol/gateway.md §2.1).
  if (event.type.startsWith('xstate.after.heartbeatInterval.')) return { type: 'terminate' };
  // Never 1000 on a reconnect: it would kill the session we want to resume (docs/protocol/gateway.md §12.10).
  return { type: 'close', code: RESUMABLE_CLOSE_CODE };
}

/**
 * The lifecycle of one gateway shard. Pure: it imports only xstate and its own files. The socket and
 * the identify gate are placeholders replaced with `.provide()` by the adapter; randomness comes in
 * through the delays (see `createShardDelays`).
 */
export const shardMachine = setup({
  types: {
    context: {} as ShardContext,
    events: {} as ShardEvent,
    emitted: {} as ShardEmitted,
    input: {} as ShardInput,
  },
  actors: {
    /**
     * The WebSocket connection: turns frames into events, commands into frames. It also waits at the
     * identify gate for the machine (`identify.wait`): the wait is the connection's, so it ends with
     * it, and costs no actor of its own per connection (BENCHMARKS.md, many shards).
     */
    socket: fromCallback<SocketCommand, SocketInput, ShardEvent>(() => undefined),
    /** A voice connection of a guild of this shard (`voiceMachine`, its sockets provided). */
    voice: voiceMachine,
  },
  delays: createShardDelays(() => 0.5),
  guards: {
    closeIsFatal: ({ event }) => event.type === 'socket.closed' && closeOutcome(event.code).action === 'fail',
    closeEndsSession: ({ event }) =>
      event.type === 'socket.closed' && closeOutcome(event.code).action === 'identify',
    connectToResumeUrlFailed: ({ context }) =>
      !context.helloReceived && willResume(context) && context.session?.resumeUrl != null,
    connectingToResumeUrl: ({ context }) => willResume(context) && context.session?.resumeUrl != null,
    canResume: ({ context }) => willResume(context),
    invalidSessionIsResumable: ({ context, event }) =>
      event.type === 'gateway.invalidSession' && event.resumable && willResume(context),
    /** op 9 d:true in answer to a RESUME, and the attempt it fails is not the last one allowed. */
    resumeRetryAllowed: ({ context, event }) =>
      event.type === 'gateway.invalidSession' &&
      event.resumable &&
      context.session !== null &&
      context.resumeAttempts + 1 < context.config.maxResumeAttempts,
    stopEndsSession: ({ event }) => event.type === 'shard.stop' && !event.resumable,
    isZombie: ({ context }) => !context.receivedSinceHeartbeat,
    /**
     * The gateway itself closed the connection with a code that keeps the session: an answer to the
     * RESUME in flight (a transport drop, 1006, is no answer: the RESUME may never have arrived).
     */
    gatewayClosedResumably: ({ event }) =>
      event.type === 'socket.closed' &&
      event.initiator === 'gateway' &&
      closeOutcome(event.code).action === 'resume',
    /** The identify gate found the token rejected (`GET /gateway/bot` answered 401/403). */
    gateRejectedToken: ({ event }) =>
      event.type === 'identify.refused' &&
      typeof event.error === 'object' &&
      event.error !== null &&
      'code' in event.error &&
      event.error.code === 'STATECORD_ERR_HTTP_UNAUTHORIZED',
  },
  actions: {
    spawnVoice: enqueueActions(({ event, enqueue }) => {
      if (event.type !== 'shard.openVoice') return;
      const id = voiceActorId(event.voice.guildId);
      enqueue.spawnChild('voice', { id, systemId: id, input: event.voice });
    }),
    stopVoice: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'shard.closeVoice') enqueue.stopChild(voiceActorId(event.guildId));
    }),
    closeSocket: enqueueActions(({ event, enqueue }) => {
      const command = closeCommandFor(event);
      if (command !== null) enqueue.sendTo('socket', command);
    }),
    sendIdentify: sendTo('socket', { type: 'identify' }),
    waitForIdentifySlot: sendTo('socket', { type: 'identify.wait' }),
    /** Leaving the gate without its answer (op 9, a stop, a close): the wait must not answer later. */
    cancelIdentifyWait: enqueueActions(({ event, enqueue }) => {
      if (event.type !== 'identify.granted' && event.type !== 'identify.refused')
        enqueue.sendTo('socket', { type: 'identify.cancel' });
    }),
    sendResume: sendTo('socket', ({ context }) => ({
      type: 'resume' as const,
      sessionId: context.session?.sessionId ?? '',
    })),
    sendHeartbeat: sendTo('socket', { type: 'heartbeat' }),
    openOutbound: sendTo('socket', { type: 'outbound.open' }),
    holdOutbound: sendTo('socket', { type: 'outbound.hold' }),
    forgetSession: enqueueActions(({ context, enqueue }) => {
      if (context.session === null) return;
      enqueue.emit({ type: 'session.lost', sessionId: context.session.sessionId });
      enqueue.assign({ session: null, resumeAttempts: 0 });
    }),
    forgetResumeUrl: assign({
      session: ({ context }): ShardSessionRef | null =>
        context.session === null ? null : { sessionId: context.session.sessionId, resumeUrl: null },
    }),
    recordClose: assign({
      lastCloseCode: ({ context, event }) =>
        event.type === 'socket.closed' ? event.code : context.lastCloseCode,
    }),
    recordTokenRejected: enqueueActions(({ enqueue }) => {
      enqueue.assign({ failure: { reason: 'AuthenticationFailed', closeCode: null } });
      enqueue.emit({ type: 'shard.failed', reason: 'AuthenticationFailed', closeCode: null });
    }),
    emitHelloTimeout: emit({ type: 'connection.timedOut' as const, awaited: 'hello' as const }),
    emitReadyTimeout: emit({ type: 'connection.timedOut' as const, awaited: 'ready' as const }),
    emitResumeTimeout: emit({ type: 'connection.timedOut' as const, awaited: 'resumed' as const }),
    recordFailure: enqueueActions(({ event, enqueue }) => {
      if (event.type !== 'socket.closed') return;
      const outcome = closeOutcome(event.code);
      if (outcome.action !== 'fail') return;
      enqueue.assign({ failure: { reason: outcome.reason, closeCode: event.code } });
      enqueue.emit({ type: 'shard.failed', reason: outcome.reason, closeCode: event.code });
    }),
    adoptSession: assign({
      session: ({ context, event }): ShardSessionRef | null =>
        event.type === 'shard.adoptSession' ? event.session : context.session,
      resumeAttempts: 0,
    }),
    storeSession: assign({
      session: ({ context, event }): ShardSessionRef | null =>
        event.type === 'gateway.ready'
          ? { sessionId: event.sessionId, resumeUrl: event.resumeUrl }
          : context.session,
    }),
    resetAttempts: assign({ reconnectAttempts: 0, resumeAttempts: 0 }),
    countReconnect: assign({ reconnectAttempts: ({ context }) => context.reconnectAttempts + 1 }),
    /** A RESUME failed with an answer (op 9, a gateway close, its timeout): one attempt fewer left. */
    countResume: assign({ resumeAttempts: ({ context }) => context.resumeAttempts + 1 }),
    startConnection: assign({
      helloReceived: false,
      receivedSinceHeartbeat: true,
      heartbeatIntervalMs: null,
    }),
    recordHello: assign({
      helloReceived: true,
      heartbeatIntervalMs: ({ context, event }) =>
        event.type === 'gateway.hello' ? event.heartbeatIntervalMs : context.heartbeatIntervalMs,
    }),
    markHeartbeatSent: assign({ receivedSinceHeartbeat: false }),
    /** Any inbound frame proves the connection alive; lifecycle frames mark it in their own transitions. */
    markAlive: assign({ receivedSinceHeartbeat: true }),
    emitIdentified: emit(({ context }) => ({
      type: 'session.identified' as const,
      sessionId: context.session?.sessionId ?? '',
    })),
    emitResumed: emit(({ context }) => ({
      type: 'session.resumed' as const,
      sessionId: context.session?.sessionId ?? '',
    })),
  },
}).createMachine({
  id: 'shard',
  description: 'One gateway shard (Discord gateway v10).',
  context: ({ input }): ShardContext => ({
    shardId: input.shardId,
    gatewayUrl: input.gatewayUrl,
    session: input.session ?? null,
    heartbeatIntervalMs: null,
    receivedSinceHeartbeat: true,
    helloReceived: false,
    reconnectAttempts: 0,
    resumeAttempts: 0,
    lastCloseCode: null,
    failure: null,
    config: { ...defaultShardTiming, ...input.config },
  }),
  initial: 'idle',
  on: {
    'shard.openVoice': {
      description:
        'A voice connection of one of its guilds: a child actor of the shard, in the same system (docs/protocol/voice.md §1).',
      actions: 'spawnVoice',
    },
    'shard.closeVoice': {
      description: 'The voice connection is over: stop its actor.',
      actions: 'stopVoice',
    },
  },
  states: {
    idle: {
      description: 'Created, not started.',
      on: {
        'shard.start': { target: 'connection' },
        'shard.adoptSession': { actions: 'adoptSession' },
        'shard.stop': [
          { guard: 'stopEndsSession', target: 'stopped', actions: 'forgetSession' },
          { target: 'stopped' },
        ],
      },
    },
    connection: {
      description:
        'One WebSocket connection, from opening to close. Resumes on resume_gateway_url when a session is held (docs/protocol/gateway.md §3.3).',
      type: 'parallel',
      tags: ['connected'],
      entry: 'startConnection',
      exit: 'closeSocket',
      invoke: {
        id: 'socket',
        src: 'socket',
        input: ({ context }) => ({ url: connectionUrl(context), shardId: context.shardId }),
      },
      on: {
        'socket.closed': [
          {
            description:
              'Close codes 4004, 4010–4014 are fatal: retrying would fail again and burn identifies.',
            guard: 'closeIsFatal',
            target: '#shard.failed',
            actions: ['recordClose', 'recordFailure'],
          },
          {
            description: 'Close codes 4003, 4006, 4007, 4009: the session is gone, identify anew.',
            guard: 'closeEndsSession',
            target: '#shard.reconnecting',
            actions: ['recordClose', 'forgetSession'],
          },
          {
            description:
              'The connection to resume_gateway_url failed before HELLO: forget that URL (docs/protocol/gateway.md §3.3).',
            guard: 'connectToResumeUrlFailed',
            target: '#shard.reconnecting',
            actions: ['recordClose', 'forgetResumeUrl'],
          },
          { target: '#shard.reconnecting', actions: 'recordClose' },
        ],
        'gateway.reconnect': {
          description: 'op 7: reconnect and resume (docs/protocol/gateway.md §3.4).',
          target: '#shard.reconnecting',
        },
        'socket.corrupt': {
          description:
            'An undecodable frame: the stream cannot be trusted; reconnect, and the resume replays what was lost.',
          target: '#shard.reconnecting',
        },
        'shard.stop': [
          { guard: 'stopEndsSession', target: '#shard.stopped', actions: 'forgetSession' },
          { target: '#shard.stopped' },
        ],
      },
      states: {
        lifecycle: {
          initial: 'connecting',
          on: {
            'gateway.invalidSession': [
              {
                description: 'op 9 d:true: the session may be resumed (docs/protocol/gateway.md §3.5).',
                guard: 'invalidSessionIsResumable',
                target: '#shard.reconnecting',
              },
              {
                description: 'op 9 d:false: the session is gone; identify again after 1–5 s on this socket.',
                target: '.identifying.cooldown',
                actions: ['markAlive', 'forgetSession'],
              },
            ],
          },
          states: {
            connecting: {
              description: 'Socket opening; waiting for HELLO (op 10).',
              after: {
                helloTimeout: [
                  {
                    description:
                      'No HELLO from resume_gateway_url: forget that URL, resume on the gateway URL.',
                    guard: 'connectingToResumeUrl',
                    target: '#shard.reconnecting',
                    actions: ['forgetResumeUrl', 'emitHelloTimeout'],
                  },
                  { target: '#shard.reconnecting', actions: 'emitHelloTimeout' },
                ],
              },
              on: {
                // Before HELLO, op 9 must not start an identify: the heartbeat region still waits for HELLO,
                // and a session without heartbeats could never detect a dead connection.
                'gateway.invalidSession': [
                  {
                    description: 'op 9 d:true before HELLO: reconnect and resume.',
                    guard: 'invalidSessionIsResumable',
                    target: '#shard.reconnecting',
                  },
                  {
                    description:
                      'op 9 d:false before HELLO: forget the session; HELLO (or its timeout) decides.',
                    actions: 'forgetSession',
                  },
                ],
                'gateway.hello': [
                  { guard: 'canResume', target: 'resuming' },
                  { target: 'identifying', actions: 'forgetSession' },
                ],
              },
            },
            identifying: {
              description: 'Waiting for an identify slot, then for READY.',
              initial: 'waitingForSlot',
              states: {
                waitingForSlot: {
                  description:
                    'One identify per max_concurrency bucket per 5 s (docs/protocol/gateway.md §5). The connection waits at the identify gate; leaving cancels the wait, so no late answer reaches the machine.',
                  entry: 'waitForIdentifySlot',
                  exit: 'cancelIdentifyWait',
                  on: {
                    'identify.granted': { target: 'awaitingReady', actions: 'sendIdentify' },
                    'identify.refused': [
                      {
                        description:
                          'The gate learnt from GET /gateway/bot (401/403) that the token is rejected: identifying would get 4004.',
                        guard: 'gateRejectedToken',
                        target: '#shard.failed',
                        actions: 'recordTokenRejected',
                      },
                      { target: '#shard.reconnecting' },
                    ],
                  },
                },
                awaitingReady: {
                  description: 'IDENTIFY sent; READY starts the session (s = 1).',
                  after: { readyTimeout: { target: '#shard.reconnecting', actions: 'emitReadyTimeout' } },
                  on: {
                    'gateway.ready': {
                      target: '#shard.connection.lifecycle.ready',
                      actions: ['markAlive', 'storeSession', 'resetAttempts', 'emitIdentified'],
                    },
                  },
                },
                cooldown: {
                  description: 'After op 9 d:false, wait a random 1–5 s before identifying again.',
                  after: { invalidSessionWait: { target: 'waitingForSlot' } },
                },
              },
            },
            resuming: {
              description:
                'RESUME sent; the gateway replays missed dispatches, then RESUMED. An attempt counts as failed only when the gateway answered it (op 9, a close frame) or its timeout fired; a connection that drops before an answer retries the resume after back-off (docs/protocol/gateway.md §3.3).',
              entry: 'sendResume',
              after: {
                resumeTimeout: {
                  target: '#shard.reconnecting',
                  actions: ['countResume', 'emitResumeTimeout'],
                },
              },
              on: {
                'gateway.resumed': {
                  target: 'ready',
                  actions: ['markAlive', 'resetAttempts', 'emitResumed'],
                },
                'gateway.invalidSession': [
                  {
                    description:
                      'op 9 d:true answers the RESUME: a failed attempt; resume again while attempts remain (docs/protocol/gateway.md §3.5).',
                    guard: 'resumeRetryAllowed',
                    target: '#shard.reconnecting',
                    actions: 'countResume',
                  },
                  {
                    description:
                      'op 9 d:false, or d:true on the last allowed attempt: the session is gone; identify on this socket after 1–5 s.',
                    target: '#shard.connection.lifecycle.identifying.cooldown',
                    actions: ['markAlive', 'forgetSession'],
                  },
                ],
                'socket.closed': {
                  description:
                    'The gateway closed with a resumable code before RESUMED: it answered the RESUME, a failed attempt.',
                  guard: 'gatewayClosedResumably',
                  target: '#shard.reconnecting',
                  actions: ['recordClose', 'countResume'],
                },
              },
            },
            ready: {
              description: 'Session live: dispatches flow, user commands are sent.',
              tags: ['ready'],
              entry: 'openOutbound',
              exit: 'holdOutbound',
            },
          },
        },
        heartbeat: {
          initial: 'awaitingHello',
          on: {
            'socket.alive': {
              description:
                'Any inbound frame since the last heartbeat is proof of life (a busy shard is no zombie).',
              actions: 'markAlive',
            },
            'gateway.heartbeatRequest': {
              description:
                'Server op 1: heartbeat at once, without resetting the interval (docs/protocol/gateway.md §2.1).',
              actions: ['markAlive', 'sendHeartbeat'],
            },
          },
          states: {
            awaitingHello: {
              on: { 'gateway.hello': { target: 'firstBeat', actions: 'recordHello' } },
            },
            firstBeat: {
              description: 'The first heartbeat waits interval × random jitter.',
              after: {
                firstHeartbeat: { target: 'beating', actions: ['markHeartbeatSent', 'sendHeartbeat'] },
              },
            },
            beating: {
              description:
                'Every interval: if nothing at all arrived since the last heartbeat the connection is a zombie; drop it and resume.',
              after: {
                heartbeatInterval: [
                  { guard: 'isZombie', target: '#shard.reconnecting' },
                  { target: 'beating', reenter: true, actions: ['markHeartbeatSent', 'sendHeartbeat'] },
                ],
              },
            },
          },
        },
      },
    },
    reconnecting: {
      description: 'Waiting before the next connection: exponential back-off with full jitter.',
      entry: 'countReconnect',
      after: { reconnectBackoff: { target: 'connection' } },
      on: {
        'shard.stop': [
          { guard: 'stopEndsSession', target: 'stopped', actions: 'forgetSession' },
          { target: 'stopped' },
        ],
      },
    },
    stopped: {
      description: 'Stopped by the user; a resumable stop keeps the session for a later start.',
      on: {
        'shard.start': { target: 'connection', actions: 'resetAttempts' },
        'shard.adoptSession': { actions: 'adoptSession' },
      },
    },
    failed: {
      description: 'A fatal close code (4004, 4010–4014): no reconnect can succeed.',
      type: 'final',
    },
  },
});

/** The type of the gateway shard machine (`shardMachine`): use it to type actors, snapshots and `createActor` results. */
export type ShardMachine = typeof shardMachine;
