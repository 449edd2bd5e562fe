import { assign, emit, enqueueActions, fromCallback, sendTo, setup } from 'xstate';
import { voiceCloseOutcome } from './voice-close-codes.js';
import { createVoiceDelays } from './voice.delays.js';
import { voiceDaveMachine } from './voice-dave.machine.js';
import type { VoiceDaveEvent } from './voice-dave.types.js';
import type {
  VoiceContext,
  VoiceDisconnectReason,
  VoiceDisconnection,
  VoiceEmitted,
  VoiceEvent,
  VoiceInput,
  VoiceSocketCommand,
  VoiceSocketInput,
  VoiceTimingConfig,
  VoiceUdpCommand,
  VoiceUdpInput,
} from './voice.types.js';

/** Defaults of {@link VoiceTimingConfig}. */
export const defaultVoiceTiming: VoiceTimingConfig = {
  signallingTimeoutMs: 15_000,
  handshakeTimeoutMs: 10_000,
  backoffBaseMs: 500,
  backoffMaxMs: 10_000,
  maxConnectAttempts: 3,
  maxResumeAttempts: 3,
  maxRejoinAttempts: 3,
};

/** Close code of a voice socket given up for good (leave, rejoin, a fresh connection). */
export const VOICE_FINAL_CLOSE_CODE = 1000;
/** Close code of a voice socket dropped to resume its session on a new one. */
export const VOICE_RESUMABLE_CLOSE_CODE = 4000;

/** Whether the voice session can be resumed on the next connection (docs/protocol/voice.md §2.4). */
export function voiceCanResume(context: VoiceContext): boolean {
  return context.identified && context.resumeAttempts < context.config.maxResumeAttempts;
}

/** How the socket is closed when the machine leaves `connection`, derived from the event that made it leave. */
function closeCommandFor(event: { type: string }, context: VoiceContext): VoiceSocketCommand | null {
  if (event.type === 'socket.closed') return null;
  // A zombie gets no close handshake: the peer is not answering.
  if (event.type.startsWith('xstate.after.heartbeatInterval.')) return { type: 'terminate' };
  // Leaving, or a voice session replaced by the gateway: this session will not be resumed.
  const sessionOver = !event.type.startsWith('xstate.after.');
  const code = !sessionOver && voiceCanResume(context) ? VOICE_RESUMABLE_CLOSE_CODE : VOICE_FINAL_CLOSE_CODE;
  return { type: 'close', code };
}

/** A disconnection without a close code. */
function disconnection(reason: VoiceDisconnectReason): VoiceDisconnection {
  return { reason, closeCode: null, failure: null };
}

/**
 * The lifecycle of one voice connection (docs/protocol/voice.md §1–§3): signalling on the main gateway
 * (op 4, then VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE in either order), the voice WebSocket (v8:
 * identify, READY, IP discovery over UDP, SELECT_PROTOCOL, SESSION_DESCRIPTION), ready (speaking or
 * silent) ⇄ resuming with buffered replay, heartbeats as a parallel region, and what each close code
 * means (one table). Pure: the sockets and the gateway are provided by the adapter.
 */
export const voiceMachine = setup({
  types: {
    context: {} as VoiceContext,
    events: {} as VoiceEvent,
    emitted: {} as VoiceEmitted,
    input: {} as VoiceInput,
  },
  actors: {
    /** The voice WebSocket: frames become events, commands become frames. */
    socket: fromCallback<VoiceSocketCommand, VoiceSocketInput, VoiceEvent>(() => undefined),
    /** The UDP socket of a voice session: IP discovery, then media (outside the machine). */
    udp: fromCallback<VoiceUdpCommand, VoiceUdpInput, VoiceEvent>(() => undefined),
    /** DAVE end-to-end encryption of the voice session (machines/voice-dave.machine.ts). */
    dave: voiceDaveMachine,
  },
  delays: createVoiceDelays(() => 0.5),
  guards: {
    signalled: ({ context }) =>
      context.sessionId !== null && context.endpoint !== null && context.joinedChannelId !== null,
    channelRemoved: ({ event }) => event.type === 'gateway.voiceState' && event.channelId === null,
    endpointRemoved: ({ event }) => event.type === 'gateway.voiceServer' && event.endpoint === null,
    voiceSessionChanged: ({ context, event }) =>
      event.type === 'gateway.voiceState' && event.sessionId !== context.sessionId,
    canRejoin: ({ context }) => context.rejoinAttempts < context.config.maxRejoinAttempts,
    canResume: ({ context }) => voiceCanResume(context),
    canConnectAgain: ({ context }) =>
      !context.identified && context.connectAttempts < context.config.maxConnectAttempts,
    /** This connection was opened to resume (reconnecting only dials while attempts remain). */
    resumeOnOpen: ({ context }) => context.identified,
    modeSupported: ({ event }) => event.type === 'voice.ready' && event.modeSupported,
    closeIsFatal: ({ event }) =>
      event.type === 'socket.closed' && voiceCloseOutcome(event.code).action === 'fail',
    closeRejoins: ({ event }) =>
      event.type === 'socket.closed' && voiceCloseOutcome(event.code).action === 'rejoin',
    isZombie: ({ context }) => !context.heartbeatAcked,
    speakRequested: ({ event }) => event.type === 'voice.speak' && event.speaking,
    silenceRequested: ({ event }) => event.type === 'voice.speak' && !event.speaking,
    /** A fresh endpoint while the voice session is known: connect to it without asking again. */
    endpointWithSession: ({ context, event }) =>
      event.type === 'gateway.voiceServer' &&
      event.endpoint !== null &&
      context.sessionId !== null &&
      context.joinedChannelId !== null,
    /** Disconnected because the main gateway session dropped (4014), not by a person: a new one rejoins. */
    droppedWithShardSession: ({ context }) =>
      context.disconnection?.reason === 'ShardSessionLost' ||
      (context.disconnection?.reason === 'CloseCode' && context.disconnection.closeCode === 4014),
  },
  actions: {
    emitJoin: emit(({ context }) => ({
      type: 'gateway.updateVoiceState' as const,
      channelId: context.channelId,
      selfMute: context.selfMute,
      selfDeaf: context.selfDeaf,
    })),
    emitLeave: emit(({ context }) => ({
      type: 'gateway.updateVoiceState' as const,
      channelId: null,
      selfMute: context.selfMute,
      selfDeaf: context.selfDeaf,
    })),
    forgetSignals: assign({ sessionId: null, endpoint: null, joinedChannelId: null }),
    countRejoin: assign({ rejoinAttempts: ({ context }) => context.rejoinAttempts + 1 }),
    resetRejoins: assign({ rejoinAttempts: 0 }),
    storeVoiceState: assign(({ context, event }) =>
      event.type === 'gateway.voiceState'
        ? { sessionId: event.sessionId, joinedChannelId: event.channelId }
        : { sessionId: context.sessionId },
    ),
    storeEndpoint: assign({
      endpoint: ({ context, event }) =>
        event.type === 'gateway.voiceServer' ? event.endpoint : context.endpoint,
    }),
    moveTo: assign({
      channelId: ({ context, event }) => (event.type === 'voice.move' ? event.channelId : context.channelId),
    }),
    setSelf: assign(({ context, event }) =>
      event.type === 'voice.setSelf'
        ? { selfMute: event.selfMute, selfDeaf: event.selfDeaf }
        : { selfMute: context.selfMute },
    ),
    startSession: assign({ identified: false, resumeAttempts: 0, connectAttempts: 0, reconnectAttempts: 0 }),
    /**
     * Every connection is an attempt: a fresh connect while no session is established, a resume once one
     * is. A resume attempt ends only with RESUMED (which resets the count): a close, a dial that never
     * opens or a timeout all leave it counted (docs/protocol/voice.md §2.4).
     */
    startConnection: assign(({ context }) => ({
      heartbeatIntervalMs: null,
      heartbeatAcked: true,
      connectAttempts: context.identified ? context.connectAttempts : context.connectAttempts + 1,
      resumeAttempts: context.identified ? context.resumeAttempts + 1 : context.resumeAttempts,
    })),
    markEstablished: assign({
      identified: true,
      connectAttempts: 0,
      resumeAttempts: 0,
      reconnectAttempts: 0,
      rejoinAttempts: 0,
      disconnection: null,
    }),
    countReconnect: assign({ reconnectAttempts: ({ context }) => context.reconnectAttempts + 1 }),
    recordHello: assign({
      heartbeatIntervalMs: ({ context, event }) =>
        event.type === 'voice.hello' ? event.heartbeatIntervalMs : context.heartbeatIntervalMs,
    }),
    markAcked: assign({ heartbeatAcked: true }),
    sendHeartbeat: enqueueActions(({ enqueue }) => {
      enqueue.assign({ heartbeatAcked: false });
      enqueue.sendTo('socket', { type: 'heartbeat' });
    }),
    sendIdentify: sendTo('socket', ({ context }) => ({
      type: 'identify' as const,
      sessionId: context.sessionId ?? '',
    })),
    sendResume: sendTo('socket', ({ context }) => ({
      type: 'resume' as const,
      sessionId: context.sessionId ?? '',
    })),
    sendSelectProtocol: sendTo('socket', ({ event }) =>
      event.type === 'udp.discovered'
        ? { type: 'selectProtocol' as const, address: event.address, port: event.port }
        : { type: 'selectProtocol' as const, address: '', port: 0 },
    ),
    discover: sendTo('udp', { type: 'udp.discover' }),
    openMedia: sendTo('udp', { type: 'media.open' }),
    holdMedia: sendTo('udp', { type: 'media.hold' }),
    sendSpeakingOn: sendTo('socket', { type: 'speaking', speaking: true }),
    sendSpeakingOff: sendTo('socket', { type: 'speaking', speaking: false }),
    closeSocket: enqueueActions(({ context, event, enqueue }) => {
      const command = closeCommandFor(event, context);
      if (command !== null) enqueue.sendTo('socket', command);
    }),
    emitReady: emit(() => ({ type: 'voice.ready' as const, resumed: false })),
    emitResumed: emit(() => ({ type: 'voice.ready' as const, resumed: true })),
    emitSignallingTimeout: emit({ type: 'voice.timedOut' as const, awaited: 'signalling' as const }),
    emitHandshakeTimeout: emit({ type: 'voice.timedOut' as const, awaited: 'handshake' as const }),
    emitResumeTimeout: emit({ type: 'voice.timedOut' as const, awaited: 'resumed' as const }),
    disconnectClosed: enqueueActions(({ event, enqueue }) => {
      if (event.type !== 'socket.closed') return;
      const outcome = voiceCloseOutcome(event.code);
      const disconnection = {
        reason: 'CloseCode' as const,
        closeCode: event.code,
        failure: outcome.action === 'fail' ? outcome.reason : null,
      };
      enqueue.assign({ disconnection });
      enqueue.emit({ type: 'voice.disconnected', disconnection });
    }),
    disconnectTimedOut: enqueueActions(({ enqueue }) => {
      enqueue.assign({ disconnection: disconnection('TimedOut') });
      enqueue.emit({ type: 'voice.disconnected', disconnection: disconnection('TimedOut') });
    }),
    disconnectEndpointRemoved: enqueueActions(({ enqueue }) => {
      enqueue.assign({ disconnection: disconnection('EndpointRemoved') });
      enqueue.emit({ type: 'voice.disconnected', disconnection: disconnection('EndpointRemoved') });
    }),
    disconnectRemoved: enqueueActions(({ enqueue }) => {
      enqueue.assign({ disconnection: disconnection('RemovedFromChannel') });
      enqueue.emit({ type: 'voice.disconnected', disconnection: disconnection('RemovedFromChannel') });
    }),
    disconnectShardLost: enqueueActions(({ enqueue }) => {
      enqueue.assign({ disconnection: disconnection('ShardSessionLost') });
      enqueue.emit({ type: 'voice.disconnected', disconnection: disconnection('ShardSessionLost') });
    }),
    disconnectNoMode: enqueueActions(({ enqueue }) => {
      enqueue.assign({ disconnection: disconnection('NoSupportedEncryptionMode') });
      enqueue.emit({ type: 'voice.disconnected', disconnection: disconnection('NoSupportedEncryptionMode') });
    }),
    disconnectLeft: enqueueActions(({ enqueue }) => {
      enqueue.assign({ disconnection: disconnection('Left') });
      enqueue.emit({ type: 'voice.disconnected', disconnection: disconnection('Left') });
    }),
    clearDisconnection: assign({ disconnection: null }),
    /** DAVE ops and decrypt-failure reports go to the `dave` region as they are (§4). */
    forwardDave: sendTo('dave', ({ event }) => event as VoiceDaveEvent),
    /** op 4's `dave_protocol_version` starts end-to-end encryption, or keeps it off (§4.4). */
    tellDaveProtocol: sendTo('dave', ({ event }) => ({
      type: 'dave.protocol' as const,
      version: event.type === 'voice.sessionDescription' ? event.daveProtocolVersion : 0,
    })),
  },
}).createMachine({
  id: 'voice',
  description: 'One voice connection (Discord voice gateway v8 + UDP).',
  context: ({ input }): VoiceContext => ({
    guildId: input.guildId,
    channelId: input.channelId,
    selfMute: input.selfMute ?? false,
    selfDeaf: input.selfDeaf ?? false,
    sessionId: null,
    joinedChannelId: null,
    endpoint: null,
    identified: false,
    heartbeatIntervalMs: null,
    heartbeatAcked: true,
    reconnectAttempts: 0,
    connectAttempts: 0,
    resumeAttempts: 0,
    rejoinAttempts: 0,
    disconnection: null,
    config: { ...defaultVoiceTiming, ...input.config },
  }),
  initial: 'idle',
  on: {
    'voice.leave': {
      description: 'leave(): op 4 with a null channel; the connection is over.',
      target: '.destroyed',
      actions: ['emitLeave', 'disconnectLeft'],
    },
    'voice.setSelf': {
      description: 'Mute or deafen while not joined: remembered for the next op 4.',
      actions: 'setSelf',
    },
  },
  states: {
    idle: {
      description: 'Created as a child of its shard; the adapter listens before the first op 4 goes out.',
      on: { 'voice.join': { target: 'signalling' } },
    },
    signalling: {
      description:
        'op 4 sent through the shard; waiting for our VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE, in either order (docs/protocol/voice.md §1.2).',
      entry: ['forgetSignals', 'countRejoin', 'emitJoin'],
      always: { guard: 'signalled', target: 'session' },
      after: {
        signallingTimeout: { target: 'rejoining', actions: 'emitSignallingTimeout' },
      },
      on: {
        'gateway.voiceState': [
          { guard: 'channelRemoved', target: 'disconnected', actions: 'disconnectRemoved' },
          { actions: 'storeVoiceState' },
        ],
        'gateway.voiceServer': {
          description: 'A null endpoint keeps waiting: the server is being reallocated (§1.2).',
          actions: 'storeEndpoint',
        },
        'voice.move': { actions: ['moveTo', 'emitJoin'] },
        'voice.setSelf': { description: 'Mute or deafen: op 4 again.', actions: ['setSelf', 'emitJoin'] },
        'shard.unavailable': { target: 'disconnected', actions: 'disconnectShardLost' },
      },
    },
    session: {
      description:
        'A voice session on one voice server: one UDP socket, kept across resumes. A new VOICE_SERVER_UPDATE starts a fresh session (§1.2).',
      entry: 'startSession',
      invoke: [
        { id: 'udp', src: 'udp', input: ({ context }) => ({ guildId: context.guildId }) },
        { id: 'dave', src: 'dave', input: ({ context }) => ({ guildId: context.guildId }) },
      ],
      initial: 'connection',
      on: {
        'dave.*': {
          description: 'DAVE ops go to the dave region, which lives as long as the voice session (§4).',
          actions: 'forwardDave',
        },
        'gateway.voiceServer': [
          {
            description: 'A null endpoint: the voice server went away; wait for the next one (§1.2).',
            guard: 'endpointRemoved',
            target: 'disconnected',
            actions: ['storeEndpoint', 'disconnectEndpointRemoved'],
          },
          {
            description: 'A new voice server (or token): identify afresh, never resume across it (§1.2).',
            target: 'session',
            reenter: true,
            actions: 'storeEndpoint',
          },
        ],
        'gateway.voiceState': [
          { guard: 'channelRemoved', target: 'disconnected', actions: 'disconnectRemoved' },
          { guard: 'voiceSessionChanged', target: 'session', reenter: true, actions: 'storeVoiceState' },
          { actions: 'storeVoiceState' },
        ],
        'voice.move': {
          description: 'Move: op 4 with the new channel; the server updates that follow reconnect.',
          actions: ['moveTo', 'emitJoin'],
        },
        'voice.setSelf': { description: 'Mute or deafen: op 4 again.', actions: ['setSelf', 'emitJoin'] },
        'shard.sessionReplaced': {
          description:
            'The shard re-identified: the voice session was tied to its old session; rejoin (§1.2).',
          target: 'signalling',
          actions: 'resetRejoins',
        },
        'shard.unavailable': { target: 'disconnected', actions: 'disconnectShardLost' },
      },
      states: {
        connection: {
          description: 'One voice WebSocket (?v=8), from opening to close.',
          type: 'parallel',
          entry: 'startConnection',
          exit: 'closeSocket',
          invoke: {
            id: 'socket',
            src: 'socket',
            input: ({ context }) => ({ endpoint: context.endpoint ?? '', guildId: context.guildId }),
          },
          on: {
            'socket.closed': [
              {
                description: 'A close code after which retrying cannot help (the table in §2.5).',
                guard: 'closeIsFatal',
                target: '#voice.disconnected',
                actions: 'disconnectClosed',
              },
              {
                description: 'The voice session is gone: ask the gateway again (op 4).',
                guard: 'closeRejoins',
                target: '#voice.rejoining',
              },
              { target: '#voice.session.reconnecting' },
            ],
          },
          states: {
            lifecycle: {
              initial: 'connecting',
              states: {
                connecting: {
                  description: 'Socket opening. Identify (or resume) goes out on open; HELLO may come after.',
                  after: {
                    handshakeTimeout: {
                      target: '#voice.session.reconnecting',
                      actions: 'emitHandshakeTimeout',
                    },
                  },
                  on: {
                    'socket.opened': [
                      { guard: 'resumeOnOpen', target: 'resuming' },
                      { target: 'identifying' },
                    ],
                  },
                },
                identifying: {
                  description:
                    'op 0 IDENTIFY sent; op 2 READY gives the SSRC, the UDP address and the modes.',
                  entry: 'sendIdentify',
                  after: {
                    handshakeTimeout: {
                      target: '#voice.session.reconnecting',
                      actions: 'emitHandshakeTimeout',
                    },
                  },
                  on: {
                    'voice.ready': [
                      { guard: 'modeSupported', target: 'discovering' },
                      {
                        description: 'No offered encryption mode is one this client implements (§3.3).',
                        target: '#voice.disconnected',
                        actions: 'disconnectNoMode',
                      },
                    ],
                  },
                },
                discovering: {
                  description:
                    'UDP IP discovery: our external address and port, as the server sees them (§3.1).',
                  entry: 'discover',
                  after: {
                    handshakeTimeout: {
                      target: '#voice.session.reconnecting',
                      actions: 'emitHandshakeTimeout',
                    },
                  },
                  on: {
                    'udp.discovered': { target: 'selectingProtocol', actions: 'sendSelectProtocol' },
                  },
                },
                selectingProtocol: {
                  description: 'op 1 SELECT_PROTOCOL sent; op 4 SESSION_DESCRIPTION brings the key.',
                  after: {
                    handshakeTimeout: {
                      target: '#voice.session.reconnecting',
                      actions: 'emitHandshakeTimeout',
                    },
                  },
                  on: {
                    'voice.sessionDescription': {
                      target: 'ready',
                      actions: ['markEstablished', 'tellDaveProtocol', 'emitReady'],
                    },
                  },
                },
                resuming: {
                  description:
                    'op 7 RESUME with seq_ack sent; op 9 RESUMED, then the server replays what it buffered (§2.4).',
                  entry: 'sendResume',
                  after: {
                    handshakeTimeout: {
                      target: '#voice.session.reconnecting',
                      actions: 'emitResumeTimeout',
                    },
                  },
                  on: {
                    'voice.resumed': { target: 'ready', actions: ['markEstablished', 'emitResumed'] },
                  },
                },
                ready: {
                  description:
                    'Media may flow over UDP. Speaking (op 5) goes out before the first packet (§2.3).',
                  tags: ['ready'],
                  entry: 'openMedia',
                  exit: 'holdMedia',
                  initial: 'silent',
                  states: {
                    silent: {
                      on: {
                        'voice.speak': {
                          guard: 'speakRequested',
                          target: 'speaking',
                          actions: 'sendSpeakingOn',
                        },
                      },
                    },
                    speaking: {
                      on: {
                        'voice.speak': {
                          guard: 'silenceRequested',
                          target: 'silent',
                          actions: 'sendSpeakingOff',
                        },
                      },
                    },
                  },
                },
              },
            },
            heartbeat: {
              initial: 'awaitingHello',
              on: { 'voice.heartbeatAck': { actions: 'markAcked' } },
              states: {
                awaitingHello: {
                  on: { 'voice.hello': { target: 'beating', actions: 'recordHello' } },
                },
                beating: {
                  description:
                    'op 3 every interval with the last seq_ack; an op 6 ACK still missing when the next is due means a zombie connection.',
                  after: {
                    heartbeatInterval: [
                      { guard: 'isZombie', target: '#voice.session.reconnecting' },
                      { target: 'beating', reenter: true, actions: 'sendHeartbeat' },
                    ],
                  },
                },
              },
            },
          },
        },
        reconnecting: {
          description:
            'Waiting before the next connection: resume an established session, or connect afresh; rejoin when both are exhausted.',
          entry: 'countReconnect',
          after: {
            reconnectBackoff: [
              { guard: 'canResume', target: 'connection' },
              { guard: 'canConnectAgain', target: 'connection' },
              { target: '#voice.rejoining' },
            ],
          },
        },
      },
    },
    rejoining: {
      description: 'Asking the gateway again (op 4), a bounded number of times in a row.',
      always: [
        { guard: 'canRejoin', target: 'signalling' },
        { target: 'disconnected', actions: 'disconnectTimedOut' },
      ],
    },
    disconnected: {
      description:
        'Not connected, with a reason. rejoin() asks again; a VOICE_SERVER_UPDATE with an endpoint reconnects; a re-identified shard rejoins a connection its old session took down.',
      on: {
        'voice.rejoin': { target: 'signalling', actions: ['resetRejoins', 'clearDisconnection'] },
        'gateway.voiceState': [
          {
            guard: 'channelRemoved',
            description:
              'Removed from the channel: the reason changes, and a new gateway session does not rejoin it (§1.2).',
            actions: ['storeVoiceState', 'disconnectRemoved'],
          },
          { actions: 'storeVoiceState' },
        ],
        'gateway.voiceServer': [
          {
            guard: 'endpointWithSession',
            target: 'session',
            actions: ['storeEndpoint', 'clearDisconnection'],
          },
          { actions: 'storeEndpoint' },
        ],
        'shard.sessionReplaced': {
          guard: 'droppedWithShardSession',
          target: 'signalling',
          actions: ['resetRejoins', 'clearDisconnection'],
        },
      },
    },
    destroyed: {
      description: 'Left or destroyed: nothing more is sent.',
      type: 'final',
    },
  },
});

/** The type of the voice connection machine (`voiceMachine`): use it to type actors, snapshots and `createActor` results. */
export type VoiceMachine = typeof voiceMachine;
