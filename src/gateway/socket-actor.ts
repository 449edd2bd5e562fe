import WebSocket from 'ws';
import { fromCallback } from 'xstate';
import type { GatewayDispatchPayload, GatewayReceivePayload } from 'discord-api-types/v10';
import type { ShardEvent, SocketCommand, SocketInput } from '../../machines/index.js';
import {
  ConnectionClosedError,
  GatewayConnectionError,
  GatewayDecodeError,
  StatecordError,
} from '../errors.js';
import { createInboundDecoder, parsePayload, scanEnvelope } from './codec/index.js';
import type { InboundDecoder, ScannedEnvelope } from './codec/index.js';
import type { GatewayCompression } from './gateway-url.js';
import { gatewayConnectUrl } from './gateway-url.js';
import type { ShardIdentity } from './identity.js';
import {
  isLifecycleFrame,
  isSkippableDispatchType,
  routeInboundPayload,
  skipDispatch,
} from './inbound-frames.js';
import { heartbeatPayload, identifyPayload, resumePayload } from './outbound-payloads.js';
import type { OutboundSender } from './outbound/index.js';
import type { SequenceTracker } from './sequence.js';

/** What happened on a connection that is not a lifecycle decision: for latency and diagnostics. */
export type ConnectionObservation =
  | { type: 'heartbeat.sent'; at: number }
  | { type: 'heartbeat.acked'; latencyMs: number }
  | { type: 'frame.undecodable'; error: StatecordError }
  | { type: 'socket.error'; error: Error }
  | { type: 'socket.closing'; closed: Promise<void> };

/** Everything a connection needs from its shard. One object per shard, shared by all its connections. */
export interface ConnectionDeps {
  readonly identity: ShardIdentity;
  readonly compression: GatewayCompression;
  readonly sequence: SequenceTracker;
  readonly sender: OutboundSender;
  readonly dispatch: (payload: GatewayDispatchPayload) => void;
  /**
   * Whether anyone wants dispatches of this type now (selective decoding): asked for every dispatch
   * other than READY and RESUMED before it is parsed; a dispatch nobody wants is never parsed.
   */
  readonly wantsDispatch: (type: string) => boolean;
  /** Whether every dispatch is wanted now (a listener for all of them): then none is scanned first. */
  readonly wantsAllDispatches: () => boolean;
  readonly observe: (observation: ConnectionObservation) => void;
  /**
   * The gateway answered this connection's IDENTIFY (READY or op 9), or the connection closed before
   * it did: the IDENTIFY has arrived, if it ever will. The identify gate counts a bucket's interval
   * from here, so that spacing holds on arrival whatever the network and event loops did (docs/protocol/gateway.md §5).
   */
  readonly identifyAnswered: () => void;
  readonly now: () => number;
}

/**
 * The socket actor: one `ws` connection per invocation. It translates, and decides nothing: frames
 * become machine events (`sendBack`), machine commands become frames. Invoked on the machine's
 * `connection` state, so a new connection is a new actor, and the old one's listeners are removed
 * when it is stopped: a late event of a replaced socket can never reach the machine.
 */
export function createSocketLogic(depsFor: (shardId: number) => ConnectionDeps) {
  return fromCallback<SocketCommand, SocketInput, ShardEvent>(({ input, sendBack, receive }) => {
    const deps = depsFor(input.shardId);
    const where = urlWithoutQuery(input.url);
    let ws: WebSocket;
    let decoder: InboundDecoder;
    try {
      // Everything that can throw comes before the socket exists: a socket must never be left without
      // its 'error' listener, or its first ECONNRESET would crash the process.
      decoder = createInboundDecoder(deps.compression);
      ws = new WebSocket(gatewayConnectUrl(input.url, deps.compression), {
        perMessageDeflate: false,
        // Multi-megabyte READY and GUILD_CREATE frames are normal (docs/protocol/gateway.md §10, §12.27).
        maxPayload: 512 * 1024 * 1024,
      });
    } catch (error) {
      // A URL that cannot even be opened (e.g. a malformed resume_gateway_url) is a failed connect:
      // the machine forgets that URL and goes on (reported as a transport close, 1006).
      deps.observe({ type: 'socket.error', error: new GatewayConnectionError(where, error) });
      queueMicrotask(() => sendBack({ type: 'socket.closed', code: 1006, initiator: 'transport' }));
      return () => undefined;
    }
    let live = true;
    // Set when this side closes: `ws` reports terminating a socket still connecting as an error
    // ("closed before the connection was established"), which is no fault.
    let closingByUs = false;
    const onError = (error: Error) => {
      if (!closingByUs)
        deps.observe({ type: 'socket.error', error: new GatewayConnectionError(where, error) });
    };
    ws.on('error', onError);
    // Set when a heartbeat is sent; the first frame after it is reported as life (zombie detection).
    let awaitingLife = false;
    // An IDENTIFY was handed to the sender and the gateway has not answered it yet.
    let identifyUnanswered = false;
    const answerIdentify = () => {
      if (!identifyUnanswered) return;
      identifyUnanswered = false;
      deps.identifyAnswered();
    };
    let heartbeatSentAt = 0;

    const sinks = {
      lifecycle: (event: ShardEvent) => {
        // The heartbeat reserve of the send budget depends on the interval (docs/protocol/gateway.md §5).
        if (event.type === 'gateway.hello') deps.sender.setHeartbeatInterval(event.heartbeatIntervalMs);
        if (event.type === 'gateway.ready' || event.type === 'gateway.invalidSession') answerIdentify();
        // A lifecycle frame is itself proof of life for the machine; no separate socket.alive.
        awaitingLife = false;
        sendBack(event);
      },
      dispatch: deps.dispatch,
      heartbeatAck: () => deps.observe({ type: 'heartbeat.acked', latencyMs: deps.now() - heartbeatSentAt }),
    };

    const onOpen = () => deps.sender.attach((data: string) => ws.send(data));
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      if (!live) return;
      try {
        let payload: GatewayReceivePayload;
        if (deps.wantsAllDispatches()) {
          // A listener for every dispatch: nothing is skipped, so nothing is scanned, and the text is
          // decoded straight from the decompressor's output.
          const decoded = decoder.decode(data as Buffer, isBinary);
          if (decoded === null) return;
          payload = decoded;
        } else {
          const bytes = decoder.decodeBytes(data as Buffer, isBinary);
          if (bytes === null) return;
          // Selective decoding: a dispatch nobody listens to is read only as far as its envelope.
          const text = readEnvelope(bytes, envelope);
          if (
            text !== undefined &&
            envelope.op === 0 &&
            isSkippableDispatchType(envelope.t) &&
            !deps.wantsDispatch(envelope.t)
          ) {
            if (awaitingLife) {
              awaitingLife = false;
              sendBack({ type: 'socket.alive' });
            }
            skipDispatch(envelope.s, deps.sequence);
            return;
          }
          payload = parsePayload(text ?? bytes.toString('utf8'));
        }
        if (awaitingLife && !isLifecycleFrame(payload)) {
          awaitingLife = false;
          sendBack({ type: 'socket.alive' });
        }
        routeInboundPayload(payload, deps.sequence, sinks);
      } catch (error) {
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
      }
    };
    const onClose = (code: number) => {
      live = false;
      answerIdentify();
      deps.sender.detach();
      // 1006: the connection dropped without a close frame.
      sendBack({ type: 'socket.closed', code, initiator: code === 1006 ? 'transport' : 'gateway' });
    };

    ws.on('open', onOpen);
    ws.on('message', onMessage);
    ws.on('close', onClose);

    const send = (
      payload: Parameters<OutboundSender['send']>[0],
      priority: Parameters<OutboundSender['send']>[1],
    ) => {
      deps.sender.send(payload, priority).catch((error: unknown) => {
        // A frame for a connection that closed meanwhile is moot: the machine reacts to the close.
        if (error instanceof ConnectionClosedError) return;
        deps.observe({
          type: 'socket.error',
          error: error instanceof Error ? error : new Error(String(error)),
        });
      });
    };

    receive((command) => {
      switch (command.type) {
        case 'identify':
          identifyUnanswered = true;
          send(identifyPayload(deps.identity), 'handshake');
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

    /** Closes the socket (null: drop it without a handshake) and stops listening to it. */
    function shutDown(code: number | null): void {
      if (!live && ws.readyState === WebSocket.CLOSED) return;
      live = false;
      closingByUs = true;
      answerIdentify();
      ws.off('open', onOpen);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      deps.sender.detach();
      decoder.close();
      if (ws.readyState === WebSocket.CLOSED) return;
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      deps.observe({ type: 'socket.closing', closed });
      // A socket still connecting has no handshake to close: drop it.
      if (code === null || ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(code);
    }

    // Stopped by the machine: close with the code it chose (exit action), else a resumable 4000.
    return () => {
      answerIdentify();
      if (ws.readyState !== WebSocket.CLOSED && ws.readyState !== WebSocket.CLOSING) shutDown(4000);
      else {
        live = false;
        ws.off('message', onMessage);
        ws.off('close', onClose);
        decoder.close();
      }
      // The error listener stays: a late error of a dead socket must not become an uncaught exception.
    };
  });
}

/** The envelope of the frame being read; one for the thread, as decoding is synchronous. */
const envelope: ScannedEnvelope = { op: 0, s: null, t: null };

/** Characters of a payload's start read for its envelope: `{"t":…,"s":…,"op":0,` fits easily. */
const ENVELOPE_HEAD_CHARS = 160;

/**
 * Reads a payload's envelope into `out` from its first bytes alone when they hold it (Discord sends
 * `t`, `s`, `op` before `d`), else from its whole text. The head is decoded as latin1: the scanner
 * reads only ASCII there (keys, numbers, an ASCII `t`) and skips anything else by its quotes and
 * brackets, which UTF-8 never hides inside a multi-byte character.
 *
 * @returns `null` when the envelope was read from the head (the text is not decoded), the whole text
 *   when it was decoded to read it, or `undefined` when the envelope could not be read plainly (the
 *   caller parses the payload).
 * @internal
 */
export function readEnvelope(bytes: Buffer, out: ScannedEnvelope): string | null | undefined {
  if (scanEnvelope(bytes.toString('latin1', 0, ENVELOPE_HEAD_CHARS), out)) return null;
  if (bytes.length <= ENVELOPE_HEAD_CHARS) return undefined;
  const text = bytes.toString('utf8');
  return scanEnvelope(text, out) ? text : undefined;
}

/** The URL as errors show it: without its query (which holds nothing secret, but is noise). */
function urlWithoutQuery(text: string): string {
  const cut = text.indexOf('?');
  return cut === -1 ? text : text.slice(0, cut);
}
