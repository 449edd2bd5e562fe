import type {
  ChangeRegionOptions,
  FakeVoiceServer,
  MoveEndpointOptions,
  VoiceSignalCloseOptions,
} from '../fake-voice/index.js';

/** Order of the two dispatches that answer an op 4 join; clients must handle both (docs/protocol/voice.md §1.2). */
export type VoiceDispatchOrder = 'state-first' | 'server-first';

/** Options of `gateway.attachVoice`. */
export interface VoiceAttachOptions {
  /** Only joins in these guilds go to this server. Default every guild. */
  readonly guildIds?: readonly string[];
}

/** The bot's voice state in one guild, as the fake gateway holds it. */
export interface FakeGatewayVoiceState {
  /** The guild the bot is in voice in. */
  readonly guildId: string;
  /** The voice channel the bot is in. */
  readonly channelId: string;
  /** The gateway session that owns it (its end closes the voice session with 4014). */
  readonly gatewaySessionId: string;
  /** `session_id` of VOICE_STATE_UPDATE. */
  readonly voiceSessionId: string;
  /** `token` of the last VOICE_SERVER_UPDATE. */
  readonly token: string;
  /** `endpoint` of the last VOICE_SERVER_UPDATE (null after a null endpoint). */
  readonly endpoint: string | null;
  /** `self_mute` of the bot's last op 4. */
  readonly selfMute: boolean;
  /** `self_deaf` of the bot's last op 4. */
  readonly selfDeaf: boolean;
}

/**
 * The voice side of a fake gateway (`gateway.voice`): which voice servers answer op 4, the bot's voice
 * states, and the faults that are gateway dispatches (docs/protocol/voice.md §1.2). Each fault goes to the
 * session of the shard that owns the guild; disconnected sessions get it on Resume.
 */
export interface FakeGatewayVoice {
  /** The bot's voice states, one per guild where it is in a channel. */
  readonly states: readonly FakeGatewayVoiceState[];
  /** Sends op 4 joins (of `guildIds`, default all) to `server`; returns the detach function. First match wins. */
  attach(server: FakeVoiceServer, options?: VoiceAttachOptions): () => void;
  /**
   * A new VOICE_SERVER_UPDATE (new token) pointing at `to` or the same server, plus a VOICE_STATE_UPDATE
   * when `channelId` moves the bot; the old voice socket is closed (4022 across servers, else 4014).
   */
  move(guildId: string, options?: MoveEndpointOptions): void;
  /** VOICE_SERVER_UPDATE `endpoint: null` (reallocation): the grant is revoked; the socket stays open unless `closeCode`. */
  sendNullEndpoint(guildId: string, options?: VoiceSignalCloseOptions): void;
  /** A null endpoint, then VOICE_SERVER_UPDATE for `to`; the old socket is closed (default 4022). */
  changeRegion(guildId: string, options: ChangeRegionOptions): void;
  /** A forced disconnect: VOICE_STATE_UPDATE `channel_id: null`, and the voice socket closed (default 4014). */
  disconnect(guildId: string, options?: VoiceSignalCloseOptions): void;
}
