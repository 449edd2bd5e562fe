import * as zlib from 'node:zlib';
import { GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import type { GatewayIdentifyData } from 'discord-api-types/v10';
import WebSocket from 'ws';

/** A server frame as decoded by the raw client. */
export interface ServerFrame {
  readonly op: GatewayOpcodes;
  readonly d: unknown;
  readonly s: number | null;
  readonly t: string | null;
  /** The JSON text as it arrived (after decompression), to check key order. */
  readonly text: string;
}

export interface CloseEvent {
  readonly code: number;
  readonly reason: string;
}

export interface RawClientOptions {
  /** Query string without `?`. Default `v=10&encoding=json`. */
  readonly query?: string;
  /** Adds `compress=zlib-stream` and decodes with one shared inflate context. */
  readonly zlib?: boolean;
}

const WAIT_MS = 3000;

/**
 * A bare `ws` client for gateway tests: no protocol logic of its own, it records every frame and
 * lets a test wait for one, so a test states exactly what goes on the wire.
 */
export class RawClient {
  readonly frames: ServerFrame[] = [];
  /** Every WebSocket message as received (compressed bytes for zlib-stream). */
  readonly rawMessages: { readonly data: Buffer; readonly binary: boolean }[] = [];
  readonly closed: Promise<CloseEvent>;
  /** Messages that could not be inflated or parsed. */
  readonly decodeErrors: Error[] = [];
  private readonly listeners = new Set<() => void>();
  private closeEvent: CloseEvent | null = null;
  private inflateChain: Promise<void> = Promise.resolve();
  private readonly inflate: zlib.Inflate | null;
  private zlibBuffer: Buffer[] = [];
  private inflated: Buffer[] = [];

  private constructor(
    readonly socket: WebSocket,
    useZlib: boolean,
  ) {
    this.inflate = useZlib ? zlib.createInflate({ flush: zlib.constants.Z_SYNC_FLUSH }) : null;
    this.inflate?.on('data', (chunk: Buffer) => this.inflated.push(chunk));
    this.inflate?.on('error', () => {});
    socket.on('message', (data: Buffer, binary) => this.onMessage(data, binary));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeEvent = { code, reason: reason.toString() };
        this.inflate?.destroy();
        resolve(this.closeEvent);
        this.notify();
      });
    });
  }

  /** Opens a socket to `url` and resolves once it is open. */
  static async connect(url: string, options: RawClientOptions = {}): Promise<RawClient> {
    let query = options.query ?? 'v=10&encoding=json';
    if (options.zlib === true) query += '&compress=zlib-stream';
    const socket = new WebSocket(`${url}/?${query}`);
    const client = new RawClient(socket, options.zlib === true);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  get closeInfo(): CloseEvent | null {
    return this.closeEvent;
  }

  send(payload: unknown): void {
    this.socket.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
  }

  heartbeat(seq: number | null = null): void {
    this.send({ op: GatewayOpcodes.Heartbeat, d: seq });
  }

  identify(token: string, overrides: Partial<GatewayIdentifyData> & Record<string, unknown> = {}): void {
    const d: GatewayIdentifyData = {
      token,
      intents: GatewayIntentBits.Guilds,
      properties: { os: 'linux', browser: 'raw-client', device: 'raw-client' },
      ...overrides,
    };
    this.send({ op: GatewayOpcodes.Identify, d });
  }

  resume(token: string, sessionId: string, seq: number): void {
    this.send({ op: GatewayOpcodes.Resume, d: { token, session_id: sessionId, seq } });
  }

  /** Dispatches received so far, in order. */
  dispatches(t?: string): ServerFrame[] {
    return this.frames.filter(
      (frame) => frame.op === GatewayOpcodes.Dispatch && (t === undefined || frame.t === t),
    );
  }

  /** Resolves with the first frame (received so far or later) that matches; rejects on close or timeout. */
  waitFor(
    predicate: (frame: ServerFrame) => boolean,
    what = 'a frame',
    timeoutMs = WAIT_MS,
  ): Promise<ServerFrame> {
    return this.until(() => this.frames.find(predicate), what, timeoutMs, true);
  }

  waitForOp(op: GatewayOpcodes, timeoutMs = WAIT_MS): Promise<ServerFrame> {
    return this.waitFor((frame) => frame.op === op, `op ${op}`, timeoutMs);
  }

  waitForDispatch(t: string, predicate: (frame: ServerFrame) => boolean = () => true): Promise<ServerFrame> {
    return this.waitFor(
      (frame) => frame.op === GatewayOpcodes.Dispatch && frame.t === t && predicate(frame),
      `dispatch ${t}`,
    );
  }

  /** Waits until `count` frames match. */
  waitForCount(
    predicate: (frame: ServerFrame) => boolean,
    count: number,
    what = 'frames',
  ): Promise<ServerFrame[]> {
    return this.until(
      () => {
        const matching = this.frames.filter(predicate);
        return matching.length >= count ? matching : undefined;
      },
      `${count} ${what}`,
      WAIT_MS,
      true,
    );
  }

  /** Resolves with the close code and reason the client saw. */
  waitForClose(timeoutMs = WAIT_MS): Promise<CloseEvent> {
    return this.until(() => this.closeEvent ?? undefined, 'the socket to close', timeoutMs, false);
  }

  /** Closes from the client side and waits for the socket to be closed. */
  async close(code = 1000): Promise<void> {
    if (this.closeEvent === null) this.socket.close(code);
    await this.closed;
  }

  /** Drops the TCP connection without a close frame. */
  async terminate(): Promise<void> {
    this.socket.terminate();
    await this.closed;
  }

  private until<T>(
    check: () => T | undefined,
    what: string,
    timeoutMs: number,
    failOnClose: boolean,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const attempt = (): void => {
        const value = check();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (failOnClose && this.closeEvent !== null) {
          done();
          reject(
            new Error(`closed (${this.closeEvent.code} ${this.closeEvent.reason}) while waiting for ${what}`),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(attempt);
      };
      this.listeners.add(attempt);
      attempt();
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private onMessage(data: Buffer, binary: boolean): void {
    this.rawMessages.push({ data, binary });
    if (this.inflate === null) return this.record(data.toString('utf8'));
    // zlib-stream: buffer until the sync-flush suffix, then feed the ONE shared inflater (docs/protocol/gateway.md §1.4).
    this.zlibBuffer.push(data);
    const suffix = data.subarray(-4);
    if (data.length < 4 || !suffix.equals(Buffer.from([0, 0, 0xff, 0xff]))) return;
    const message = Buffer.concat(this.zlibBuffer);
    this.zlibBuffer = [];
    const inflate = this.inflate;
    this.inflateChain = this.inflateChain.then(
      () =>
        new Promise<void>((resolve) => {
          inflate.write(message, (error) => {
            const text = Buffer.concat(this.inflated).toString('utf8');
            this.inflated = [];
            if (error) this.decodeErrors.push(error);
            else this.record(text);
            resolve();
          });
        }),
    );
  }

  private record(text: string): void {
    let parsed: { op: GatewayOpcodes; d?: unknown; s?: number | null; t?: string | null };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch (error) {
      this.decodeErrors.push(error as Error);
      return;
    }
    this.frames.push({ op: parsed.op, d: parsed.d ?? null, s: parsed.s ?? null, t: parsed.t ?? null, text });
    this.notify();
  }
}
