import { createSocket, type Socket } from 'node:dgram';
import WebSocket from 'ws';
import type { VoiceGrant } from '../../../src/testing/index.js';
import { openPacket, rtpHeader, sealPacket } from './client-crypto.js';

/** The four values of a voice Identify: a grant, or what the two gateway dispatches carried. */
export type VoiceCredentials = Pick<VoiceGrant, 'guildId' | 'userId' | 'sessionId' | 'token'>;

/** A server message as the raw client decoded it. */
export interface VoiceServerMessage {
  readonly op: number;
  readonly d: unknown;
  /** Top-level `seq` (JSON) or the u16 of a binary frame; null when absent. */
  readonly seq: number | null;
  /** The text as it arrived (null for binary). */
  readonly text: string | null;
}

export interface VoiceCloseEvent {
  readonly code: number;
  readonly reason: string;
}

const WAIT_MS = 5000;

/**
 * A bare `ws` client of the voice gateway with no protocol logic: it sends what a test tells it and
 * records what arrives, so tests state the wire exactly. It does not heartbeat on its own.
 */
export class RawVoiceClient {
  readonly messages: VoiceServerMessage[] = [];
  private readonly listeners = new Set<() => void>();
  private closeEvent: VoiceCloseEvent | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('error', () => {});
    socket.on('message', (data: Buffer, binary) => this.record(data, binary));
    socket.on('close', (code, reason) => {
      this.closeEvent = { code, reason: reason.toString() };
      this.notify();
    });
  }

  /** Opens `${url}/?${query}` and resolves once open (rejects on an HTTP refusal). */
  static async connect(url: string, query = 'v=8'): Promise<RawVoiceClient> {
    const socket = new WebSocket(`${url}/?${query}`);
    const client = new RawVoiceClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return client;
  }

  get closeInfo(): VoiceCloseEvent | null {
    return this.closeEvent;
  }

  /** The last `seq` received, or -1: what `seq_ack` must carry (docs/protocol/voice.md §2.4). */
  get lastSeq(): number {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const seq = this.messages[i]!.seq;
      if (seq !== null) return seq;
    }
    return -1;
  }

  send(payload: unknown): void {
    this.socket.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
  }

  identify(grant: VoiceCredentials, overrides: Record<string, unknown> = {}): void {
    this.send({
      op: 0,
      d: {
        server_id: grant.guildId,
        user_id: grant.userId,
        session_id: grant.sessionId,
        token: grant.token,
        max_dave_protocol_version: 0,
        ...overrides,
      },
    });
  }

  resume(grant: VoiceCredentials, seqAck: number = this.lastSeq): void {
    this.send({
      op: 7,
      d: { server_id: grant.guildId, session_id: grant.sessionId, token: grant.token, seq_ack: seqAck },
    });
  }

  heartbeat(t = Date.now(), seqAck: number = this.lastSeq): void {
    this.send({ op: 3, d: { t, seq_ack: seqAck } });
  }

  selectProtocol(address: string, port: number, mode: string): void {
    this.send({ op: 1, d: { protocol: 'udp', data: { address, port, mode } } });
  }

  speaking(ssrc: number, speaking = 1): void {
    this.send({ op: 5, d: { speaking, delay: 0, ssrc } });
  }

  /** The first message (received so far or later) that matches; rejects on close or timeout. */
  waitFor(predicate: (m: VoiceServerMessage) => boolean, what = 'a message', timeoutMs = WAIT_MS) {
    return this.until(() => this.messages.find(predicate), what, timeoutMs, true);
  }

  waitForOp(op: number, timeoutMs = WAIT_MS): Promise<VoiceServerMessage> {
    return this.waitFor((m) => m.op === op, `op ${op}`, timeoutMs);
  }

  /** Waits until `count` messages match, and returns them. */
  waitForCount(predicate: (m: VoiceServerMessage) => boolean, count: number, what = 'messages') {
    return this.until(
      () => {
        const matching = this.messages.filter(predicate);
        return matching.length >= count ? matching : undefined;
      },
      `${count} ${what}`,
      WAIT_MS,
      true,
    );
  }

  waitForClose(timeoutMs = WAIT_MS): Promise<VoiceCloseEvent> {
    return this.until(() => this.closeEvent ?? undefined, 'the socket to close', timeoutMs, false);
  }

  async terminate(): Promise<void> {
    this.socket.terminate();
    await this.waitForClose();
  }

  private until<T>(check: () => T | undefined, what: string, timeoutMs: number, failOnClose: boolean) {
    return new Promise<T>((resolve, reject) => {
      const attempt = (): void => {
        const value = check();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (failOnClose && this.closeEvent !== null) {
          done();
          reject(new Error(`closed (${this.closeEvent.code}) while waiting for ${what}`));
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

  private record(data: Buffer, binary: boolean): void {
    if (binary) {
      this.messages.push({ op: data[2]!, d: data.subarray(3), seq: data.readUInt16BE(0), text: null });
    } else {
      const text = data.toString('utf8');
      const parsed = JSON.parse(text) as { op: number; d?: unknown; seq?: number };
      this.messages.push({ op: parsed.op, d: parsed.d ?? null, seq: parsed.seq ?? null, text });
    }
    this.notify();
  }
}

/** The media side of the raw client: IP discovery, and RTP sealed with its own code (client-crypto.ts). */
export class RawVoiceUdp {
  readonly packets: { readonly data: Buffer; readonly at: number }[] = [];
  private readonly listeners = new Set<() => void>();
  sequence = 1000;
  timestamp = 48_000;
  nonce = 0;

  private constructor(readonly socket: Socket) {
    socket.on('message', (data) => {
      this.packets.push({ data, at: Date.now() });
      for (const listener of [...this.listeners]) listener();
    });
  }

  static async open(): Promise<RawVoiceUdp> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new RawVoiceUdp(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: Buffer, port: number): void {
    this.socket.send(data, port, '127.0.0.1');
  }

  /** 74-byte request; resolves with the address and port of the answer (docs/protocol/voice.md §3.1). */
  async discover(ssrc: number, port: number): Promise<{ address: string; port: number; raw: Buffer }> {
    const request = Buffer.alloc(74);
    request.writeUInt16BE(1, 0);
    request.writeUInt16BE(70, 2);
    request.writeUInt32BE(ssrc, 4);
    const from = this.packets.length;
    this.send(request, port);
    const answer = await this.waitForPacket((p) => p.length === 74 && p.readUInt16BE(0) === 2, WAIT_MS, from);
    const address = answer.subarray(8, answer.indexOf(0, 8)).toString('ascii');
    return { address, port: answer.readUInt16BE(72), raw: answer };
  }

  /** One RTP packet: next seq (+1), timestamp (+960) and nonce (+1, incremented before use as [DJS] does). */
  sendOpus(opus: Buffer, session: { mode: string; key: Uint8Array; ssrc: number }, port: number): Buffer {
    this.sequence = (this.sequence + 1) & 0xffff;
    this.timestamp = (this.timestamp + 960) >>> 0;
    this.nonce = (this.nonce + 1) >>> 0;
    const packet = sealPacket(
      session.mode,
      session.key,
      rtpHeader(this.sequence, this.timestamp, session.ssrc),
      this.nonce,
      opus,
    );
    this.send(packet, port);
    return packet;
  }

  /** Audio packets received (byte 1 = PT 120), opened with `key`. */
  audio(mode: string, key: Uint8Array): { ssrc: number; seq: number; timestamp: number; opus: Buffer }[] {
    return this.packets
      .filter((p) => p.data.length > 12 && (p.data[1]! & 0x7f) === 0x78)
      .map((p) => ({
        ssrc: p.data.readUInt32BE(8),
        seq: p.data.readUInt16BE(2),
        timestamp: p.data.readUInt32BE(4),
        opus: openPacket(mode, key, p.data),
      }));
  }

  /** The first packet from index `from` on (received so far or later) that matches. */
  waitForPacket(predicate: (packet: Buffer) => boolean, timeoutMs = WAIT_MS, from = 0): Promise<Buffer> {
    return this.waitUntil(() => this.packets.slice(from).find((p) => predicate(p.data))?.data, timeoutMs);
  }

  /**
   * Resolves once the server handled every datagram sent before: it answers discovery in arrival order, so
   * a fresh answer means all earlier datagrams from this socket were processed.
   */
  async flush(ssrc: number, port: number): Promise<void> {
    await this.discover(ssrc, port);
  }

  waitForAudio(count: number, timeoutMs = WAIT_MS): Promise<void> {
    return this.waitUntil(
      () => (this.packets.filter((p) => (p.data[1]! & 0x7f) === 0x78).length >= count ? true : undefined),
      timeoutMs,
    ).then(() => undefined);
  }

  close(): void {
    this.socket.close();
  }

  private waitUntil<T>(check: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const attempt = (): void => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        this.listeners.delete(attempt);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(attempt);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for UDP`));
      }, timeoutMs);
      this.listeners.add(attempt);
      attempt();
    });
  }
}
