import WebSocket from 'ws';
import { createInboundDecoder } from '../gateway/codec/index.js';
import type { InboundDecoder, ScannedEnvelope } from '../gateway/codec/index.js';
import { isSkippableDispatchType } from '../gateway/inbound-frames.js';
import { SequenceTracker } from '../gateway/sequence.js';
import { readEnvelope } from '../gateway/gateway-connection.js';
import type { FrameBatcher } from './frame-batcher.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** A shard's dispatch interest as a worker keeps it. @internal */
export interface WorkerInterest {
  readonly all: boolean;
  readonly types: ReadonlySet<string>;
}

/** What a worker's connection needs from its worker. @internal */
export interface WorkerConnectionHost {
  readonly batcher: FrameBatcher;
  /** Posts a control message (after flushing the frames queued before it). */
  readonly post: (message: FromWorker) => void;
  /** The main thread's interest in this shard's dispatch types; undefined (not told yet): all. */
  readonly interest: (shardId: number) => WorkerInterest | undefined;
  readonly ended: (conn: number) => void;
}

const envelope: ScannedEnvelope = { op: 0, s: null, t: null };

/**
 * One gateway WebSocket inside a worker thread. It only reads: decompresses each message, reads its
 * envelope, drops a dispatch the main thread does not want (only its `s` counts, as in-process
 * selective decoding does), and queues everything else as text for the main thread, which parses it
 * and routes it exactly as an in-process connection does. It decides nothing. @internal
 */
export class WorkerConnection {
  readonly #conn: number;
  readonly #shardId: number;
  readonly #host: WorkerConnectionHost;
  readonly #ws: WebSocket;
  readonly #decoder: InboundDecoder;
  /** The session's sequence as far as this connection saw it (dropped dispatches included). */
  readonly #sequence: SequenceTracker;
  #live = true;

  constructor(message: Extract<ToWorker, { type: 'connect' }>, host: WorkerConnectionHost) {
    this.#conn = message.conn;
    this.#shardId = message.shardId;
    this.#host = host;
    this.#sequence = new SequenceTracker(message.sequence);
    this.#decoder = createInboundDecoder(message.compression);
    this.#ws = new WebSocket(message.url, {
      perMessageDeflate: false,
      // Multi-megabyte READY and GUILD_CREATE frames are normal (docs/protocol/gateway.md §10, §12.27).
      maxPayload: 512 * 1024 * 1024,
    });
    this.#ws.on('error', (error) => {
      if (this.#live) host.post({ type: 'error', conn: this.#conn, message: error.message });
    });
    this.#ws.on('open', () => host.post({ type: 'opened', conn: this.#conn }));
    this.#ws.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    this.#ws.on('close', (code) => this.#onClose(code));
  }

  send(data: string): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(data);
  }

  /** Closes with `code`, or drops the socket (`null`, or while it is still connecting). */
  close(code: number | null): void {
    this.#live = false;
    this.#decoder.close();
    const ws = this.#ws;
    if (ws.readyState === WebSocket.CLOSED) return;
    if (code === null || ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else if (ws.readyState === WebSocket.OPEN) ws.close(code);
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (!this.#live) return;
    const batcher = this.#host.batcher;
    try {
      const bytes = this.#decoder.decodeBytes(data, isBinary);
      if (bytes === null) return;
      const interest = this.#host.interest(this.#shardId);
      const text = readEnvelope(bytes, envelope);
      if (text !== undefined && envelope.op === 0) {
        if (envelope.t === 'READY') this.#sequence.restart(envelope.s);
        else if (
          interest !== undefined &&
          !interest.all &&
          isSkippableDispatchType(envelope.t) &&
          !interest.types.has(envelope.t)
        ) {
          // Nobody wants it: its `s` moves the session's sequence, nothing else (selective decoding).
          // The main thread learns the sequence from a checkpoint, in order with the frames around it.
          if (this.#sequence.accept(envelope.s) && this.#sequence.value !== null) {
            batcher.pushCheckpoint(this.#conn, this.#sequence.value);
          }
          return;
        } else this.#sequence.accept(envelope.s);
      }
      batcher.push(this.#conn, text ?? bytes.toString('utf8'));
    } catch (error) {
      this.#live = false;
      this.#host.post({
        type: 'corrupt',
        conn: this.#conn,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }

  #onClose(code: number): void {
    this.#live = false;
    this.#decoder.close();
    this.#host.post({ type: 'closed', conn: this.#conn, code });
    this.#host.ended(this.#conn);
  }
}
