import type { VoiceDaveSession } from './dave/dave-session.js';
import type { VoiceDaveHooks } from './voice-dave-hooks.js';
import type { VoiceMedia } from './voice-media.js';

/** What the voice WebSocket learnt in op 2 READY (docs/protocol/voice.md §2.2). */
export interface VoiceReadyInfo {
  readonly ssrc: number;
  readonly ip: string;
  readonly port: number;
  readonly modes: readonly string[];
}

/**
 * The media side of one voice session, shared by its WebSocket and UDP actors and the audio player:
 * what the handshake told (SSRC, server address, mode, key) and the UDP socket. It lives outside the
 * machine: the key is a secret, and media is the hot path. @internal
 */
export interface VoiceMediaSession {
  /** op 2 READY: remembers the SSRC and address; returns whether a supported mode is offered. */
  ready(info: VoiceReadyInfo): boolean;
  /** The encryption mode chosen at READY (sent in SELECT_PROTOCOL). */
  readonly mode: string | null;
  /** op 4 SESSION_DESCRIPTION: the secret key for the chosen mode. */
  describe(mode: string, secretKey: Uint8Array): void;
  /** SSRC of our audio; 0 before READY. */
  readonly ssrc: number;
  /** op 5 from the server: another user's SSRC. */
  mapSsrc(ssrc: number, userId: string): void;
  /** op 13: a user left the call. */
  forgetUser(userId: string): void;
}

/** What a voice connection's actors report that is not a lifecycle event. */
export type VoiceObservation =
  | { readonly type: 'heartbeat.acked'; readonly latencyMs: number }
  | { readonly type: 'warning'; readonly error: Error; readonly context: string }
  | { readonly type: 'clients.connected'; readonly userIds: readonly string[] }
  | { readonly type: 'clients.disconnected'; readonly userId: string };

/** Everything one voice connection's actors need. One object per connection. @internal */
export interface VoiceConnectionDeps {
  readonly guildId: string;
  /** The bot's user id (from the shard's READY). */
  readonly userId: () => string;
  /** The voice token of the last VOICE_SERVER_UPDATE. A secret: never in the machine or an event. */
  readonly token: () => string;
  /** The URL for an endpoint (`host:port`, as VOICE_SERVER_UPDATE gives it), with `?v=8`. */
  readonly url: (endpoint: string) => string;
  readonly media: VoiceMedia;
  /** The last `seq` the server sent in this voice session (-1 before any): sent back as `seq_ack`. */
  readonly sequence: { value: number };
  /** `max_dave_protocol_version` offered in IDENTIFY. */
  readonly maxDaveProtocolVersion: number;
  /** Binary (DAVE) frames and DAVE ops go here; none without DAVE. */
  readonly dave: VoiceDaveHooks | null;
  /** The connection's davey session and frame transform (the `mls` actor acts on it). */
  readonly daveSession: VoiceDaveSession | null;
  readonly observe: (observation: VoiceObservation) => void;
  readonly now: () => number;
}
