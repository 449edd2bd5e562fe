import WebSocket from 'ws';
import type { GatewayReceivePayload } from 'discord-api-types/v10';
import type { ShardEvent } from '../../machines/index.js';
import { GatewayConnectionError } from '../errors.js';
import { createInboundDecoder, parsePayload, scanEnvelope } from './codec/index.js';
import type { InboundDecoder, ScannedEnvelope } from './codec/index.js';
import { gatewayConnectUrl } from './gateway-url.js';
import { ConnectionProtocol } from './connection-protocol.js';
import { isSkippableDispatchType, routeInboundPayload, skipDispatch } from './inbound-frames.js';
import type { ConnectionDeps } from './socket-actor.js';

/**
 * One `ws` connection of a shard, owned by the socket actor that opened it. It translates and decides
 * nothing: frames become machine events (`toMachine`), machine commands become frames.
 *
 * A class, not a closure per handler: an idle shard keeps its connection for hours, and fifteen
 * closures and their context were ≈ 1 KiB of it (BENCHMARKS.md, memory). The protocol (commands,
 * the identify wait, heartbeats) is its base class's, shared with the worker's remote socket. @internal
 */
export class GatewayConnection extends ConnectionProtocol {
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
  // The socket's listeners: kept to be removed when the connection is shut down.
  readonly #onOpen = (): void => this.#opened();
  readonly #onMessage = (data: WebSocket.RawData, isBinary: boolean): void => this.#message(data, isBinary);
  readonly #onClose = (code: number): void => this.#closed(code);

  constructor(url: string, deps: ConnectionDeps, toMachine: (event: ShardEvent) => void) {
    super(deps, toMachine);
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

  /** The actor is stopped: close with the code the machine chose (exit action), else a resumable 4000. */
  dispose(): void {
    // The connection's wait at the gate ends with it: its answer must not reach a later connection.
    this.endIdentify();
    const ws = this.#ws;
    if (ws === null) return;
    if (ws.readyState !== WebSocket.CLOSED && ws.readyState !== WebSocket.CLOSING) this.shutDown(4000);
    else {
      this.#live = false;
      ws.off('message', this.#onMessage);
      ws.off('close', this.#onClose);
      this.#decoder?.close();
    }
  }

  #opened(): void {
    const ws = this.#ws!;
    this.deps.sender.attach((data: string) => ws.send(data));
  }

  #message(data: WebSocket.RawData, isBinary: boolean): void {
    if (!this.#live) return;
    const deps = this.deps;
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
          this.proveLife();
          skipDispatch(envelope.s, deps.sequence);
          return;
        }
        payload = parsePayload(text ?? bytes.toString('utf8'));
      }
      this.frameArrived(payload);
      routeInboundPayload(payload, deps.sequence, this);
    } catch (error) {
      this.#live = false;
      this.corrupted(error);
    }
  }

  #closed(code: number): void {
    this.#live = false;
    this.answerIdentify();
    this.deps.sender.detach();
    // 1006: the connection dropped without a close frame.
    this.toMachine({ type: 'socket.closed', code, initiator: code === 1006 ? 'transport' : 'gateway' });
  }

  /** Closes the socket (null: drop it without a handshake) and stops listening to it. */
  protected override shutDown(code: number | null): void {
    const ws = this.#ws;
    if (ws === null) return;
    if (!this.#live && ws.readyState === WebSocket.CLOSED) return;
    this.#live = false;
    this.#closingByUs = true;
    this.answerIdentify();
    ws.off('open', this.#onOpen);
    ws.off('message', this.#onMessage);
    ws.off('close', this.#onClose);
    this.deps.sender.detach();
    this.#decoder?.close();
    if (ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    this.deps.observe({ type: 'socket.closing', closed });
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
