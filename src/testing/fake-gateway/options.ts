import type { APIUser, GatewayGuildCreateDispatchData, Snowflake } from 'discord-api-types/v10';
import { InvalidArgumentError } from '../../errors.js';
import type { FakeVoiceServer } from '../fake-voice/index.js';
import { DEFINED_INTENTS_MASK } from './intents.js';
import type { LoosePayload } from './types.js';
import type { VoiceDispatchOrder } from './voice-types.js';

/** Voice options of {@link FakeGatewayOptions}: where op 4 joins go (docs/protocol/voice.md §1.2). */
export interface FakeGatewayVoiceOptions {
  /** Voice servers that answer op 4 joins, as if attached with `gateway.attachVoice` (every guild). Default none. */
  servers?: FakeVoiceServer | readonly FakeVoiceServer[];
  /** Which of VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE goes first. Default `'state-first'`. */
  dispatchOrder?: VoiceDispatchOrder;
}

/**
 * A guild the fake gateway knows about. Only `id` is required; every other field of a GUILD_CREATE
 * payload may be given (deep-partial, see {@link LoosePayload}) and is sent as given, after the
 * intent rules of the real gateway. `members` and `presences` also feed Request Guild Members answers.
 */
export type FakeGuild = LoosePayload<GatewayGuildCreateDispatchData> & {
  /** The guild's id (a snowflake; required, unique per gateway). */
  id: Snowflake;
};

/** A member of a {@link FakeGuild} (deep-partial `APIGuildMember`). */
export type FakeGuildMember = NonNullable<FakeGuild['members']>[number];

/** A presence of a {@link FakeGuild} (deep-partial GUILD_CREATE presence). */
export type FakeGuildPresence = NonNullable<FakeGuild['presences']>[number];

/** `session_start_limit` of `GET /gateway/bot`, in the units Discord uses (milliseconds for `resetAfter`). */
export interface SessionStartLimitOptions {
  /** Session starts allowed per window (`total`). Default 1000. */
  total?: number;
  /** Session starts left in the current window. Default `total`. */
  remaining?: number;
  /** Milliseconds until `remaining` refills to `total`; also the length of every later window. */
  resetAfter?: number;
}

/**
 * What happens to an Identify when `session_start_limit.remaining` is 0.
 * - `'invalid-session'`: answer op 9 `d:false` and keep the socket open (the fake's default: it keeps tests alive).
 * - `'terminate'`: what Discord documents: every live session is terminated (closed with 4004) and the token is
 *   "reset", so every later Identify/REST call with it fails with 4004/401.
 */
export type SessionStartLimitAction = 'invalid-session' | 'terminate';

/** Options of {@link FakeGateway.start}. All optional; defaults are Discord's real values unless noted. */
export interface FakeGatewayOptions {
  /** TCP port on 127.0.0.1. Default 0 (an ephemeral port). */
  port?: number;
  /** The bot token the gateway and REST accept. Default {@link DEFAULT_FAKE_TOKEN}. */
  token?: string;
  /** Recommended shard count returned by `GET /gateway/bot`. Default 1. */
  shardCount?: number;
  /** `max_concurrency`: identify buckets are `shard_id % maxConcurrency`. Default 1. */
  maxConcurrency?: number;
  /** How long an identify bucket stays used after an accepted Identify. Default 5000. */
  identifyIntervalMs?: number;
  /** `heartbeat_interval` sent in Hello. Default 41250 (what real Hello frames carry). */
  heartbeatIntervalMs?: number;
  /**
   * How late past the interval a client may heartbeat before it is disconnected.
   * Default: half the interval, at most 5000 ms (5000 for the real 41250 ms interval).
   */
  heartbeatGraceMs?: number;
  /** Close code used when a client misses its heartbeat window. Default 4000 (resumable, as the docs promise). */
  heartbeatTimeoutCloseCode?: number;
  /** Default total 1000, remaining 1000, resetAfter 86_400_000. */
  sessionStartLimit?: SessionStartLimitOptions;
  /** Default `'invalid-session'`. */
  sessionStartLimitAction?: SessionStartLimitAction;
  /** How long a disconnected session stays resumable. Default 180_000 ("a few minutes"). */
  sessionTtlMs?: number;
  /** Dispatches kept per session for replay on Resume. Default 5000. */
  replayBufferSize?: number;
  /** Guilds, routed to shards by `(guild_id >> 22) % shard_count`. Default none. */
  guilds?: FakeGuild[];
  /** Privileged intent bits the application may use (GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT). Default 0. */
  privilegedIntents?: number;
  /** Large-bot sharding factor: the shard count must be a multiple of it (else 4010). Default none. */
  largeBotShardFactor?: number;
  /** Most guilds one shard may hold before Identify is closed with 4011. Default 2500. */
  maxGuildsPerShard?: number;
  /** The bot user in READY. Default a fake bot user. */
  user?: APIUser;
  /** `application.id` in READY. Default the bot user's id. */
  applicationId?: Snowflake;
  /** `application.flags` in READY. Default 0. */
  applicationFlags?: number;
  /** Inbound command limit per connection (heartbeats count). Default 120 per 60_000 ms. */
  commandRateLimit?: {
    /** Commands allowed per window; one more closes with 4008. Default 120. */
    limit?: number;
    /** Length of the window in ms. Default 60_000. */
    windowMs?: number;
  };
  /** Largest inbound payload in bytes; bigger ones close with 4002. Default 4096. */
  maxPayloadBytes?: number;
  /** Window of the full-member-list limit of op 8 (one per guild). Default 30_000. */
  memberRequestWindowMs?: number;
  /** Answer op 4 with VOICE_STATE_UPDATE (and VOICE_SERVER_UPDATE on join). Default true. */
  answerVoiceStateUpdates?: boolean;
  /**
   * `endpoint` of VOICE_SERVER_UPDATE for guilds no attached voice server serves.
   * Default `'voice.statecord.invalid:443'` (never resolves).
   */
  voiceEndpoint?: string | null;
  /** Fake voice servers and the order of the two voice dispatches. */
  voice?: FakeGatewayVoiceOptions;
  /** How many of the next connections get op 7 Reconnect before Hello. Default 0. */
  sendReconnectBeforeHello?: number;
  /** Split every zlib-stream payload over this many WebSocket frames (true = 2). Default 1 (no split). */
  splitZlibFrames?: number | boolean;
  /** After `connection.sendReconnect()`, close the socket (4000) if the client has not after this long. Default 5000. */
  reconnectCloseAfterMs?: number;
  /** Do not send Hello on connect; each connection waits for `connection.sendHello()`. Default false. */
  holdHello?: boolean;
  /**
   * Hold the answer to an accepted Identify (READY + GUILD_CREATEs) or Resume (replay + RESUMED) until
   * `connection.releaseHandshake()`. Checks and close codes still happen at once. Default false.
   */
  holdHandshake?: boolean;
  /** Record every client frame in `gateway.received`. Default true (turn off for benchmarks). */
  recordFrames?: boolean;
}

/** The options after defaults were applied, as `gateway.options` returns them. */
export interface ResolvedFakeGatewayOptions {
  /** {@link FakeGatewayOptions.port} after defaults. */
  readonly port: number;
  /** {@link FakeGatewayOptions.token} after defaults. */
  readonly token: string;
  /** {@link FakeGatewayOptions.shardCount} after defaults. */
  readonly shardCount: number;
  /** {@link FakeGatewayOptions.maxConcurrency} after defaults. */
  readonly maxConcurrency: number;
  /** {@link FakeGatewayOptions.identifyIntervalMs} after defaults. */
  readonly identifyIntervalMs: number;
  /** {@link FakeGatewayOptions.heartbeatIntervalMs} after defaults. */
  readonly heartbeatIntervalMs: number;
  /** {@link FakeGatewayOptions.heartbeatGraceMs} after defaults. */
  readonly heartbeatGraceMs: number;
  /** {@link FakeGatewayOptions.heartbeatTimeoutCloseCode} after defaults. */
  readonly heartbeatTimeoutCloseCode: number;
  /** {@link FakeGatewayOptions.sessionStartLimit} after defaults. */
  readonly sessionStartLimit: Readonly<Required<SessionStartLimitOptions>>;
  /** {@link FakeGatewayOptions.sessionStartLimitAction} after defaults. */
  readonly sessionStartLimitAction: SessionStartLimitAction;
  /** {@link FakeGatewayOptions.sessionTtlMs} after defaults. */
  readonly sessionTtlMs: number;
  /** {@link FakeGatewayOptions.replayBufferSize} after defaults. */
  readonly replayBufferSize: number;
  /** {@link FakeGatewayOptions.guilds} after defaults. */
  readonly guilds: readonly FakeGuild[];
  /** {@link FakeGatewayOptions.privilegedIntents} after defaults. */
  readonly privilegedIntents: number;
  /** {@link FakeGatewayOptions.largeBotShardFactor} after defaults (null: none). */
  readonly largeBotShardFactor: number | null;
  /** {@link FakeGatewayOptions.maxGuildsPerShard} after defaults. */
  readonly maxGuildsPerShard: number;
  /** {@link FakeGatewayOptions.user} after defaults. */
  readonly user: APIUser;
  /** {@link FakeGatewayOptions.applicationId} after defaults. */
  readonly applicationId: Snowflake;
  /** {@link FakeGatewayOptions.applicationFlags} after defaults. */
  readonly applicationFlags: number;
  /** {@link FakeGatewayOptions.commandRateLimit} after defaults. */
  readonly commandRateLimit: Readonly<{
    /** Commands allowed per window. */
    limit: number;
    /** Length of the window in ms. */
    windowMs: number;
  }>;
  /** {@link FakeGatewayOptions.maxPayloadBytes} after defaults. */
  readonly maxPayloadBytes: number;
  /** {@link FakeGatewayOptions.memberRequestWindowMs} after defaults. */
  readonly memberRequestWindowMs: number;
  /** {@link FakeGatewayOptions.answerVoiceStateUpdates} after defaults. */
  readonly answerVoiceStateUpdates: boolean;
  /** {@link FakeGatewayOptions.voiceEndpoint} after defaults (null: VOICE_SERVER_UPDATE carries `endpoint: null`). */
  readonly voiceEndpoint: string | null;
  /** {@link FakeGatewayOptions.voice} after defaults. */
  readonly voice: {
    /** Voice servers that answer op 4 joins (empty: none). */
    readonly servers: readonly FakeVoiceServer[];
    /** Which of VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE goes first. */
    readonly dispatchOrder: VoiceDispatchOrder;
  };
  /** {@link FakeGatewayOptions.sendReconnectBeforeHello} after defaults. */
  readonly sendReconnectBeforeHello: number;
  /** {@link FakeGatewayOptions.splitZlibFrames} after defaults (frames per payload; 1 = no split). */
  readonly splitZlibFrames: number;
  /** {@link FakeGatewayOptions.reconnectCloseAfterMs} after defaults. */
  readonly reconnectCloseAfterMs: number;
  /** {@link FakeGatewayOptions.recordFrames} after defaults. */
  readonly recordFrames: boolean;
  /** {@link FakeGatewayOptions.holdHello} after defaults. */
  readonly holdHello: boolean;
  /** {@link FakeGatewayOptions.holdHandshake} after defaults. */
  readonly holdHandshake: boolean;
}

/** The token the fake gateway accepts unless told otherwise. */
export const DEFAULT_FAKE_TOKEN = 'statecord-fake-gateway-token';

/** The bot user in READY unless told otherwise. */
export const DEFAULT_FAKE_USER: APIUser = {
  id: '1190000000000000001',
  username: 'fake-bot',
  discriminator: '0',
  global_name: null,
  avatar: null,
  bot: true,
};

const SNOWFLAKE = /^\d{1,20}$/;

function integer(name: string, value: number | undefined, fallback: number, min: number, max = 2 ** 31 - 1) {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      `FakeGateway option "${name}" must be an integer in [${min}, ${max}], got ${value}`,
    );
  }
  return value;
}

function resolveGuilds(guilds: FakeGuild[] | undefined): FakeGuild[] {
  const seen = new Set<string>();
  for (const guild of guilds ?? []) {
    if (typeof guild.id !== 'string' || !SNOWFLAKE.test(guild.id)) {
      throw new InvalidArgumentError(
        `FakeGateway guild id must be a snowflake string, got ${String(guild.id)}`,
      );
    }
    if (seen.has(guild.id)) throw new InvalidArgumentError(`FakeGateway guild ${guild.id} is listed twice`);
    seen.add(guild.id);
  }
  return [...(guilds ?? [])];
}

function resolveVoice(voice: FakeGatewayVoiceOptions = {}): ResolvedFakeGatewayOptions['voice'] {
  const order = voice.dispatchOrder ?? 'state-first';
  if (order !== 'state-first' && order !== 'server-first') {
    throw new InvalidArgumentError(
      'FakeGateway option "voice.dispatchOrder" must be state-first or server-first',
      {
        option: 'voice.dispatchOrder',
      },
    );
  }
  const servers =
    voice.servers === undefined ? [] : Array.isArray(voice.servers) ? voice.servers : [voice.servers];
  return { servers: [...(servers as readonly FakeVoiceServer[])], dispatchOrder: order };
}

/** Applies defaults and rejects impossible values with {@link InvalidArgumentError}. */
export function resolveOptions(options: FakeGatewayOptions = {}): ResolvedFakeGatewayOptions {
  const heartbeatIntervalMs = integer('heartbeatIntervalMs', options.heartbeatIntervalMs, 41_250, 1);
  const limit = options.sessionStartLimit ?? {};
  const total = integer('sessionStartLimit.total', limit.total, 1000, 0);
  const privilegedIntents = integer('privilegedIntents', options.privilegedIntents, 0, 0);
  if ((privilegedIntents & ~DEFINED_INTENTS_MASK) !== 0) {
    throw new InvalidArgumentError(
      `FakeGateway option "privilegedIntents" has undefined bits: ${privilegedIntents}`,
    );
  }
  const user = options.user ?? DEFAULT_FAKE_USER;
  const split = options.splitZlibFrames;
  const token = options.token ?? DEFAULT_FAKE_TOKEN;
  if (token.length === 0) throw new InvalidArgumentError('FakeGateway option "token" must not be empty');
  return {
    port: integer('port', options.port, 0, 0, 65_535),
    token,
    shardCount: integer('shardCount', options.shardCount, 1, 1),
    maxConcurrency: integer('maxConcurrency', options.maxConcurrency, 1, 1),
    identifyIntervalMs: integer('identifyIntervalMs', options.identifyIntervalMs, 5000, 0),
    heartbeatIntervalMs,
    heartbeatGraceMs: integer(
      'heartbeatGraceMs',
      options.heartbeatGraceMs,
      Math.min(5000, Math.ceil(heartbeatIntervalMs / 2)),
      0,
    ),
    heartbeatTimeoutCloseCode: integer(
      'heartbeatTimeoutCloseCode',
      options.heartbeatTimeoutCloseCode,
      4000,
      1000,
      4999,
    ),
    sessionStartLimit: {
      total,
      remaining: integer('sessionStartLimit.remaining', limit.remaining, total, 0, total),
      resetAfter: integer('sessionStartLimit.resetAfter', limit.resetAfter, 86_400_000, 1),
    },
    sessionStartLimitAction: options.sessionStartLimitAction ?? 'invalid-session',
    sessionTtlMs: integer('sessionTtlMs', options.sessionTtlMs, 180_000, 0),
    replayBufferSize: integer('replayBufferSize', options.replayBufferSize, 5000, 0),
    guilds: resolveGuilds(options.guilds),
    privilegedIntents,
    largeBotShardFactor:
      options.largeBotShardFactor === undefined
        ? null
        : integer('largeBotShardFactor', options.largeBotShardFactor, 1, 1),
    maxGuildsPerShard: integer('maxGuildsPerShard', options.maxGuildsPerShard, 2500, 1),
    user,
    applicationId: options.applicationId ?? user.id,
    applicationFlags: integer('applicationFlags', options.applicationFlags, 0, 0),
    commandRateLimit: {
      limit: integer('commandRateLimit.limit', options.commandRateLimit?.limit, 120, 1),
      windowMs: integer('commandRateLimit.windowMs', options.commandRateLimit?.windowMs, 60_000, 1),
    },
    maxPayloadBytes: integer('maxPayloadBytes', options.maxPayloadBytes, 4096, 1),
    memberRequestWindowMs: integer('memberRequestWindowMs', options.memberRequestWindowMs, 30_000, 0),
    answerVoiceStateUpdates: options.answerVoiceStateUpdates ?? true,
    voiceEndpoint:
      options.voiceEndpoint === undefined ? 'voice.statecord.invalid:443' : options.voiceEndpoint,
    voice: resolveVoice(options.voice),
    sendReconnectBeforeHello: integer('sendReconnectBeforeHello', options.sendReconnectBeforeHello, 0, 0),
    splitZlibFrames: split === true ? 2 : split === false ? 1 : integer('splitZlibFrames', split, 1, 1, 64),
    reconnectCloseAfterMs: integer('reconnectCloseAfterMs', options.reconnectCloseAfterMs, 5000, 0),
    recordFrames: options.recordFrames ?? true,
    holdHello: options.holdHello ?? false,
    holdHandshake: options.holdHandshake ?? false,
  };
}
