/** Records of what clients did and what the fake did about it, as `FakeVoiceServer` keeps and emits them. */

/** Who ended a voice connection: the fake (close frame), the client (close frame), or neither (TCP loss, 1006). */
export type VoiceCloseInitiator = 'server' | 'client' | 'transport';

/** One WebSocket frame a client sent, decoded. */
export interface VoiceReceivedFrame {
  /** The connection it arrived on ({@link FakeVoiceConnection.id}). */
  readonly connectionId: number;
  /** Session of the connection when the frame arrived (null before Identify/Resume). */
  readonly sessionId: string | null;
  /** The opcode as sent (`[op u8]` of a binary frame). */
  readonly op: number;
  /** `d` of a JSON frame; null for a binary one. */
  readonly d: unknown;
  /** The payload after the opcode byte of a binary frame; null for JSON. */
  readonly binary: Buffer | null;
  /** When it arrived, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** One closed voice connection. */
export interface VoiceCloseRecord {
  /** The connection it arrived on ({@link FakeVoiceConnection.id}). */
  readonly connectionId: number;
  /** The session the connection carried when it closed; null if it had none. */
  readonly sessionId: string | null;
  /** The code of the close frame (the fake's own code when it closed; 1006 for a TCP loss). */
  readonly code: number;
  /** The close frame's reason text ('' for none or a TCP loss). */
  readonly reason: string;
  /** Who closed it. */
  readonly initiator: VoiceCloseInitiator;
  /** Whether the session the connection carried can still be resumed. */
  readonly sessionResumable: boolean;
  /** When it closed, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** Every op 3, with what the server had sent: `seqAck` should equal `lastSeqSent` once the client caught up. */
export interface VoiceHeartbeatRecord {
  /** The connection it arrived on ({@link FakeVoiceConnection.id}). */
  readonly connectionId: number;
  /** The session of the connection; null before Identify/Resume. */
  readonly sessionId: string | null;
  /** The nonce `t`, echoed in op 6. */
  readonly t: number;
  /** `seq_ack` as sent; null when omitted. */
  readonly seqAck: number | null;
  /** The `seq` of the last sequenced message the session had sent (-1 for none). */
  readonly lastSeqSent: number;
  /** False while `stopHeartbeatAcks()` is in effect. */
  readonly acked: boolean;
  /** When it arrived, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** Every Identify on a socket not yet authenticated, with its outcome. */
export interface VoiceIdentifyAttempt {
  /** The connection it arrived on ({@link FakeVoiceConnection.id}). */
  readonly connectionId: number;
  /** `server_id` as sent (the guild); null when missing. */
  readonly serverId: string | null;
  /** `user_id` as sent; null when missing. */
  readonly userId: string | null;
  /** `session_id` as sent; null when missing. */
  readonly sessionId: string | null;
  /** `max_dave_protocol_version` as sent; null when omitted. */
  readonly maxDaveProtocolVersion: number | null;
  /** `ready` when accepted, `closed` when the server closed the socket instead. */
  readonly outcome: 'ready' | 'closed';
  /** The close code when `outcome` is `closed`; null otherwise. */
  readonly closeCode: number | null;
  /** When it arrived, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** Every Resume, with its outcome. */
export interface VoiceResumeAttempt {
  /** The connection it arrived on ({@link FakeVoiceConnection.id}). */
  readonly connectionId: number;
  /** `session_id` as sent; null when missing. */
  readonly sessionId: string | null;
  /** `seq_ack` as sent; null when omitted. */
  readonly seqAck: number | null;
  /** `resumed` when accepted, `closed` when the server closed the socket instead. */
  readonly outcome: 'resumed' | 'closed';
  /** The close code when `outcome` is `closed`; null otherwise. */
  readonly closeCode: number | null;
  /** Messages re-sent after Resumed. */
  readonly replayed: number;
  /** When it arrived, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** A voice session started (Ready sent). */
export interface VoiceReadyRecord {
  /** The connection it arrived on ({@link FakeVoiceConnection.id}). */
  readonly connectionId: number;
  /** The new session's id. */
  readonly sessionId: string;
  /** The guild (`server_id` of the Identify). */
  readonly guildId: string;
  /** The channel of the call. */
  readonly channelId: string;
  /** The member's user id. */
  readonly userId: string;
  /** The RTP SSRC assigned in Ready. */
  readonly ssrc: number;
}

/** An accepted Select Protocol (op 1). */
export interface VoiceSelectProtocolRecord {
  /** The connection it arrived on ({@link FakeVoiceConnection.id}). */
  readonly connectionId: number;
  /** The session that selected the protocol. */
  readonly sessionId: string;
  /** The client's IP address from `data.address`. */
  readonly address: string;
  /** The client's UDP port from `data.port`. */
  readonly port: number;
  /** The transport encryption mode chosen (e.g. `aead_aes256_gcm_rtpsize`). */
  readonly mode: string;
  /** Where IP discovery saw the client's datagrams come from (null if it never asked). */
  readonly discovered: VoiceAddress | null;
  /** When it arrived, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** An accepted Speaking (op 5) from a client. */
export interface VoiceSpeakingRecord {
  /** The connection it arrived on ({@link FakeVoiceConnection.id}). */
  readonly connectionId: number;
  /** The session that sent it. */
  readonly sessionId: string;
  /** The speaking flags (bit 0 microphone, 1 soundshare, 2 priority). */
  readonly speaking: number;
  /** `delay` as sent; null when omitted. */
  readonly delay: number | null;
  /** The SSRC the client announced. */
  readonly ssrc: number;
  /** When it arrived, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** A UDP address and port. */
export interface VoiceAddress {
  /** IP address (v4 or v6) as text. */
  readonly address: string;
  /** UDP port. */
  readonly port: number;
}

/** An answered IP discovery request: the address and port the datagram came from. */
export interface VoiceDiscoveryRecord extends VoiceAddress {
  /** The session whose SSRC the request named. */
  readonly sessionId: string;
  /** The SSRC from the request. */
  readonly ssrc: number;
  /** When it was answered, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** One Opus frame a client sent, as the server decrypted it (docs/protocol/voice.md §3.2–§3.4). */
export interface FakeVoiceFrame {
  /** The voice session that sent it. */
  readonly sessionId: string;
  /** The guild of the call. */
  readonly guildId: string;
  /** The channel of the call. */
  readonly channelId: string;
  /** The sender's user id. */
  readonly userId: string;
  /** The RTP SSRC the packet carried. */
  readonly ssrc: number;
  /** RTP sequence number (16-bit, wraps). */
  readonly seq: number;
  /** RTP timestamp (48 kHz samples). */
  readonly timestamp: number;
  /** The 4-byte nonce counter the packet carried. */
  readonly nonce: number;
  /** The transport-decrypted payload (what DAVE would have encrypted; the Opus frame without DAVE). */
  readonly payload: Buffer;
  /** The Opus frame. Equal to `payload` while no DAVE is negotiated (dave_protocol_version 0). */
  readonly opus: Buffer;
  /** When the datagram arrived, in ms since the epoch (`Date.now()`). */
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
  /** Which rule was broken. */
  readonly kind: VoiceViolationKind;
  /** The offending session; null when the datagram matched none. */
  readonly sessionId: string | null;
  /** The SSRC involved; null when not applicable. */
  readonly ssrc: number | null;
  /** A human-readable explanation (for test failure messages). */
  readonly detail: string;
  /** When it was detected, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** Counters of a fake voice server, as a snapshot. */
export interface FakeVoiceServerStats {
  /** WebSocket connections accepted. */
  readonly connections: number;
  /** Sessions started (Identify accepted) and resumed. */
  readonly identifies: number;
  /** Resumes accepted. */
  readonly resumes: number;
  /** Audio frames decrypted and recorded. */
  readonly framesReceived: number;
  /** RTP packets that failed transport decryption. */
  readonly decryptFailures: number;
  /** RTP packets whose nonce counter did not increase. */
  readonly nonceViolations: number;
  /** RTP packets that arrived before any Speaking and were not rescued by it within the grace. */
  readonly rtpBeforeSpeaking: number;
  /** RTP packets with an SSRC no session announced. */
  readonly unknownSsrcPackets: number;
  /** 8-byte keep-alive datagrams ([DJS] sends one every 5 s; not answered). */
  readonly keepalives: number;
  /** IP discovery requests answered. */
  readonly discoveries: number;
  /** Datagrams the server sent (discovery answers and audio). */
  readonly datagramsSent: number;
  /** Datagrams dropped by UDP faults, per direction. */
  readonly dropped: {
    /** Client-to-server datagrams dropped. */
    readonly inbound: number;
    /** Server-to-client datagrams dropped. */
    readonly outbound: number;
  };
  /** Datagrams delayed by UDP faults, per direction. */
  readonly delayed: {
    /** Client-to-server datagrams delayed. */
    readonly inbound: number;
    /** Server-to-client datagrams delayed. */
    readonly outbound: number;
  };
  /** Closes per close code, by who closed (the server's own, the client's). */
  readonly closesByCode: {
    /** Close code → count, for closes the fake initiated. */
    readonly server: Readonly<Record<number, number>>;
    /** Close code → count, for closes the client initiated. */
    readonly client: Readonly<Record<number, number>>;
  };
}

/** One message the server sent on a voice WebSocket (replayed messages included, with their original `seq`). */
export interface VoiceSentFrame {
  /** The connection it was sent on ({@link FakeVoiceConnection.id}). */
  readonly connectionId: number;
  /** Session of the connection when it was sent (null before Identify/Resume was answered). */
  readonly sessionId: string | null;
  /** The opcode. */
  readonly op: number;
  /** Top-level `seq` of a JSON message, or the u16 of a binary one; null when it carries none. */
  readonly seq: number | null;
  /** `d` of a JSON message; null for a binary one. */
  readonly d: unknown;
  /** Whether it was a binary (DAVE) message. */
  readonly binary: boolean;
  /** When it was sent, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** What a datagram on the media socket was taken for. */
export type VoiceDatagramKind = 'discovery' | 'rtp' | 'keepalive' | 'other';

/** One datagram that reached the media socket (after inbound faults), as the server classified it. */
export interface VoiceDatagramRecord {
  /** How the server classified it. */
  readonly kind: VoiceDatagramKind;
  /** The SSRC it names (RTP header or discovery request); null for other datagrams. */
  readonly ssrc: number | null;
  /** Where it came from. */
  readonly from: VoiceAddress;
  /** Its size in bytes. */
  readonly size: number;
  /** When it arrived, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** A WebSocket upgrade request the server accepted for `?v=8` (before a hold, if `holdUpgrades`). */
export interface VoiceUpgradeRecord {
  /** Path and query of the request. */
  readonly url: string;
  /** Held until `releaseUpgrade()` / `refuseUpgrade()`. */
  readonly held: boolean;
  /** When it arrived, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** What a `hold*` option is holding. */
export type VoiceHoldKind = 'upgrade' | 'ready' | 'discovery' | 'sessionDescription' | 'resumed';

/** Something a `hold*` option now holds: a release method lets it go. */
export interface VoiceHoldRecord {
  /** What is held. */
  readonly kind: VoiceHoldKind;
  /** The connection it waits on (null for upgrades and discovery). */
  readonly connectionId: number | null;
  /** The session it belongs to (null for upgrades, and for Ready, which starts the session). */
  readonly sessionId: string | null;
  /** When the hold started, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}
