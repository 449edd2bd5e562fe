import { randomBytes } from 'node:crypto';
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import type { APIVoiceState, GatewayVoiceServerUpdateDispatchData } from 'discord-api-types/v10';
import { InvalidArgumentError } from '../../errors.js';
import type {
  ChangeRegionOptions,
  FakeVoiceServer,
  MoveEndpointOptions,
  VoiceChannelKind,
  VoiceGrant,
  VoiceSignalCloseOptions,
  VoiceSignalling,
} from '../fake-voice/index.js';
import type { GatewayState } from './gateway-state.js';
import type { VoiceStateRequest } from './inbound.js';
import type { Session } from './session.js';
import type { FakeGatewayVoice, FakeGatewayVoiceState, VoiceAttachOptions } from './voice-types.js';

/** The bot's voice state in one guild: one per guild, as a Discord user has (docs/protocol/voice.md §1.2). */
interface BotVoiceState {
  readonly guildId: string;
  /** The gateway session that owns it; its end ends the voice session too (4014). */
  session: Session;
  channelId: string;
  /** `session_id` of VOICE_STATE_UPDATE: fresh per join, kept across moves within the guild. */
  readonly voiceSessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
  server: FakeVoiceServer | null;
  grant: VoiceGrant | null;
  token: string;
  endpoint: string | null;
}

const CHANNEL_KINDS: Readonly<Record<number, VoiceChannelKind>> = { 2: 'voice', 13: 'stage' };

/**
 * The gateway half of voice (docs/protocol/voice.md §1): answers op 4 with VOICE_STATE_UPDATE and
 * VOICE_SERVER_UPDATE (in `voice.dispatchOrder`), registers the Identify the voice server must accept,
 * ends voice sessions when their gateway session ends, and injects the signalling faults: endpoint moves,
 * null endpoints, region changes and forced disconnects. Without an attached server for the guild it
 * answers as before: a random token and `voiceEndpoint`.
 */
export class VoiceBridge implements FakeGatewayVoice {
  private readonly attachments: { server: FakeVoiceServer; guildIds: ReadonlySet<string> | null }[] = [];
  private readonly byGuild = new Map<string, BotVoiceState>();
  /** The same faults, asked for by a voice server about one of the grants this gateway issued. */
  private readonly signalling: VoiceSignalling = {
    moveEndpoint: (grant, options) => this.move(this.guildOf(grant), options),
    sendNullEndpoint: (grant, options) => this.sendNullEndpoint(this.guildOf(grant), options),
    changeRegion: (grant, options) => this.changeRegion(this.guildOf(grant), options),
    forceDisconnect: (grant, options) => this.disconnect(this.guildOf(grant), options),
  };

  constructor(private readonly state: GatewayState) {
    for (const server of state.options.voice.servers) this.attach(server);
  }

  get states(): FakeGatewayVoiceState[] {
    return [...this.byGuild.values()].map((voice) => ({
      guildId: voice.guildId,
      channelId: voice.channelId,
      gatewaySessionId: voice.session.id,
      voiceSessionId: voice.voiceSessionId,
      token: voice.token,
      endpoint: voice.endpoint,
      selfMute: voice.selfMute,
      selfDeaf: voice.selfDeaf,
    }));
  }

  attach(server: FakeVoiceServer, options: VoiceAttachOptions = {}): () => void {
    const entry = { server, guildIds: options.guildIds === undefined ? null : new Set(options.guildIds) };
    this.attachments.push(entry);
    return () => {
      const index = this.attachments.indexOf(entry);
      if (index !== -1) this.attachments.splice(index, 1);
    };
  }

  /** op 4 from an authenticated shard, already validated (4001 on a bad shape). */
  onVoiceStateUpdate(session: Session, request: VoiceStateRequest): void {
    const { options } = this.state;
    if (
      !options.answerVoiceStateUpdates ||
      this.state.guildOnShard(session, request.guild_id) === undefined
    ) {
      return;
    }
    const current = this.byGuild.get(request.guild_id);
    const owned = current?.session === session ? current : undefined;
    if (current !== undefined && owned === undefined) this.end(current, 4014);
    if (request.channel_id === null) {
      const flags = { selfMute: request.self_mute, selfDeaf: request.self_deaf };
      this.dispatchState(session, request.guild_id, null, owned?.voiceSessionId ?? newId(), flags);
      if (owned !== undefined) this.end(owned, 4014);
      return;
    }
    if (owned !== undefined) {
      owned.selfMute = request.self_mute;
      owned.selfDeaf = request.self_deaf;
      if (owned.grant !== null) owned.server?.updateVoiceState(owned.grant, owned);
      // Same channel with a live allocation: only the voice state changes (mute/deaf).
      if (
        owned.channelId === request.channel_id &&
        owned.endpoint !== null &&
        !this.voiceSessionEnded(owned)
      ) {
        return this.dispatchState(session, owned.guildId, owned.channelId, owned.voiceSessionId, owned);
      }
      // Same channel, but the voice session of that allocation is over (closed for good, timed out):
      // joining again is a new allocation, answered with both dispatches, as a first join is (§1.2).
      if (owned.channelId === request.channel_id) {
        this.allocate(owned, owned.server);
        return this.dispatchBoth(owned);
      }
      // A channel move: a new token even on the same server; the old session cannot be reused (§1.2).
      return this.reallocate(owned, { channelId: request.channel_id, closeCode: 4014 });
    }
    const voice: BotVoiceState = {
      guildId: request.guild_id,
      session,
      channelId: request.channel_id,
      // Discord gives a bot's voice state the session id of its gateway session (docs/protocol/voice.md §1.2).
      voiceSessionId: session.id,
      selfMute: request.self_mute,
      selfDeaf: request.self_deaf,
      server: this.serverFor(request.guild_id),
      grant: null,
      token: '',
      endpoint: null,
    };
    this.byGuild.set(voice.guildId, voice);
    this.allocate(voice, voice.server);
    this.dispatchBoth(voice);
  }

  /** A gateway session ended: "the main gateway session was dropped" → 4014 (docs/protocol/voice.md §1.2). */
  onSessionEnded(session: Session): void {
    for (const voice of [...this.byGuild.values()]) if (voice.session === session) this.end(voice, 4014);
  }

  /** A new session (a fresh Identify) holds the guilds now; voice states of older sessions end (4014). */
  onSessionStarted(session: Session): void {
    for (const voice of [...this.byGuild.values()]) {
      if (voice.session !== session && this.state.guildOnShard(session, voice.guildId) !== undefined) {
        this.end(voice, 4014);
      }
    }
  }

  move(guildId: string, options: MoveEndpointOptions = {}): void {
    this.reallocate(this.require(guildId), options);
  }

  sendNullEndpoint(guildId: string, options: VoiceSignalCloseOptions = {}): void {
    const voice = this.require(guildId);
    const { server, grant } = voice;
    this.dispatchServer(voice.session, guildId, newToken(), null);
    voice.grant = null;
    voice.endpoint = null;
    if (grant !== null) server?.revoke(grant, options.closeCode ?? null);
  }

  changeRegion(guildId: string, options: ChangeRegionOptions): void {
    const voice = this.require(guildId);
    const { server, grant } = voice;
    this.dispatchServer(voice.session, guildId, newToken(), null);
    this.allocate(voice, options.to);
    this.dispatchServer(voice.session, guildId, voice.token, voice.endpoint);
    if (grant !== null) server?.revoke(grant, options.closeCode === undefined ? 4022 : options.closeCode);
  }

  disconnect(guildId: string, options: VoiceSignalCloseOptions = {}): void {
    const voice = this.require(guildId);
    this.dispatchState(voice.session, guildId, null, voice.voiceSessionId, voice);
    this.end(voice, options.closeCode === undefined ? 4014 : options.closeCode);
  }

  // ── Internals ─────────────────────────────────────────────────────────────────────────────────

  /** A new token (and grant) on `to` (default the current server), dispatched; the old one revoked. */
  private reallocate(voice: BotVoiceState, options: MoveEndpointOptions): void {
    const from = voice.server;
    const old = voice.grant;
    const to = options.to ?? from ?? this.serverFor(voice.guildId);
    const moved = options.channelId !== undefined && options.channelId !== voice.channelId;
    if (options.channelId !== undefined) voice.channelId = options.channelId;
    this.allocate(voice, to);
    if (moved) this.dispatchBoth(voice);
    else this.dispatchServer(voice.session, voice.guildId, voice.token, voice.endpoint);
    // "Voice server changed" is 4022; a move on the same server disconnects the old session (4014).
    const code = options.closeCode === undefined ? (to !== from ? 4022 : 4014) : options.closeCode;
    if (old !== null) from?.revoke(old, code);
  }

  /** Whether a client used this allocation and its voice session is over: nothing can resume it. */
  private voiceSessionEnded(voice: BotVoiceState): boolean {
    const grant = voice.grant;
    if (grant === null || voice.server === null) return false;
    const server = voice.server;
    const live = server.sessions.some(
      (candidate) => candidate.token === grant.token && candidate.status !== 'destroyed',
    );
    const used = server.received.some(
      (frame) => frame.op === 0 && (frame.d as { token?: unknown } | null)?.token === grant.token,
    );
    return used && !live;
  }

  /** Registers the Identify on `server` (or, with none attached, a token for `voiceEndpoint`). */
  private allocate(voice: BotVoiceState, server: FakeVoiceServer | null): void {
    voice.server = server;
    if (server === null) {
      voice.grant = null;
      voice.token = newToken();
      voice.endpoint = this.state.options.voiceEndpoint;
      return;
    }
    voice.grant = server.authorize(
      {
        guildId: voice.guildId,
        channelId: voice.channelId,
        userId: this.state.botUserId,
        sessionId: voice.voiceSessionId,
        selfMute: voice.selfMute,
        selfDeaf: voice.selfDeaf,
        ...this.channelKind(voice.guildId, voice.channelId),
      },
      this.signalling,
    );
    voice.token = voice.grant.token;
    voice.endpoint = server.endpoint;
  }

  private end(voice: BotVoiceState, closeCode: number | null): void {
    if (this.byGuild.get(voice.guildId) === voice) this.byGuild.delete(voice.guildId);
    if (voice.grant !== null) voice.server?.revoke(voice.grant, closeCode);
  }

  private dispatchBoth(voice: BotVoiceState): void {
    const state = (): void =>
      this.dispatchState(voice.session, voice.guildId, voice.channelId, voice.voiceSessionId, voice);
    const server = (): void => this.dispatchServer(voice.session, voice.guildId, voice.token, voice.endpoint);
    if (this.state.options.voice.dispatchOrder === 'server-first') {
      server();
      state();
    } else {
      state();
      server();
    }
  }

  /** VOICE_STATE_UPDATE for the bot (filtered like any voice state: it needs GUILD_VOICE_STATES). */
  private dispatchState(
    session: Session,
    guildId: string,
    channelId: string | null,
    voiceSessionId: string,
    flags: { readonly selfMute: boolean; readonly selfDeaf: boolean },
  ): void {
    const data: APIVoiceState = {
      guild_id: guildId,
      channel_id: channelId,
      user_id: this.state.botUserId,
      session_id: voiceSessionId,
      deaf: false,
      mute: false,
      self_deaf: flags.selfDeaf,
      self_mute: flags.selfMute,
      self_video: false,
      suppress: false,
      request_to_speak_timestamp: null,
    };
    this.state.dispatchToSession(session, GatewayDispatchEvents.VoiceStateUpdate, data);
  }

  private dispatchServer(session: Session, guildId: string, token: string, endpoint: string | null): void {
    const data: GatewayVoiceServerUpdateDispatchData = { token, guild_id: guildId, endpoint };
    this.state.dispatchToSession(session, GatewayDispatchEvents.VoiceServerUpdate, data);
  }

  private serverFor(guildId: string): FakeVoiceServer | null {
    const entry = this.attachments.find((a) => a.guildIds === null || a.guildIds.has(guildId));
    return entry?.server ?? null;
  }

  /** `stage` for a GUILD_STAGE_VOICE channel (type 13), `voice` for GUILD_VOICE (2), else the server decides. */
  private channelKind(guildId: string, channelId: string): { channelKind?: VoiceChannelKind } {
    const channel = this.state.guilds.get(guildId)?.channels?.find((c) => c.id === channelId);
    const kind = channel?.type === undefined ? undefined : CHANNEL_KINDS[channel.type];
    return kind === undefined ? {} : { channelKind: kind };
  }

  private require(guildId: string): BotVoiceState {
    const voice = this.byGuild.get(guildId);
    if (voice === undefined)
      throw new InvalidArgumentError(`the bot is in no voice channel of guild ${guildId}`);
    return voice;
  }

  private guildOf(grant: VoiceGrant): string {
    const voice = this.byGuild.get(grant.guildId);
    if (voice?.grant?.token !== grant.token) {
      throw new InvalidArgumentError(`voice grant ${grant.token} is no longer the guild's current one`);
    }
    return grant.guildId;
  }
}

/** 32 hex characters, like real session ids. */
function newId(): string {
  return randomBytes(16).toString('hex');
}

/** 16 hex characters, like real voice tokens. */
function newToken(): string {
  return randomBytes(8).toString('hex');
}
