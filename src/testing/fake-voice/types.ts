import type { DaveTransitionRecord } from './dave/dave-call.js';
import type { FakeVoiceServer } from './fake-voice-server.js';
import type { VoiceChannelKind } from './options.js';
import type {
  FakeVoiceFrame,
  VoiceAddress,
  VoiceCloseRecord,
  VoiceDiscoveryRecord,
  VoiceHeartbeatRecord,
  VoiceIdentifyAttempt,
  VoiceReadyRecord,
  VoiceReceivedFrame,
  VoiceResumeAttempt,
  VoiceSelectProtocolRecord,
  VoiceSpeakingRecord,
  VoiceViolation,
  VoiceDatagramRecord,
  VoiceHoldRecord,
  VoiceSentFrame,
  VoiceUpgradeRecord,
} from './records.js';
import type { UdpDelayOptions, UdpFaultHandle, UdpFaultOptions } from './udp-faults.js';

/** What the main gateway tells a voice server about a member allowed to connect (docs/protocol/voice.md §1.2). */
export interface VoiceGrantRequest {
  /** `server_id` of the voice Identify: the guild. */
  readonly guildId: string;
  /** The channel of the call (the DAVE group id later). */
  readonly channelId: string;
  /** The member's user id: `user_id` of the voice Identify. */
  readonly userId: string;
  /** `session_id` of the member's VOICE_STATE_UPDATE. */
  readonly sessionId: string;
  /** `token` of VOICE_SERVER_UPDATE; default a fresh random one. */
  readonly token?: string;
  /** Whether the member is self-muted (reported in voice states). Default false. */
  readonly selfMute?: boolean;
  /** A deafened member receives no audio (Discord's SFU forwards none to it). Default false. */
  readonly selfDeaf?: boolean;
  /** Default: the server's `channels` entry, else its `defaultChannelKind`. */
  readonly channelKind?: VoiceChannelKind;
}

/** An Identify the server will accept: the four values a client must send, and the call it joins. */
export interface VoiceGrant {
  /** `server_id` of the voice Identify: the guild. */
  readonly guildId: string;
  /** The channel of the call (the DAVE group id). */
  readonly channelId: string;
  /** `user_id` of the voice Identify. */
  readonly userId: string;
  /** `session_id` of the voice Identify (the member's VOICE_STATE_UPDATE session). */
  readonly sessionId: string;
  /** `token` of the voice Identify (from VOICE_SERVER_UPDATE). */
  readonly token: string;
  /** `host:port` of the server that issued it, as VOICE_SERVER_UPDATE carries it. */
  readonly endpoint: string;
  /** The kind of channel, which decides the DAVE rules the call follows. */
  readonly channelKind: VoiceChannelKind;
  /** Whether the member is self-muted. */
  readonly selfMute: boolean;
  /** Whether the member is self-deafened: it then receives no audio. */
  readonly selfDeaf: boolean;
  /** Set once replaced or withdrawn: Identify and Resume with its token are closed with 4006. */
  readonly revoked: boolean;
}

/** Options of a move to a new VOICE_SERVER_UPDATE (another server, or the same one with a new token). */
export interface MoveEndpointOptions {
  /** The server to move to; default the same one (a new token, as a channel move gives). */
  readonly to?: FakeVoiceServer;
  /** Move to another channel of the guild as well (a VOICE_STATE_UPDATE goes out too). */
  readonly channelId?: string;
  /** Close code for the old voice connection; null leaves it open. Default 4022 across servers, else 4014. */
  readonly closeCode?: number | null;
}

/** Options of the null-endpoint and forced-disconnect faults. */
export interface VoiceSignalCloseOptions {
  /** Close code for the voice connection; null leaves it open (its grant is revoked all the same). */
  readonly closeCode?: number | null;
}

/** Options of a region change: a null endpoint, then a VOICE_SERVER_UPDATE for `to`. */
export interface ChangeRegionOptions {
  /** The server to move the member to (its VOICE_SERVER_UPDATE endpoint). */
  readonly to: FakeVoiceServer;
  /** Close code for the old voice connection once the new endpoint went out. Default 4022; null leaves it open. */
  readonly closeCode?: number | null;
}

/**
 * How a voice server reaches the main gateway that issued a grant, for faults that are gateway
 * dispatches (docs/protocol/voice.md §1.2). `FakeGateway` implements it when a server is attached.
 */
export interface VoiceSignalling {
  /** Sends VOICE_SERVER_UPDATE for a new endpoint and/or token, and closes the old connection as `options` say. */
  moveEndpoint(grant: VoiceGrant, options: MoveEndpointOptions): void;
  /** Sends VOICE_SERVER_UPDATE with `endpoint: null` and revokes the grant. */
  sendNullEndpoint(grant: VoiceGrant, options: VoiceSignalCloseOptions): void;
  /** Sends a null endpoint, then VOICE_SERVER_UPDATE for `options.to`. */
  changeRegion(grant: VoiceGrant, options: ChangeRegionOptions): void;
  /** Sends VOICE_STATE_UPDATE with `channel_id: null` and revokes the grant. */
  forceDisconnect(grant: VoiceGrant, options: VoiceSignalCloseOptions): void;
}

/** A voice session as tests see it: what was negotiated, what arrived, and faults to inject. */
export interface FakeVoiceSession {
  /** `session_id` of the Identify. */
  readonly id: string;
  /** `server_id` of the Identify: the guild. */
  readonly guildId: string;
  /** The channel of the call. */
  readonly channelId: string;
  /** `user_id` of the Identify. */
  readonly userId: string;
  /** `token` of the Identify. */
  readonly token: string;
  /** The RTP SSRC the server assigned in Ready. */
  readonly ssrc: number;
  /** The transport mode of Select Protocol (null before it). */
  readonly mode: string | null;
  /** A copy of the 32-byte `secret_key` of Session Description. */
  readonly secretKey: Buffer;
  /** `connected` while a WebSocket owns it, `disconnected` while resumable without one, `destroyed` once ended for good. */
  readonly status: 'connected' | 'disconnected' | 'destroyed';
  /** Id of the {@link FakeVoiceConnection} that owns it now; null while it has none. */
  readonly connectionId: number | null;
  /** `seq` of the last sequenced message sent (-1 for none). */
  readonly lastSeq: number;
  /** Address and port of Select Protocol (where the server sends audio). */
  readonly clientAddress: VoiceAddress | null;
  /** The client's address as IP discovery saw it (null before discovery). */
  readonly discoveredAddress: VoiceAddress | null;
  /** Flags of the client's last Speaking (0 before any). */
  readonly speaking: number;
  /** `max_dave_protocol_version` of the client's Identify (0 when not sent). */
  readonly maxDaveProtocolVersion: number;
  /** `dave_protocol_version` of Session Description; 0 until the DAVE issue. */
  readonly daveProtocolVersion: number;
  /** Audio frames this session sent, decrypted, in arrival order. */
  readonly frames: readonly FakeVoiceFrame[];
  /** How many RTP packets from this session failed transport decryption. */
  readonly decryptFailures: number;
  /** An IP discovery request waits for {@link FakeVoiceSession.releaseDiscovery} (option `holdDiscovery`). */
  readonly discoveryHeld: boolean;
  /** Answers the latest held IP discovery request; false when none is held. */
  releaseDiscovery(): boolean;
  /** Sends a sequenced message to the session (buffered for Resume while it has no socket). */
  sendPayload(op: number, d: unknown): void;
  /** Drops UDP datagrams of this session (see {@link UdpFaultOptions}). */
  dropUdp(options: UdpFaultOptions): UdpFaultHandle;
  /** Delays UDP datagrams of this session. */
  delayUdp(options: UdpDelayOptions): UdpFaultHandle;
  /** Revokes the session's grant and closes its socket with `closeCode` (default 4014), as a kick would. */
  end(closeCode?: number): void;
  /** Through the linked gateway: a new VOICE_SERVER_UPDATE (see {@link MoveEndpointOptions}). */
  moveEndpoint(options?: MoveEndpointOptions): void;
  /** Through the linked gateway: VOICE_SERVER_UPDATE with `endpoint: null`. */
  sendNullEndpoint(options?: VoiceSignalCloseOptions): void;
  /** Through the linked gateway: a null endpoint, then a new server. */
  changeRegion(options: ChangeRegionOptions): void;
  /** Through the linked gateway: VOICE_STATE_UPDATE with `channel_id: null`, and the socket closed (4014). */
  forceDisconnect(options?: VoiceSignalCloseOptions): void;
}

/** A server message to send as is; `sequenced` gives it the session's next `seq` and buffers it. */
export interface VoiceServerPayload {
  /** The voice opcode. */
  readonly op: number;
  /** The payload's `d`; omitted sends none. */
  readonly d?: unknown;
  /** Give it the session's next `seq` and buffer it for Resume replay. Default false. */
  readonly sequenced?: boolean;
}

/** A live voice WebSocket, as tests see it. Every method is a fault or scenario to inject. */
export interface FakeVoiceConnection {
  /** The connection's id, unique per server (in records as `connectionId`). */
  readonly id: number;
  /** The `v` query parameter as sent. */
  readonly version: string | null;
  /** Session of the connection (after Identify/Resume); null before. */
  readonly sessionId: string | null;
  /** The session it owns, as tests see it; null before Identify/Resume. */
  readonly session: FakeVoiceSession | null;
  /** False once the socket closed. */
  readonly open: boolean;
  /** Closes with `code` (1000 or 3000–4999) and a reason (default Discord's wording). */
  close(code: number, reason?: string): void;
  /** Drops the TCP connection without a close frame; the session stays resumable. */
  terminate(): void;
  /** Stop answering heartbeats with op 6, until `resumeHeartbeatAcks()`. */
  stopHeartbeatAcks(): void;
  /** Answers heartbeats with op 6 again after {@link FakeVoiceConnection.stopHeartbeatAcks}. */
  resumeHeartbeatAcks(): void;
  /** Sends Hello (again, or for the first time with `holdHello`). */
  sendHello(): void;
  /** Sends bytes as they are: a string as a text frame, a Buffer as a binary frame. */
  sendRaw(data: string | Buffer): void;
  /** Sends a JSON payload; with `sequenced` (needs a session) it gets a `seq` and is buffered. */
  sendPayload(payload: VoiceServerPayload): void;
  /** Sends a binary message `[seq][op][payload]` with the session's next `seq` (buffered for replay). */
  sendBinary(op: number, payload: Uint8Array): void;
  /** The answer a `hold*` option holds on this connection, if any. */
  readonly held: 'ready' | 'sessionDescription' | 'resumed' | null;
  /**
   * Sends the held Ready (option `holdReady`), with the server's modes or, as a fault, `modes` (for
   * example only modes the client does not implement). False when no Ready is held.
   */
  releaseReady(options?: { readonly modes?: readonly string[] }): boolean;
  /** Sends the held Session Description (option `holdSessionDescription`); false when none is held. */
  releaseSessionDescription(): boolean;
  /** Sends the held Resumed and the replay (option `holdResumed`); false when none is held. */
  releaseResumed(): boolean;
}

/** Events of `FakeVoiceServer`; wait for them with `server.waitFor(name, predicate)`. */
export interface FakeVoiceServerEvents {
  /** A voice WebSocket connected. */
  connection: [FakeVoiceConnection];
  /** A frame arrived from a client (any opcode, before it is handled). */
  frame: [VoiceReceivedFrame];
  /** A client sent Identify (accepted or not). */
  identify: [VoiceIdentifyAttempt];
  /** The server sent Ready. */
  ready: [VoiceReadyRecord];
  /** A client sent Resume (accepted or not). */
  resume: [VoiceResumeAttempt];
  /** A client sent Select Protocol. */
  selectProtocol: [VoiceSelectProtocolRecord];
  /** A client sent Speaking. */
  speaking: [VoiceSpeakingRecord];
  /** A client sent a heartbeat. */
  heartbeat: [VoiceHeartbeatRecord];
  /** A client sent an IP discovery request over UDP. */
  discovery: [VoiceDiscoveryRecord];
  /** An RTP packet from a client was decrypted: its audio frame. */
  audio: [FakeVoiceFrame];
  /** A client broke a protocol rule (the record says which). */
  violation: [VoiceViolation];
  /** A voice WebSocket closed. */
  close: [VoiceCloseRecord];
  /** A session ended for good (revoked, non-resumable close, TTL, shutdown). */
  sessionEnd: [
    {
      /** The ended voice session's id. */
      readonly sessionId: string;
      /** The member whose session it was. */
      readonly userId: string;
      /** When it ended, in ms since the epoch (`Date.now()`). */
      readonly at: number;
    },
  ];
  /** A message the server sent on a voice WebSocket. */
  sent: [VoiceSentFrame];
  /** A datagram reached the media socket. */
  datagram: [VoiceDatagramRecord];
  /** A WebSocket upgrade request for `?v=8` arrived. */
  upgrade: [VoiceUpgradeRecord];
  /** A `hold*` option holds something back. */
  hold: [VoiceHoldRecord];
  /** A DAVE transition started (a commit won, a sole-member reset, a downgrade or upgrade). */
  daveTransition: [DaveTransitionRecord];
  /** A DAVE message the fake refused (stale commit, commit without proposals, …). */
  daveRejected: [
    {
      /** The member whose message was refused. */
      readonly userId: string;
      /** Why the fake refused it, in words (for test failure messages). */
      readonly reason: string;
      /** When, in ms since the epoch (`Date.now()`). */
      readonly at: number;
    },
  ];
}
