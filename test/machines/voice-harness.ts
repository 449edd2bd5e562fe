import { createActor, fromCallback, SimulatedClock } from 'xstate';
import { createVoiceDelays, voiceMachine } from '../../machines/index.js';
import type {
  VoiceEmitted,
  VoiceEvent,
  VoiceInput,
  VoiceSocketCommand,
  VoiceSocketInput,
  VoiceUdpCommand,
  VoiceUdpInput,
} from '../../machines/index.js';

export const GUILD_ID = '81384788765712384';
export const CHANNEL_ID = '81384788765712385';
export const VOICE_SESSION = 'voice-session-1';
export const ENDPOINT = 'voice.example:443';
export const VOICE_HEARTBEAT = 13_750;

/** A command the machine sent to a voice socket, with the socket's number (0-based, opening order). */
export type RecordedVoiceCommand = VoiceSocketCommand & {
  readonly socket: number;
  readonly endpoint: string;
};

const live: Array<{ readonly errors: unknown[]; readonly stop: () => void }> = [];

/** Every actor error of the harnesses created since the last call; stops those actors. */
export function takeVoiceActorErrors(): unknown[] {
  const errors = live.flatMap((entry) => entry.errors);
  for (const entry of live.splice(0)) entry.stop();
  return errors;
}

/** The pure voice machine with recording socket and UDP actors, a simulated clock and random 0.5. */
export function startPureVoice(input: Partial<VoiceInput> = {}) {
  const clock = new SimulatedClock();
  const commands: RecordedVoiceCommand[] = [];
  const udpCommands: Array<VoiceUdpCommand & { readonly udp: number }> = [];
  const sockets: string[] = [];
  let udps = 0;
  const emitted: VoiceEmitted[] = [];
  const logic = voiceMachine.provide({
    actors: {
      socket: fromCallback<VoiceSocketCommand, VoiceSocketInput, VoiceEvent>(
        ({ input: socketInput, receive }) => {
          const socket = sockets.push(socketInput.endpoint) - 1;
          receive((command) => commands.push({ ...command, socket, endpoint: socketInput.endpoint }));
        },
      ),
      udp: fromCallback<VoiceUdpCommand, VoiceUdpInput, VoiceEvent>(({ receive }) => {
        const udp = udps++;
        receive((command) => udpCommands.push({ ...command, udp }));
      }),
    },
    delays: createVoiceDelays(() => 0.5),
  });
  const actor = createActor(logic, { clock, input: { guildId: GUILD_ID, channelId: CHANNEL_ID, ...input } });
  const errors: unknown[] = [];
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.on('*', (event) => emitted.push(event));
  actor.start();
  actor.send({ type: 'voice.join' });
  live.push({ errors, stop: () => actor.stop() });

  const send = (event: VoiceEvent) => actor.send(event);
  const snapshot = () => actor.getSnapshot();
  return {
    actor,
    clock,
    commands,
    udpCommands,
    sockets,
    emitted,
    send,
    snapshot,
    context: () => snapshot().context,
    /** The top state, or the lifecycle region's state inside a connection. */
    lifecycle: (): unknown => {
      const value = snapshot().value;
      if (typeof value === 'string') return value;
      const session = (value as { session?: unknown }).session;
      if (typeof session === 'string') return session;
      return (session as { connection: { lifecycle: unknown } }).connection.lifecycle;
    },
    commandTypes: () => commands.map((command) => command.type),
    commandsTo: (socket: number) =>
      commands.filter((command) => command.socket === socket).map((c) => c.type),
    joins: () => emitted.filter((event) => event.type === 'gateway.updateVoiceState'),
    signal: (
      sessionId = VOICE_SESSION,
      endpoint: string | null = ENDPOINT,
      channelId: string | null = CHANNEL_ID,
    ) => {
      send({ type: 'gateway.voiceState', sessionId, channelId });
      send({ type: 'gateway.voiceServer', endpoint });
    },
    opened: () => send({ type: 'socket.opened' }),
    hello: (heartbeatIntervalMs = VOICE_HEARTBEAT) => send({ type: 'voice.hello', heartbeatIntervalMs }),
    ready: (modeSupported = true) => send({ type: 'voice.ready', ssrc: 1, modeSupported }),
    discovered: () => send({ type: 'udp.discovered', address: '203.0.113.7', port: 50_000 }),
    described: () => send({ type: 'voice.sessionDescription', daveProtocolVersion: 0 }),
    resumed: () => send({ type: 'voice.resumed' }),
    close: (code: number, initiator: 'server' | 'transport' = 'server') =>
      send({ type: 'socket.closed', code, initiator }),
  };
}

export type PureVoice = ReturnType<typeof startPureVoice>;

/** Signalled, socket open, HELLO, READY, discovery, SESSION_DESCRIPTION: `ready` on socket 0. */
export function readyVoice(input: Partial<VoiceInput> = {}): PureVoice {
  const voice = startPureVoice(input);
  voice.signal();
  voice.opened();
  voice.hello();
  voice.ready();
  voice.discovered();
  voice.described();
  return voice;
}
