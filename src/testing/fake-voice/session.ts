import { randomBytes, randomInt } from 'node:crypto';
import { InvalidArgumentError } from '../../errors.js';
import type { Grant } from './grants.js';
import { binaryVoiceFrame, serializeVoiceFrame } from './payloads.js';
import { ReplayBuffer, type BufferedVoiceMessage } from './replay-buffer.js';
import {
  UdpFaultRule,
  type UdpDelayOptions,
  type UdpFaultHandle,
  type UdpFaultOptions,
} from './udp-faults.js';
import type {
  ChangeRegionOptions,
  FakeVoiceSession,
  MoveEndpointOptions,
  VoiceSignalCloseOptions,
  VoiceSignalling,
} from './types.js';
import type { FakeVoiceFrame, VoiceAddress } from './records.js';
import type { VoiceServerState } from './voice-state.js';

/** Who a session is attached to; the connection class implements it. */
export interface VoiceSessionOwner {
  readonly id: number;
  deliver(data: string | Buffer): void;
  /** Another connection resumed the session. */
  release(): void;
}

/** RTP that arrived before the client's first non-zero Speaking, waiting for it (docs/protocol/voice.md §2.3 step 5). */
export interface HeldPacket {
  readonly packet: Buffer;
  readonly at: number;
}

/**
 * One voice session: created by an accepted Identify, it outlives sockets (Resume), and owns what the
 * docs say survives a resume: SSRC, secret key, UDP association, nonce and RTP state, and the `seq`
 * counter with its replay buffer (docs/protocol/voice.md §2.4).
 */
export class VoiceSession implements FakeVoiceSession {
  readonly ssrc: number;
  readonly buffer: ReplayBuffer;
  readonly frameLog: FakeVoiceFrame[] = [];
  mode: string | null = null;
  /** `modes` of the Ready this session was sent (Select Protocol must pick one of them). */
  offeredModes: readonly string[] = [];
  /** The latest IP discovery request held by `holdDiscovery`: where to answer. */
  heldDiscovery: VoiceAddress | null = null;
  clientAddress: VoiceAddress | null = null;
  discoveredAddress: VoiceAddress | null = null;
  speaking = 0;
  /** A non-zero Speaking arrived at least once: RTP is allowed from then on. */
  hasSpoken = false;
  daveProtocolVersion = 0;
  decryptFailures = 0;
  /** Highest nonce counter accepted from the client (they must strictly increase, docs/protocol/voice.md §3.4). */
  highestNonce: number | null = null;
  /** The server's own nonce counter for audio it sends to this client. */
  txNonce = randomInt(0, 2 ** 31);
  /** SSRCs of members whose Speaking (SSRC → user) this session was sent. */
  readonly announcedSsrcs = new Set<number>();
  readonly held: HeldPacket[] = [];
  holdTimer: NodeJS.Timeout | null = null;
  /** The speaking grace ran out once: later early RTP is handled at once, without waiting. */
  speakingGraceSpent = false;
  private readonly secret = randomBytes(32);
  private owner: VoiceSessionOwner | null = null;
  private destroyed = false;
  private expiryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly state: VoiceServerState,
    readonly grant: Grant,
    readonly maxDaveProtocolVersion: number,
  ) {
    this.ssrc = state.allocateSsrc();
    this.buffer = new ReplayBuffer(state.options.replayBufferSize, state.options.initialSeq);
  }

  get id(): string {
    return this.grant.sessionId;
  }
  get guildId(): string {
    return this.grant.guildId;
  }
  get channelId(): string {
    return this.grant.channelId;
  }
  get userId(): string {
    return this.grant.userId;
  }
  get token(): string {
    return this.grant.token;
  }
  get key(): Buffer {
    return this.secret;
  }
  get secretKey(): Buffer {
    return Buffer.from(this.secret);
  }
  get status(): 'connected' | 'disconnected' | 'destroyed' {
    if (this.destroyed) return 'destroyed';
    return this.owner === null ? 'disconnected' : 'connected';
  }
  get connectionId(): number | null {
    return this.owner?.id ?? null;
  }
  get connection(): VoiceSessionOwner | null {
    return this.owner;
  }
  get lastSeq(): number {
    return this.buffer.lastSeq;
  }
  get frames(): readonly FakeVoiceFrame[] {
    return this.frameLog;
  }

  /** Sends a message that may need replay: it gets the next `seq` and is buffered (docs/protocol/voice.md §2.4). */
  sendSequenced(op: number, d: unknown): BufferedVoiceMessage | null {
    if (this.destroyed) return null;
    const entry = this.buffer.next(op, (seq) => serializeVoiceFrame(op, d, seq));
    this.owner?.deliver(entry.data);
    return entry;
  }

  /** A binary message `[seq u16][op][payload]`; its seq counts for `seq_ack` like JSON `seq` (docs/protocol/voice.md §2.1). */
  sendSequencedBinary(op: number, payload: Uint8Array): BufferedVoiceMessage | null {
    if (this.destroyed) return null;
    const entry = this.buffer.next(op, (seq) => binaryVoiceFrame(op, payload, seq));
    this.owner?.deliver(entry.data);
    return entry;
  }

  sendPayload(op: number, d: unknown): void {
    this.sendSequenced(op, d);
  }

  get discoveryHeld(): boolean {
    return this.heldDiscovery !== null;
  }

  releaseDiscovery(): boolean {
    const held = this.heldDiscovery;
    if (held === null) return false;
    this.heldDiscovery = null;
    this.state.udp?.answerDiscovery(this.ssrc, held, true);
    return true;
  }

  dropUdp(options: UdpFaultOptions): UdpFaultHandle {
    return this.state.faults.add(new UdpFaultRule(options, null, this.ssrc));
  }

  delayUdp(options: UdpDelayOptions): UdpFaultHandle {
    return this.state.faults.add(new UdpFaultRule(options, options.delayMs, this.ssrc));
  }

  end(closeCode = 4014): void {
    this.state.revoke(this.grant, closeCode);
  }

  moveEndpoint(options: MoveEndpointOptions = {}): void {
    this.signalling().moveEndpoint(this.grant, options);
  }

  sendNullEndpoint(options: VoiceSignalCloseOptions = {}): void {
    this.signalling().sendNullEndpoint(this.grant, options);
  }

  changeRegion(options: ChangeRegionOptions): void {
    this.signalling().changeRegion(this.grant, options);
  }

  forceDisconnect(options: VoiceSignalCloseOptions = {}): void {
    this.signalling().forceDisconnect(this.grant, options);
  }

  attach(owner: VoiceSessionOwner): void {
    this.clearExpiry();
    if (this.owner !== null && this.owner !== owner) this.owner.release();
    this.owner = owner;
  }

  isOwnedBy(owner: VoiceSessionOwner): boolean {
    return this.owner === owner;
  }

  /** The socket went away resumably: keep the session for `ttlMs`, then end it. */
  detach(owner: VoiceSessionOwner, ttlMs: number, onExpire: () => void): void {
    if (this.owner !== owner || this.destroyed) return;
    this.owner = null;
    this.clearExpiry();
    this.expiryTimer = setTimeout(onExpire, ttlMs);
    this.expiryTimer.unref();
  }

  /** Ends the session for good; the state removes it from its maps. */
  markDestroyed(): void {
    this.destroyed = true;
    this.owner = null;
    this.clearExpiry();
    this.clearHeld();
    this.heldDiscovery = null;
    this.buffer.clear();
  }

  clearHeld(): void {
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.held.length = 0;
  }

  private signalling(): VoiceSignalling {
    if (this.grant.signalling === null) {
      throw new InvalidArgumentError(
        `voice session ${this.id} was not issued by a FakeGateway (attach the server with gateway.attachVoice)`,
      );
    }
    return this.grant.signalling;
  }

  private clearExpiry(): void {
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }
}
