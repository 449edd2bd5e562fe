import WebSocket from 'ws';
import type { GatewayDispatchPayload, GatewayReceivePayload } from 'discord-api-types/v10';
import type { ShardEvent, SocketCommand } from '../../machines/index.js';
import {
  ConnectionClosedError,
  GatewayConnectionError,
  GatewayDecodeError,
  StatecordError,
} from '../errors.js';
import { createInboundDecoder, parsePayload, scanEnvelope } from './codec/index.js';
import type { InboundDecoder, ScannedEnvelope } from './codec/index.js';
import { gatewayConnectUrl } from './gateway-url.js';
import type { InboundSinks } from './inbound-frames.js';
import {
  isLifecycleFrame,
  isSkippableDispatchType,
  routeInboundPayload,
  skipDispatch,
} from './inbound-frames.js';
import { IdentifyWait } from './identify-wait.js';
import { heartbeatPayload, identifyPayload, resumePayload } from './outbound-payloads.js';
import type { OutboundSender } from './outbound/index.js';
import type { ConnectionDeps } from './socket-actor.js';

/**
 * One `ws` connection of a shard, owned by the socket actor that opened it. It translates and decides
 * nothing: frames become machine events (`toMachine`), machine commands become frames.
 *
 * A class, not a closure per handler: an idle shard keeps its connection for hours, and fifteen
 * closures and their context were ≈ 1 KiB of it (BENCHMARKS.md, memory). Its methods double as the
 * {@link InboundSinks} of the frames it routes. @internal
 */
export class GatewayConnection implements InboundSinks {
  readonly #deps: ConnectionDeps;
  /** Hands an event to the machine; the socket actor drops it once the actor is stopped. */
  readonly #toMachine: (event: ShardEvent) => void;
  readonly #where: string;
  readonly #ws: WebSocket | null = null;
  readonly #decoder: InboundDecoder | null = null;
  /** False once the stream can no longer be trusted or the socket is closing. */
  #live = true;
  /**
   * Set when this side closes: `ws` reports terminating a socket still connecting as an error
   * ("closed before the connection was established"), which is no fault.
   */
  #closingByUs = false;
  /** Set when a heartbeat is sent; the first frame after it is reported as life (zombie detection). */
  #awaitingLife = false;
  /** An IDENTIFY was handed to the sender and the gateway has not answered it yet. */
  #identifyUnanswered = false;
  #heartbeatSentAt = 0;
  /** The wait at the identify gate in progress (`identify.wait`), or null. */
  #identifyWait: IdentifyWait | null = null;
  // The socket's listeners: kept to be removed when the connection is shut down.
  readonly #onOpen = (): void => this.#opened();
  readonly #onMessage = (data: WebSocket.RawData, isBinary: boolean): void => this.#message(data, isBinary);
  readonly #onClose = (code: number): void => this.#closed(code);

  constructor(url: string, deps: ConnectionDeps, toMachine: (event: ShardEvent) => void) {
    this.#deps = deps;
    this.#toMachine = toMachine;
    this.#where = urlWithoutQuery(url);
    let ws: WebSocket;
    try {
      // Everything that can throw comes before the socket exists: a socket must never be left without
      // its 'error' listener, or its first ECONNRESET would crash the process.
      this.#decoder = createInboundDecoder(deps.compression);
      ws = new WebSocket(gatewayConnectUrl(url, deps.compression), {
        perMessageDeflate: false,
        // Multi-megabyte READY and GUILD_CREATE frames are normal (docs/protocol/gateway.md §10, §12.27).
        maxPayload: 512 * 1024 * 1024,
      });
    } catch (error) {
      // A URL that cannot even be opened (e.g. a malformed resume_gateway_url) is a failed connect:
      // the machine forgets that URL and goes on (reported as a transport close, 1006).
      this.#live = false;
      deps.observe({ type: 'socket.error', error: new GatewayConnectionError(this.#where, error) });
      queueMicrotask(() => toMachine({ type: 'socket.closed', code: 1006, initiator: 'transport' }));
      return;
    }
    this.#ws = ws;
    // The error listener stays for the socket's life: a late error of a dead socket must not become
    // an uncaught exception.
    ws.on('error', (error: Error) => {
      if (!this.#closingByUs)
        deps.observe({ type: 'socket.error', error: new GatewayConnectionError(this.#where, error) });
    });
    ws.on('open', this.#onOpen);
    ws.on('message', this.#onMessage);
    ws.on('close', this.#onClose);
  }

  /** A command of the machine. */
  command(command: SocketCommand): void {
    const deps = this.#deps;
    switch (command.type) {
      case 'identify':
        // Sent on the gate's grant: that wait is over.
        this.#identifyWait = null;
        this.#identifyUnanswered = true;
        this.#send(identifyPayload(deps.identity), 'handshake');
        return;
      case 'identify.wait':
        this.#identifyWait?.cancel();
        this.#identifyWait = new IdentifyWait(deps.identifyGate, deps.identity.shard[0], this.#toMachine);
        return;
      case 'identify.cancel':
        this.#cancelIdentifyWait();
        return;
      case 'resume':
        this.#send(resumePayload(deps.identity, command.sessionId, deps.sequence.value), 'handshake');
        return;
      case 'heartbeat':
        this.#awaitingLife = true;
        this.#heartbeatSentAt = deps.now();
        deps.observe({ type: 'heartbeat.sent', at: this.#heartbeatSentAt });
        this.#send(heartbeatPayload(deps.sequence.value), 'heartbeat');
        return;
      case 'outbound.open':
        deps.sender.open();
        return;
      case 'outbound.hold':
        deps.sender.hold();
        return;
      case 'close':
        this.#shutDown(command.code);
        return;
      case 'terminate':
        this.#shutDown(null);
        return;
    }
  }

  /** The actor is stopped: close with the code the machine chose (exit action), else a resumable 4000. */
  dispose(): void {
    // The connection's wait at the gate ends with it: its answer must not reach a later connection.
    this.#cancelIdentifyWait();
    this.#answerIdentify();
    const ws = this.#ws;
    if (ws === null) return;
    if (ws.readyState !== WebSocket.CLOSED && ws.readyState !== WebSocket.CLOSING) this.#shutDown(4000);
    else {
      this.#live = false;
      ws.off('message', this.#onMessage);
      ws.off('close', this.#onClose);
      this.#decoder?.close();
    }
  }

  /** @internal A lifecycle event of a decoded frame (a sink of {@link routeInboundPayload}). */
  lifecycle(event: ShardEvent): void {
    // The heartbeat reserve of the send budget depends on the interval (docs/protocol/gateway.md §5).
    if (event.type === 'gateway.hello') this.#deps.sender.setHeartbeatInterval(event.heartbeatIntervalMs);
    if (event.type === 'gateway.ready' || event.type === 'gateway.invalidSession') this.#answerIdentify();
    // A lifecycle frame is itself proof of life for the machine; no separate socket.alive.
    this.#awaitingLife = false;
    this.#toMachine(event);
  }

  /** @internal A dispatch (a sink of {@link routeInboundPayload}). */
  dispatch(payload: GatewayDispatchPayload): void {
    this.#deps.dispatches.deliver(payload);
  }

  /** @internal op 11 (a sink of {@link routeInboundPayload}). */
  heartbeatAck(): void {
    this.#deps.observe({ type: 'heartbeat.acked', latencyMs: this.#deps.now() - this.#heartbeatSentAt });
  }

  #opened(): void {
    const ws = this.#ws!;
    this.#deps.sender.attach((data: string) => ws.send(data));
  }

  #message(data: WebSocket.RawData, isBinary: boolean): void {
    if (!this.#live) return;
    const deps = this.#deps;
    try {
      let payload: GatewayReceivePayload;
      if (deps.dispatches.wantsAll()) {
        // A listener for every dispatch: nothing is skipped, so nothing is scanned, and the text is
        // decoded straight from the decompressor's output (no Buffer per frame).
        const decoded = this.#decoder!.decode(data as Buffer, isBinary);
        if (decoded === null) return;
        payload = decoded;
      } else {
        const bytes = this.#decoder!.decodeBytes(data as Buffer, isBinary);
        if (bytes === null) return;
        // Selective decoding: a dispatch nobody listens to is read only as far as its envelope.
        const text = readEnvelope(bytes, envelope);
        if (
          text !== undefined &&
          envelope.op === 0 &&
          isSkippableDispatchType(envelope.t) &&
          !deps.dispatches.wants(envelope.t)
        ) {
          this.#proveLife();
          skipDispatch(envelope.s, deps.sequence);
          return;
        }
        payload = parsePayload(text ?? bytes.toString('utf8'));
      }
      if (this.#awaitingLife && !isLifecycleFrame(payload)) this.#proveLife();
      routeInboundPayload(payload, deps.sequence, this);
    } catch (error) {
      // The stream can no longer be trusted; what was lost is replayed by the resume.
      this.#live = false;
      deps.observe({
        type: 'frame.undecodable',
        error:
          error instanceof StatecordError
            ? error
            : new GatewayDecodeError('an inbound frame could not be processed', { cause: error }),
      });
      this.#toMachine({ type: 'socket.corrupt' });
    }
  }

  /** The first frame after a heartbeat tells the machine the connection is alive. */
  #proveLife(): void {
    if (!this.#awaitingLife) return;
    this.#awaitingLife = false;
    this.#toMachine({ type: 'socket.alive' });
  }

  #closed(code: number): void {
    this.#live = false;
    this.#answerIdentify();
    this.#deps.sender.detach();
    // 1006: the connection dropped without a close frame.
    this.#toMachine({ type: 'socket.closed', code, initiator: code === 1006 ? 'transport' : 'gateway' });
  }

  #cancelIdentifyWait(): void {
    this.#identifyWait?.cancel();
    this.#identifyWait = null;
  }

  #answerIdentify(): void {
    if (!this.#identifyUnanswered) return;
    this.#identifyUnanswered = false;
    this.#deps.identifyAnswered();
  }

  #send(
    payload: Parameters<OutboundSender['send']>[0],
    priority: Parameters<OutboundSender['send']>[1],
  ): void {
    const deps = this.#deps;
    deps.sender.send(payload, priority).catch((error: unknown) => {
      // A frame for a connection that closed meanwhile is moot: the machine reacts to the close.
      if (error instanceof ConnectionClosedError) return;
      deps.observe({
        type: 'socket.error',
        error: error instanceof Error ? error : new Error(String(error)),
      });
    });
  }

  /** Closes the socket (null: drop it without a handshake) and stops listening to it. */
  #shutDown(code: number | null): void {
    const ws = this.#ws;
    if (ws === null) return;
    if (!this.#live && ws.readyState === WebSocket.CLOSED) return;
    this.#live = false;
    this.#closingByUs = true;
    this.#answerIdentify();
    ws.off('open', this.#onOpen);
    ws.off('message', this.#onMessage);
    ws.off('close', this.#onClose);
    this.#deps.sender.detach();
    this.#decoder?.close();
    if (ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    this.#deps.observe({ type: 'socket.closing', closed });
    // A socket still connecting has no handshake to close: drop it.
    if (code === null || ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(code);
  }
}

/** The envelope of the frame being read; one for the process, as decoding is synchronous. */
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
