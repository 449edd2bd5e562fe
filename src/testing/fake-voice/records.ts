/** Records of what clients did and what the fake did about it, as `FakeVoiceServer` keeps and emits them. */

/** Who ended a voice connection: the fake (close frame), the client (close frame), or neither (TCP loss, 1006). */
export type VoiceCloseInitiator = 'server' | 'client' | 'transport';

/** One WebSocket frame a client sent, decoded. */
export interface VoiceReceivedFrame {
  readonly connectionId: number;
  /** Session of the connection when the frame arrived (null before Identify/Resume). */
  readonly sessionId: string | null;
  /** The opcode as sent (`[op u8]` of a binary frame). */
  readonly op: number;
  /** `d` of a JSON frame; null for a binary one. */
  readonly d: unknown;
  /** The payload after the opcode byte of a binary frame; null for JSON. */
  readonly binary: Buffer | null;
  readonly at: number;
}

/** One closed voice connection. */
export interface VoiceCloseRecord {
  readonly connectionId: number;
  readonly sessionId: string | null;
  /** The code of the close frame (the fake's own code when it closed; 1006 for a TCP loss). */
  readonly code: number;
  readonly reason: string;
  readonly initiator: VoiceCloseInitiator;
  /** Whether the session the connection carried can still be resumed. */
  readonly sessionResumable: boolean;
  readonly at: number;
}

/** Every op 3, with what the server had sent: `seqAck` should equal `lastSeqSent` once the client caught up. */
export interface VoiceHeartbeatRecord {
  readonly connectionId: number;
  readonly sessionId: string | null;
  /** The nonce `t`, echoed in op 6. */
  readonly t: number;
  /** `seq_ack` as sent; null when omitted. */
  readonly seqAck: number | null;
  /** The `seq` of the last sequenced message the session had sent (-1 for none). */
  readonly lastSeqSent: number;
  /** False while `stopHeartbeatAcks()` is in effect. */
  readonly acked: boolean;
  readonly at: number;
}

/** Every Identify on a socket not yet authenticated, with its outcome. */
export interface VoiceIdentifyAttempt {
  readonly connectionId: number;
  readonly serverId: string | null;
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly maxDaveProtocolVersion: number | null;
  readonly outcome: 'ready' | 'closed';
  readonly closeCode: number | null;
  readonly at: number;
}

/** Every Resume, with its outcome. */
export interface VoiceResumeAttempt {
  readonly connectionId: number;
  readonly sessionId: string | null;
  readonly seqAck: number | null;
  readonly outcome: 'resumed' | 'closed';
  readonly closeCode: number | null;
  /** Messages re-sent after Resumed. */
  readonly replayed: number;
  readonly at: number;
}

/** A voice session started (Ready sent). */
export interface VoiceReadyRecord {
  readonly connectionId: number;
  readonly sessionId: string;
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly ssrc: number;
}

/** An accepted Select Protocol (op 1). */
export interface VoiceSelectProtocolRecord {
  readonly connectionId: number;
  readonly sessionId: string;
  readonly address: string;
  readonly port: number;
  readonly mode: string;
  /** Where IP discovery saw the client's datagrams come from (null if it never asked). */
  readonly discovered: VoiceAddress | null;
  readonly at: number;
}

/** An accepted Speaking (op 5) from a client. */
export interface VoiceSpeakingRecord {
  readonly connectionId: number;
  readonly sessionId: string;
  readonly speaking: number;
  readonly delay: number | null;
  readonly ssrc: number;
  readonly at: number;
}

/** A UDP address and port. */
export interface VoiceAddress {
  readonly address: string;
  readonly port: number;
}

/** An answered IP discovery request: the address and port the datagram came from. */
export interface VoiceDiscoveryRecord extends VoiceAddress {
  readonly sessionId: string;
  readonly ssrc: number;
  readonly at: number;
}

/** One Opus frame a client sent, as the server decrypted it (docs/protocol/voice.md §3.2–§3.4). */
export interface FakeVoiceFrame {
  readonly sessionId: string;
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly ssrc: number;
  /** RTP sequence number and timestamp. */
  readonly seq: number;
  readonly timestamp: number;
  /** The 4-byte nonce counter the packet carried. */
  readonly nonce: number;
  /** The transport-decrypted payload (what DAVE would have encrypted; the Opus frame without DAVE). */
  readonly payload: Buffer;
  /** The Opus frame. Equal to `payload` while no DAVE is negotiated (dave_protocol_version 0). */
  readonly opus: Buffer;
  readonly arrivedAt: number;
}

/** A rule a client broke that does not (by default) close the socket. */
export type VoiceViolationKind =
  | 'rtp-before-speaking'
  | 'rtp-before-session-description'
  | 'nonce-not-increasing'
  | 'decrypt-failure'
  | 'speaking-ssrc-mismatch'
  | 'unknown-ssrc';

/** One recorded violation (see {@link VoiceViolationKind}). */
export interface VoiceViolation {
  readonly kind: VoiceViolationKind;
  readonly sessionId: string | null;
  readonly ssrc: number | null;
  readonly detail: string;
  readonly at: number;
}

/** Counters of a fake voice server, as a snapshot. */
export interface FakeVoiceServerStats {
  /** WebSocket connections accepted. */
  readonly connections: number;
  /** Sessions started (Identify accepted) and resumed. */
  readonly identifies: number;
  readonly resumes: number;
  /** Audio frames decrypted and recorded. */
  readonly framesReceived: number;
  readonly decryptFailures: number;
  readonly nonceViolations: number;
  /** RTP packets that arrived before any Speaking and were not rescued by it within the grace. */
  readonly rtpBeforeSpeaking: number;
  readonly unknownSsrcPackets: number;
  /** 8-byte keep-alive datagrams ([DJS] sends one every 5 s; not answered). */
  readonly keepalives: number;
  readonly discoveries: number;
  /** Datagrams the server sent (discovery answers and audio). */
  readonly datagramsSent: number;
  readonly dropped: { readonly inbound: number; readonly outbound: number };
  readonly delayed: { readonly inbound: number; readonly outbound: number };
  readonly closesByCode: {
    readonly server: Readonly<Record<number, number>>;
    readonly client: Readonly<Record<number, number>>;
  };
}

/** One message the server sent on a voice WebSocket (replayed messages included, with their original `seq`). */
export interface VoiceSentFrame {
  readonly connectionId: number;
  /** Session of the connection when it was sent (null before Identify/Resume was answered). */
  readonly sessionId: string | null;
  readonly op: number;
  /** Top-level `seq` of a JSON message, or the u16 of a binary one; null when it carries none. */
  readonly seq: number | null;
  /** `d` of a JSON message; null for a binary one. */
  readonly d: unknown;
  readonly binary: boolean;
  readonly at: number;
}

/** What a datagram on the media socket was taken for. */
export type VoiceDatagramKind = 'discovery' | 'rtp' | 'keepalive' | 'other';

/** One datagram that reached the media socket (after inbound faults), as the server classified it. */
export interface VoiceDatagramRecord {
  readonly kind: VoiceDatagramKind;
  /** The SSRC it names (RTP header or discovery request); null for other datagrams. */
  readonly ssrc: number | null;
  readonly from: VoiceAddress;
  readonly size: number;
  readonly at: number;
}

/** A WebSocket upgrade request the server accepted for `?v=8` (before a hold, if `holdUpgrades`). */
export interface VoiceUpgradeRecord {
  /** Path and query of the request. */
  readonly url: string;
  /** Held until `releaseUpgrade()` / `refuseUpgrade()`. */
  readonly held: boolean;
  readonly at: number;
}

/** What a `hold*` option is holding. */
export type VoiceHoldKind = 'upgrade' | 'ready' | 'discovery' | 'sessionDescription' | 'resumed';

/** Something a `hold*` option now holds: a release method lets it go. */
export interface VoiceHoldRecord {
  readonly kind: VoiceHoldKind;
  /** The connection it waits on (null for upgrades and discovery). */
  readonly connectionId: number | null;
  /** The session it belongs to (null for upgrades, and for Ready, which starts the session). */
  readonly sessionId: string | null;
  readonly at: number;
}
