import { randomInt } from 'node:crypto';
import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import { InvalidArgumentError } from '../../errors.js';
import { buildRtpHeader } from './rtp.js';
import type { VoiceSession } from './session.js';
import { sealRtpPayload } from './transport-crypto.js';
import type { FakeVoiceFrame } from './records.js';
import type { VoiceServerState } from './voice-state.js';

/** DAVE protocol frames end with the magic marker `0xFAFA` (docs/protocol/voice.md §4.7). */
export function hasDaveMarker(payload: Uint8Array): boolean {
  const n = payload.length;
  return n >= 2 && payload[n - 1] === 0xfa && payload[n - 2] === 0xfa;
}

/** 20 ms of 48 kHz audio: the RTP timestamp step per packet (docs/protocol/voice.md §3.5). */
const SAMPLES_PER_FRAME = 960;

/** Options of {@link FakeVoicePeer.speak}. */
export interface PeerSpeakOptions {
  /** Milliseconds between packets, on a drift-free schedule. Default 20 (real time); 0 sends all at once. */
  readonly intervalMs?: number;
  /** Speaking flags announced first (op 5). Default 1 (microphone). */
  readonly speaking?: number;
}

/** One audio packet a peer sent to one client session. */
export interface PeerSentPacket {
  /** The client voice session the packet went to. */
  readonly sessionId: string;
  /** Its RTP sequence number (16-bit, wraps); the same for every receiving session. */
  readonly seq: number;
  /** Its RTP timestamp in 48 kHz samples (advances 960 per 20 ms frame). */
  readonly timestamp: number;
  /** The transport nonce counter the packet carried. */
  readonly nonce: number;
  /** The Opus frame it carried, before encryption. */
  readonly opus: Buffer;
  /** When it was sent, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** A frame a client sent, as one fake member decrypted it end to end (DAVE) or as it arrived without DAVE. */
export interface PeerDecryptedFrame {
  /** The user id of the client that sent the frame. */
  readonly userId: string;
  /** The voice session id of the client that sent the frame. */
  readonly sessionId: string;
  /** The frame's RTP sequence number as the client sent it. */
  readonly seq: number;
  /** Whether the payload carried DAVE's `0xFAFA` marker (docs/protocol/voice.md §4.7). */
  readonly e2ee: boolean;
  /** The Opus frame; null when this member could not decrypt it. */
  readonly opus: Buffer | null;
}

/**
 * A fake member of a call: listed in Clients Connect (op 11), it hears what clients send (decrypted by
 * the server) and can speak: Speaking (op 5) mapping its SSRC to its user id, then RTP encrypted for each
 * listening client with that client's mode and key (docs/protocol/voice.md §3.2–§3.4).
 */
export interface FakeVoicePeer {
  /** The member's user id, announced in Clients Connect and Speaking. */
  readonly userId: string;
  /** Its one channel, or null when it is in every call on the server. */
  readonly channelId: string | null;
  /** The RTP SSRC the server allocated to it; its packets carry it. */
  readonly ssrc: number;
  /** False once it left (after {@link FakeVoicePeer.leave}); it then hears and sends nothing. */
  readonly present: boolean;
  /** Frames other members sent in its calls while it was present, in arrival order. */
  readonly heard: readonly FakeVoiceFrame[];
  /** Packets it sent, one entry per receiving session. */
  readonly sent: readonly PeerSentPacket[];
  /** Sends Speaking `{user_id, ssrc, speaking}` to every client session in its calls. */
  setSpeaking(flags?: number): void;
  /**
   * Sends `frames` as RTP to every client session in its calls that selected a protocol and is not
   * deafened (a deafened member gets no audio). Announces its SSRC first where not yet done. Resolves
   * when the last packet went out (or the server closed).
   */
  speak(frames: readonly Uint8Array[], options?: PeerSpeakOptions): Promise<void>;
  /** Leaves: Client Disconnect (op 13) to the sessions of its calls; it leaves their DAVE groups too. */
  leave(): void;
  /** Every client frame it heard, decrypted by its own davey session where the call uses DAVE. */
  readonly decrypted: readonly PeerDecryptedFrame[];
  /** Its voice privacy code in `channelId`'s call (30 digits), or null before a DAVE group is established. */
  privacyCode(channelId: string): string | null;
  /** Its DAVE epoch in `channelId`'s call, or null without a group. */
  daveEpoch(channelId: string): number | null;
}

/** The {@link FakeVoicePeer} implementation; the server state owns its instances. */
export class Peer implements FakeVoicePeer {
  readonly ssrc: number;
  readonly sentLog: PeerSentPacket[] = [];
  readonly decryptedLog: PeerDecryptedFrame[] = [];
  present = true;
  private sequence = randomInt(0, 2 ** 16);
  private timestamp = randomInt(0, 2 ** 32);
  /** Positions in the server's frame record: what arrived while the peer was present (time stamps may tie). */
  private readonly joinedIndex: number;
  private leftIndex: number | null = null;

  constructor(
    private readonly state: VoiceServerState,
    readonly userId: string,
    readonly channelId: string | null,
  ) {
    this.ssrc = state.allocateSsrc();
    this.joinedIndex = state.frames.length;
  }

  get heard(): readonly FakeVoiceFrame[] {
    return this.state.frames
      .slice(this.joinedIndex, this.leftIndex ?? undefined)
      .filter((frame) => frame.userId !== this.userId && this.isIn(frame.guildId, frame.channelId));
  }

  get sent(): readonly PeerSentPacket[] {
    return this.sentLog;
  }

  get decrypted(): readonly PeerDecryptedFrame[] {
    return this.decryptedLog;
  }

  privacyCode(channelId: string): string | null {
    const code = this.state.dave.member(this, channelId)?.session.voicePrivacyCode ?? '';
    return code === '' ? null : code;
  }

  daveEpoch(channelId: string): number | null {
    const member = this.state.dave.member(this, channelId);
    return member?.session.ready === true ? Number(member.session.epoch) : null;
  }

  /** A client frame arrived in one of its calls: decrypt it with its own DAVE session (docs/protocol/voice.md §4.7). */
  hear(frame: { userId: string; sessionId: string; seq: number; channelId: string; payload: Buffer }): void {
    const e2ee = hasDaveMarker(frame.payload);
    const member = this.state.dave.member(this, frame.channelId);
    const opus = e2ee ? (member?.decrypt(frame.userId, frame.payload) ?? null) : frame.payload;
    this.decryptedLog.push({ userId: frame.userId, sessionId: frame.sessionId, seq: frame.seq, e2ee, opus });
  }

  /** Whether the peer is in the call of this guild channel. */
  isIn(_guildId: string, channelId: string): boolean {
    return this.channelId === null || this.channelId === channelId;
  }

  setSpeaking(flags = 1): void {
    for (const session of this.sessions()) this.announce(session, flags);
  }

  async speak(frames: readonly Uint8Array[], options: PeerSpeakOptions = {}): Promise<void> {
    const intervalMs = options.intervalMs ?? 20;
    if (!Number.isSafeInteger(intervalMs) || intervalMs < 0 || intervalMs > 1000) {
      throw new InvalidArgumentError(`speak "intervalMs" must be an integer in [0, 1000], got ${intervalMs}`);
    }
    if (!this.present) throw new InvalidArgumentError(`peer ${this.userId} left the call`);
    let announced = false;
    for (const session of this.sessions()) {
      if (session.announcedSsrcs.has(this.ssrc)) continue;
      this.announce(session, options.speaking ?? 1);
      announced = true;
    }
    // Speaking goes over TCP, audio over UDP: give the mapping one packet interval's head start.
    if (announced && intervalMs > 0 && !(await this.state.sleep(intervalMs))) return;
    let next = Date.now();
    for (let index = 0; index < frames.length; index++) {
      if (this.state.closed || !this.present) return;
      this.sendFrame(Buffer.from(frames[index]!));
      if (index === frames.length - 1 || intervalMs === 0) continue;
      next += intervalMs;
      if (!(await this.state.sleep(Math.max(0, next - Date.now())))) return;
    }
  }

  leave(): void {
    if (!this.present) return;
    this.present = false;
    this.leftIndex = this.state.frames.length;
    for (const session of this.sessions()) {
      session.sendSequenced(VoiceOpcodes.ClientDisconnect, { user_id: this.userId });
    }
    this.state.dave.peerLeft(this);
  }

  /** Live client sessions in the peer's calls. */
  private sessions(): VoiceSession[] {
    return [...this.state.sessions.values()].filter(
      (session) => session.userId !== this.userId && this.isIn(session.guildId, session.channelId),
    );
  }

  private announce(session: VoiceSession, flags: number): void {
    session.sendSequenced(VoiceOpcodes.Speaking, { user_id: this.userId, ssrc: this.ssrc, speaking: flags });
    session.announcedSsrcs.add(this.ssrc);
  }

  /** One RTP packet per listening session: same seq/timestamp for all, each sealed with its own key and nonce. */
  private sendFrame(opus: Buffer): void {
    this.sequence = (this.sequence + 1) & 0xffff;
    this.timestamp = (this.timestamp + SAMPLES_PER_FRAME) >>> 0;
    const header = buildRtpHeader(this.sequence, this.timestamp, this.ssrc);
    const udp = this.state.udp;
    if (udp === null) return;
    for (const session of this.sessions()) {
      const { mode, clientAddress } = session;
      if (mode === null || clientAddress === null || session.grant.selfDeaf) continue;
      session.txNonce = (session.txNonce + 1) >>> 0;
      const member = this.state.dave.member(this, session.channelId);
      const payload = member === undefined ? opus : member.encrypt(opus);
      const sealed = sealRtpPayload(mode, session.key, header, session.txNonce, payload);
      udp.send(Buffer.concat([header, sealed]), clientAddress, session.ssrc, true);
      this.sentLog.push({
        sessionId: session.id,
        seq: this.sequence,
        timestamp: this.timestamp,
        nonce: session.txNonce,
        opus,
        at: Date.now(),
      });
    }
  }
}
