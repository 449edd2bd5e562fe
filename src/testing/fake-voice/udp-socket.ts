import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { buildDiscoveryResponse, parseDiscoveryRequest } from './ip-discovery.js';
import { handleRtp } from './media-receiver.js';
import { isOpusRtp } from './rtp.js';
import type { VoiceAddress } from './records.js';
import type { UdpDirection, UdpVerdict } from './udp-faults.js';
import type { VoiceServerState } from './voice-state.js';

/** [DJS]'s keep-alive: a u32 LE counter and 4 zero bytes every 5 s (docs/protocol/voice.md §3.1). Not answered. */
const KEEPALIVE_SIZE = 8;

/**
 * The media socket of a fake voice server on 127.0.0.1: answers IP discovery with the address the
 * datagram came from (docs/protocol/voice.md §3.1), hands Opus RTP to the receiver, counts keep-alives, and
 * sends audio, with the server's drop/delay faults applied in both directions.
 */
export class VoiceUdp {
  private closed = false;
  /** The bound port (kept: `address()` throws once the socket is closed). */
  readonly port: number;

  private constructor(
    private readonly state: VoiceServerState,
    private readonly socket: Socket,
  ) {
    this.port = socket.address().port;
    socket.on('error', () => {});
    socket.on('message', (message, remote) => this.onMessage(message, remote));
  }

  /** Binds a UDP socket on 127.0.0.1:`port` (0: an ephemeral port). */
  static bind(state: VoiceServerState, port: number): Promise<VoiceUdp> {
    const socket = createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve(new VoiceUdp(state, socket));
      });
    });
  }

  /** Sends one datagram to a client, unless an outbound fault drops or delays it. */
  send(packet: Buffer, to: VoiceAddress, ssrc: number | null, isRtp: boolean): void {
    if (this.closed) return;
    this.applyFaults('outbound', ssrc, isRtp, () => {
      if (this.closed) return;
      this.state.count('datagramsSent');
      this.socket.send(packet, to.port, to.address, () => {});
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private onMessage(message: Buffer, remote: RemoteInfo): void {
    const isRtp = isOpusRtp(message);
    const discoverySsrc = parseDiscoveryRequest(message);
    const ssrc = isRtp ? message.readUInt32BE(8) : discoverySsrc;
    this.applyFaults('inbound', ssrc, isRtp, () => this.handle(message, remote, discoverySsrc, isRtp));
  }

  private applyFaults(direction: UdpDirection, ssrc: number | null, isRtp: boolean, run: () => void): void {
    const verdict: UdpVerdict = this.state.faults.decide(direction, ssrc, isRtp);
    if (verdict.kind === 'drop') {
      this.state.countDirectional('dropped', direction);
    } else if (verdict.kind === 'delay') {
      this.state.countDirectional('delayed', direction);
      this.state.schedule(run, verdict.ms);
    } else {
      run();
    }
  }

  private handle(message: Buffer, remote: RemoteInfo, discoverySsrc: number | null, isRtp: boolean): void {
    if (this.closed) return;
    const from = { address: remote.address, port: remote.port };
    const kind =
      discoverySsrc !== null
        ? 'discovery'
        : isRtp
          ? 'rtp'
          : message.length === KEEPALIVE_SIZE
            ? 'keepalive'
            : 'other';
    const ssrc = discoverySsrc ?? (isRtp ? message.readUInt32BE(8) : null);
    this.state.emit('datagram', { kind, ssrc, from, size: message.length, at: Date.now() });
    if (discoverySsrc !== null) return this.answerDiscovery(discoverySsrc, from);
    if (message.length === KEEPALIVE_SIZE) {
      this.state.count('keepalives');
      return;
    }
    // RTCP and anything else that is not Opus RTP is ignored, as a receiver must (docs/protocol/voice.md §3.2).
    if (isRtp) handleRtp(this.state, message, Date.now());
  }

  /**
   * Answers IP discovery with the address the request came from. Discovery for an SSRC no session has
   * gets no answer (the client's discovery then times out). With `holdDiscovery` the request is kept
   * (the latest one per session) until `releaseDiscovery()` calls this again with `release` set.
   */
  answerDiscovery(ssrc: number, address: VoiceAddress, release = false): void {
    const session = this.state.bySsrc.get(ssrc);
    if (session === undefined) {
      this.state.count('unknownSsrcPackets');
      return;
    }
    if (this.state.options.holdDiscovery && !release) {
      const first = session.heldDiscovery === null;
      session.heldDiscovery = address;
      if (first) {
        this.state.emit('hold', {
          kind: 'discovery',
          connectionId: null,
          sessionId: session.id,
          at: Date.now(),
        });
      }
      return;
    }
    session.discoveredAddress = address;
    this.state.count('discoveries');
    this.state.emit('discovery', { sessionId: session.id, ssrc, ...address, at: Date.now() });
    this.send(buildDiscoveryResponse(ssrc, address.address, address.port), address, ssrc, false);
  }
}
