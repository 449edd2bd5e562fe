import WebSocket from 'ws';
import { fromCallback } from 'xstate';
import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import type { VoiceEvent, VoiceSocketCommand, VoiceSocketInput } from '../../machines/index.js';
import { GatewayConnectionError, VoiceFrameError } from '../errors.js';
import type { VoiceConnectionDeps } from './voice-deps.js';
import { routeVoiceFrame } from './voice-frames.js';

/**
 * The voice WebSocket actor: one `ws` connection per invocation (docs/protocol/voice.md §2). It
 * translates and decides nothing: JSON frames become machine events, binary (DAVE) frames go to the
 * DAVE hooks, machine commands become frames. Every frame's `seq` is kept for `seq_ack` (§2.4).
 * Stopped by the machine, it removes its listeners, so a replaced socket can never reach the machine.
 */
export function createVoiceSocketLogic(depsFor: (guildId: string) => VoiceConnectionDeps) {
  return fromCallback<VoiceSocketCommand, VoiceSocketInput, VoiceEvent>(({ input, sendBack, receive }) => {
    const deps = depsFor(input.guildId);
    const url = deps.url(input.endpoint);
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
    } catch (error) {
      deps.observe({
        type: 'warning',
        error: new GatewayConnectionError(url, error),
        context: 'voice connection',
      });
      queueMicrotask(() => sendBack({ type: 'socket.closed', code: 1006, initiator: 'transport' }));
      return () => undefined;
    }
    // First, before anything else can happen: a socket without an 'error' listener crashes the process.
    ws.on('error', (error) =>
      deps.observe({
        type: 'warning',
        error: new GatewayConnectionError(url, error),
        context: 'voice connection',
      }),
    );
    let live = true;

    const onOpen = () => {
      if (!live) return;
      deps.dave?.attach({
        json: (op, d) => send(op, d),
        binary: (op, payload) => {
          if (ws.readyState !== WebSocket.OPEN) return;
          const frame = Buffer.allocUnsafe(1 + payload.length);
          frame[0] = op;
          frame.set(payload, 1);
          ws.send(frame);
        },
      });
      sendBack({ type: 'socket.opened' });
    };
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      if (!live) return;
      try {
        routeVoiceFrame(data as Buffer, isBinary, deps, sendBack);
      } catch (error) {
        // A frame we cannot read is ignored: the next heartbeat or handshake timeout notices a broken stream.
        const wrapped =
          error instanceof VoiceFrameError
            ? error
            : new VoiceFrameError('a voice frame could not be handled', error);
        deps.observe({ type: 'warning', error: wrapped, context: 'a voice frame was ignored' });
      }
    };
    const onClose = (code: number) => {
      live = false;
      deps.dave?.attach(null);
      sendBack({ type: 'socket.closed', code, initiator: code === 1006 ? 'transport' : 'server' });
    };
    ws.on('open', onOpen);
    ws.on('message', onMessage);
    ws.on('close', onClose);

    const send = (op: number, d: unknown) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(JSON.stringify({ op, d }));
    };

    receive((command) => {
      switch (command.type) {
        case 'identify':
          // A new voice session: its sequence numbers start again (§2.4).
          deps.sequence.value = -1;
          send(VoiceOpcodes.Identify, {
            server_id: deps.guildId,
            user_id: deps.userId(),
            session_id: command.sessionId,
            token: deps.token(),
            max_dave_protocol_version: deps.maxDaveProtocolVersion,
          });
          return;
        case 'resume':
          send(VoiceOpcodes.Resume, {
            server_id: deps.guildId,
            session_id: command.sessionId,
            token: deps.token(),
            seq_ack: deps.sequence.value,
          });
          return;
        case 'selectProtocol':
          send(VoiceOpcodes.SelectProtocol, {
            protocol: 'udp',
            data: { address: command.address, port: command.port, mode: deps.media.mode },
          });
          return;
        case 'heartbeat':
          send(VoiceOpcodes.Heartbeat, { t: Math.floor(deps.now()), seq_ack: deps.sequence.value });
          return;
        case 'speaking':
          // Microphone flag (1 << 0); bots send delay 0 (§2.2).
          send(VoiceOpcodes.Speaking, {
            speaking: command.speaking ? 1 : 0,
            delay: 0,
            ssrc: deps.media.ssrc,
          });
          return;
        case 'close':
          shutDown(command.code);
          return;
        case 'terminate':
          shutDown(null);
          return;
      }
    });

    function shutDown(code: number | null): void {
      if (!live) return;
      live = false;
      deps.dave?.attach(null);
      ws.off('open', onOpen);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      if (ws.readyState === WebSocket.CLOSED) return;
      if (code === null || ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(code);
    }

    // Stopped by the machine without a command (it left the state for another reason): close for good.
    return () => shutDown(1000);
  });
}
