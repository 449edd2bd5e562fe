import type { ShardFailureReason } from '../machines/index.js';
import type { MediaErrorCode } from './voice/media/errors.js';
import type { ReshardErrorCode } from './manager/reshard/reshard-errors.js';
import type { StreamErrorCode } from './redis/stream/stream-errors.js';

export type { ShardFailureReason };

/**
 * Every error statecord throws or reports is a {@link StatecordError} with a stable `code`.
 * Codes never change meaning; messages may. No message ever contains the bot token.
 *
 * | code | class | when |
 * | --- | --- | --- |
 * | `STATECORD_ERR_INVALID_ARGUMENT` | {@link InvalidArgumentError} | a user-supplied option or argument is invalid |
 * | `STATECORD_ERR_LISTENER` | {@link ListenerError} | a user's event listener threw or its promise rejected (reported as a warning) |
 * | `STATECORD_ERR_MISSING_INTENT` | {@link MissingIntentError} | a request needs an intent the shard did not identify with |
 * | `STATECORD_ERR_NO_SHARDS` | {@link NoShardsError} | `startShards()` before any shard was created |
 * | `STATECORD_ERR_TOO_MANY_SHARDS` | {@link TooManyShardsError} | more shards asked of one manager than its `maxShards` |
 * | `STATECORD_ERR_UNKNOWN_GUILD` | {@link UnknownGuildError} | a voice join for a guild that is not on that shard (or not in this process) |
 * | `STATECORD_ERR_VOICE_ALREADY_JOINED` | {@link VoiceAlreadyJoinedError} | a second voice join for a guild that has a connection (move it instead) |
 * | `STATECORD_ERR_VOICE_LEFT` | {@link VoiceLeftError} | `leave()` was called before the connection was ready |
 * | `STATECORD_ERR_VOICE_DISCONNECTED` | {@link VoiceDisconnectedError} | a voice connection was disconnected before it was ready (see `reason`) |
 * | `STATECORD_ERR_OGG`, `STATECORD_ERR_OPUS_ENCODER_MISSING`, `STATECORD_ERR_AUDIO_SOURCE`, `STATECORD_ERR_AUDIO_SINK` | `OggDemuxError`, `MissingOpusEncoderError`, `AudioSourceError`, `AudioSinkError` | audio playback (their table is in `src/voice/media/errors.ts`) |
 * | `STATECORD_ERR_VOICE_TIMEOUT` | {@link VoiceTimeoutError} | a voice step got no answer in time (reported as a warning; the connection retries) |
 * | `STATECORD_ERR_VOICE_FRAME` | {@link VoiceFrameError} | a voice gateway frame could not be read (reported as a warning; the frame is ignored) |
 * | `STATECORD_ERR_VOICE_E2EE` | {@link VoiceE2EEError} | a DAVE step failed: refused proposal, invalid commit/welcome, a frame that did not encrypt (reported as a warning; the connection recovers) |
 * | `STATECORD_ERR_SESSION_SHARD_COUNT` | {@link SessionShardCountError} | a saved session was identified with another shard count (reported as a warning; the shard identifies) |
 * | `STATECORD_ERR_GATEWAY_CONNECTION` | {@link GatewayConnectionError} | a gateway connection could not be opened or failed (reported as a warning; the shard retries) |
 * | `STATECORD_ERR_GATEWAY_TIMEOUT` | {@link GatewayTimeoutError} | the gateway did not answer in time: no HELLO, READY or RESUMED (reported as a warning; the shard retries) |
 * | `STATECORD_ERR_PAYLOAD_TOO_LARGE` | {@link PayloadTooLargeError} | an outbound payload exceeds 4096 bytes (Discord closes with 4002) |
 * | `STATECORD_ERR_DECODE` | {@link GatewayDecodeError} | an inbound frame could not be decompressed or parsed |
 * | `STATECORD_ERR_UNSUPPORTED_COMPRESSION` | {@link UnsupportedCompressionError} | a transport compression this runtime lacks (zstd on Node 20) |
 * | `STATECORD_ERR_SHARD_STOPPED` | {@link ShardStoppedError} | the shard was stopped while an operation waited |
 * | `STATECORD_ERR_SHARDS_RUNNING` | {@link ShardsRunningError} | shards were created while the manager's shards run |
 * | `STATECORD_ERR_REQUEST_TIMEOUT` | {@link RequestTimeoutError} | a request (e.g. guild member chunks) got no answer in time |
 * | `STATECORD_ERR_CONNECTION_CLOSED` | {@link ConnectionClosedError} | a heartbeat, Identify or Resume was not sent because its connection closed |
 * | `STATECORD_ERR_RATE_LIMITED` | {@link GatewayRateLimitedError} | the gateway answered a request with a RATE_LIMITED dispatch |
 * | `STATECORD_ERR_AUTHENTICATION_FAILED` | {@link AuthenticationFailedError} | close 4004: the token was rejected |
 * | `STATECORD_ERR_INVALID_SHARD` | {@link InvalidShardError} | close 4010 |
 * | `STATECORD_ERR_SHARDING_REQUIRED` | {@link ShardingRequiredError} | close 4011 |
 * | `STATECORD_ERR_INVALID_API_VERSION` | {@link InvalidApiVersionError} | close 4012 |
 * | `STATECORD_ERR_INVALID_INTENTS` | {@link InvalidIntentsError} | close 4013 |
 * | `STATECORD_ERR_DISALLOWED_INTENTS` | {@link DisallowedIntentsError} | close 4014 |
 * | `STATECORD_ERR_HTTP` | {@link HttpError} | a REST call got a 4xx this library has no better class for |
 * | `STATECORD_ERR_HTTP_UNAUTHORIZED` | {@link HttpUnauthorizedError} | a REST call got 401/403: the token is wrong |
 * | `STATECORD_ERR_HTTP_RATE_LIMITED` | {@link HttpRateLimitedError} | a REST call was still rate-limited (429) after its retries |
 * | `STATECORD_ERR_HTTP_SERVER_ERROR` | {@link HttpServerError} | a REST call got 5xx after its retries |
 * | `STATECORD_ERR_HTTP_NETWORK` | {@link HttpNetworkError} | a REST call failed below HTTP (refused, reset, DNS, timeout) after its retries |
 * | `STATECORD_ERR_HTTP_MALFORMED_RESPONSE` | {@link HttpMalformedResponseError} | a REST answer was not the JSON shape Discord documents |
 * | `STATECORD_ERR_HTTP_ABORTED` | {@link HttpAbortedError} | the caller's `signal` aborted a REST call |
 * | `STATECORD_ERR_HTTP_TIMEOUT` | {@link HttpTimeoutError} | a REST call passed its deadline: each attempt's (`deadlineMs`, after its retries) or the whole call's (`totalDeadlineMs`) |
 * | `STATECORD_ERR_HTTP_RESPONSE_TOO_LARGE` | {@link HttpResponseTooLargeError} | a REST answer's body was (or was announced) larger than `maxBodyBytes` |
 * | `STATECORD_ERR_SESSION_STORE_CORRUPT` | {@link SessionStoreCorruptError} | a session file is not JSON, not a statecord session file, or holds a malformed entry; or a `RedisSessionStore` entry is malformed (left untouched) |
 * | `STATECORD_ERR_REDIS_UNAVAILABLE` | {@link RedisUnavailableError} | Redis (of `statecord/redis`) failed or did not answer in time (reported as a warning; the gate holds identifies and retries; `ShardCluster.start()` rejects with it) |
 * | `STATECORD_ERR_CLUSTER_STATE` | {@link ClusterStateError} | `ShardCluster.start()` while the cluster starts, runs or stops; or (a `warning`) its lease loop stopped on an internal error and its shards were stopped |
 * | `STATECORD_ERR_MISSING_PEER_DEPENDENCY` | {@link MissingPeerDependencyError} | a feature needs an optional peer that is not installed (`FakeVoiceServer`: `ts-mls`, `@noble/curves`) |
 * | `STATECORD_ERR_RESHARD_BUDGET`, `STATECORD_ERR_RESHARD_STATE`, `STATECORD_ERR_RESHARD_FAILED` | `ReshardBudgetError`, `ReshardStateError`, `ReshardFailedError` | resharding (their table is in `src/manager/reshard/reshard-errors.ts`) |
 * | `STATECORD_ERR_SINK_OVERFLOW`, `STATECORD_ERR_STREAM_ENTRY` | `SinkOverflowError`, `StreamEntryError` | the event sink to Redis Streams (their table is in `src/redis/stream/stream-errors.ts`) |
 * | `STATECORD_ERR_WORKER_CRASH_LOOP` | {@link WorkerCrashLoopError} | a worker thread (`workers` option) crashed too often in a row; its shards were stopped (`workerFailure`) |
 */
export type StatecordErrorCode =
  | 'STATECORD_ERR_INVALID_ARGUMENT'
  | 'STATECORD_ERR_LISTENER'
  | 'STATECORD_ERR_MISSING_INTENT'
  | 'STATECORD_ERR_NO_SHARDS'
  | 'STATECORD_ERR_TOO_MANY_SHARDS'
  | 'STATECORD_ERR_SESSION_SHARD_COUNT'
  | 'STATECORD_ERR_VOICE_FRAME'
  | 'STATECORD_ERR_VOICE_E2EE'
  | 'STATECORD_ERR_UNKNOWN_GUILD'
  | 'STATECORD_ERR_VOICE_ALREADY_JOINED'
  | 'STATECORD_ERR_VOICE_LEFT'
  | 'STATECORD_ERR_VOICE_DISCONNECTED'
  | 'STATECORD_ERR_VOICE_TIMEOUT'
  | 'STATECORD_ERR_GATEWAY_CONNECTION'
  | 'STATECORD_ERR_GATEWAY_TIMEOUT'
  | 'STATECORD_ERR_PAYLOAD_TOO_LARGE'
  | 'STATECORD_ERR_DECODE'
  | 'STATECORD_ERR_UNSUPPORTED_COMPRESSION'
  | 'STATECORD_ERR_MISSING_PEER_DEPENDENCY'
  | 'STATECORD_ERR_SHARD_STOPPED'
  | 'STATECORD_ERR_REQUEST_TIMEOUT'
  | 'STATECORD_ERR_SHARDS_RUNNING'
  | 'STATECORD_ERR_CONNECTION_CLOSED'
  | 'STATECORD_ERR_RATE_LIMITED'
  | 'STATECORD_ERR_SESSION_STORE_CORRUPT'
  | 'STATECORD_ERR_REDIS_UNAVAILABLE'
  | 'STATECORD_ERR_CLUSTER_STATE'
  | 'STATECORD_ERR_WORKER_CRASH_LOOP'
  | HttpErrorCode
  | MediaErrorCode
  | ReshardErrorCode
  | StreamErrorCode
  | ShardFailureErrorCode;

/** Codes of the errors that end a shard in `failed`. */
export type ShardFailureErrorCode =
  | 'STATECORD_ERR_AUTHENTICATION_FAILED'
  | 'STATECORD_ERR_INVALID_SHARD'
  | 'STATECORD_ERR_SHARDING_REQUIRED'
  | 'STATECORD_ERR_INVALID_API_VERSION'
  | 'STATECORD_ERR_INVALID_INTENTS'
  | 'STATECORD_ERR_DISALLOWED_INTENTS';

/** Base class of every statecord error. Match on `code`, not on the message. */
export class StatecordError extends Error {
  /** The stable code of this error (the table above); match on it, not on the message. */
  readonly code: StatecordErrorCode;

  constructor(code: StatecordErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A user-supplied option or argument is invalid; `option` names it when it is an option. */
export class InvalidArgumentError extends StatecordError {
  /** The option at fault (e.g. `timing.backoffBaseMs`), or null for a plain argument. */
  readonly option: string | null;

  constructor(message: string, options: { option?: string } = {}) {
    super('STATECORD_ERR_INVALID_ARGUMENT', message);
    this.option = options.option ?? null;
  }
}

/**
 * A listener of one of statecord's events threw, or the promise it returned rejected. `cause` is what
 * it threw. The other listeners of the event still ran; the fault is reported as a `warning`.
 */
export class ListenerError extends StatecordError {
  /** The event whose listener failed. */
  readonly event: string;

  constructor(event: string, cause: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super('STATECORD_ERR_LISTENER', `a listener for "${event}" failed${detail}`, { cause });
    this.event = event;
  }
}

/** A request needs a gateway intent the shard did not identify with, so Discord would never answer it. */
export class MissingIntentError extends StatecordError {
  /** The intent's name, as in `GatewayIntentBits` (e.g. `GuildMembers`). */
  readonly intent: string;

  constructor(intent: string, what: string) {
    super(
      'STATECORD_ERR_MISSING_INTENT',
      `${what} needs the ${intent} intent, which this shard did not identify with`,
    );
    this.intent = intent;
  }
}

/** `startShards()` was called before any shard was created (`createShards`, `createSingleShard`, …). */
export class NoShardsError extends StatecordError {
  constructor() {
    super(
      'STATECORD_ERR_NO_SHARDS',
      'there are no shards to start; create them first (createSingleShard, createShards or createMinimumRequiredShards)',
    );
  }
}

/**
 * A manager was asked for more shards than its `maxShards` (e.g. `GET /gateway/bot` recommends more):
 * one process cannot run them all. Spread them over processes with `createShards(ids, total)`, or
 * raise `maxShards`.
 */
export class TooManyShardsError extends StatecordError {
  /** How many shards were asked for. */
  readonly requested: number;
  /** The manager's `maxShards`. */
  readonly maxShards: number;

  constructor(requested: number, maxShards: number) {
    super(
      'STATECORD_ERR_TOO_MANY_SHARDS',
      `${requested} shards were asked of one manager, whose maxShards is ${maxShards}; ` +
        'spread them over processes with createShards(ids, total), or raise maxShards',
    );
    this.requested = requested;
    this.maxShards = maxShards;
  }
}

/**
 * A voice join named a guild this shard does not hold: guilds go to shard `(guild_id >> 22) % shard_count`
 * (docs/protocol/gateway.md §6), or, for a manager, to a shard this process does not run.
 */
export class UnknownGuildError extends StatecordError {
  /** The guild of the join. */
  readonly guildId: string;

  constructor(guildId: string, message: string) {
    super('STATECORD_ERR_UNKNOWN_GUILD', message);
    this.guildId = guildId;
  }
}

/** A voice join for a guild that already has a connection: one per guild (move it with `connection.move()`). */
export class VoiceAlreadyJoinedError extends StatecordError {
  /** The guild that already has a voice connection. */
  readonly guildId: string;

  constructor(guildId: string) {
    super(
      'STATECORD_ERR_VOICE_ALREADY_JOINED',
      `guild ${guildId} already has a voice connection; use connection.move(channelId) or leave() it first`,
    );
    this.guildId = guildId;
  }
}

/** `leave()` was called before the voice connection was ready: the pending join rejects with this. */
export class VoiceLeftError extends StatecordError {
  constructor(guildId: string) {
    super(
      'STATECORD_ERR_VOICE_LEFT',
      `the voice connection of guild ${guildId} was left before it was ready`,
    );
  }
}

/**
 * A voice connection was disconnected before it was ready (a join rejects with this): `reason` says
 * why (`TimedOut`, `CloseCode` with `closeCode`, `RemovedFromChannel`, …).
 */
export class VoiceDisconnectedError extends StatecordError {
  /** Why the connection was disconnected (a `VoiceDisconnectReason`: `TimedOut`, `CloseCode`, …). */
  readonly reason: string;
  /** The voice server's close code, when `reason` is `CloseCode`; otherwise null. */
  readonly closeCode: number | null;

  constructor(guildId: string, reason: string, closeCode: number | null) {
    const code = closeCode === null ? '' : ` (close ${closeCode})`;
    super(
      'STATECORD_ERR_VOICE_DISCONNECTED',
      `the voice connection of guild ${guildId} was disconnected: ${reason}${code}`,
    );
    this.reason = reason;
    this.closeCode = closeCode;
  }
}

/**
 * A voice connection got no answer in time: no VOICE_STATE_UPDATE/VOICE_SERVER_UPDATE after op 4
 * (`signalling`), a handshake step (`handshake`) or a RESUME (`resumed`). Reported as a warning; the
 * connection retries within its bounds (docs/protocol/voice.md §2.3).
 */
export class VoiceTimeoutError extends StatecordError {
  /** The guild of the connection. */
  readonly guildId: string;
  /** What got no answer: the voice server updates after op 4, a handshake step, or RESUMED. */
  readonly awaited: 'signalling' | 'handshake' | 'resumed';

  constructor(guildId: string, awaited: 'signalling' | 'handshake' | 'resumed') {
    const what = {
      signalling: 'the voice server updates after op 4',
      handshake: 'a voice handshake step',
      resumed: 'RESUMED',
    }[awaited];
    super(
      'STATECORD_ERR_VOICE_TIMEOUT',
      `the voice connection of guild ${guildId} got no answer in time: ${what}`,
    );
    this.guildId = guildId;
    this.awaited = awaited;
  }
}

/** A voice gateway frame could not be read (docs/protocol/voice.md §2). It is ignored, with a warning. */
export class VoiceFrameError extends StatecordError {
  constructor(message: string, cause?: unknown) {
    super('STATECORD_ERR_VOICE_FRAME', message, cause === undefined ? undefined : { cause });
  }
}

/**
 * A saved session was identified with another shard count than the shard that would resume it (the
 * bot was resharded). A session keeps the guild routing of its count, so the shard identifies instead.
 */
export class SessionShardCountError extends StatecordError {
  /** The shard that would have resumed the session. */
  readonly shardId: number;
  /** The shard count the session was identified with. */
  readonly savedShardCount: number;
  /** The shard count of the shard now. */
  readonly shardCount: number;

  constructor(shardId: number, savedShardCount: number, shardCount: number) {
    super(
      'STATECORD_ERR_SESSION_SHARD_COUNT',
      `the saved session of shard ${shardId} was identified with ${savedShardCount} shards, not ${shardCount}`,
    );
    this.shardId = shardId;
    this.savedShardCount = savedShardCount;
    this.shardCount = shardCount;
  }
}

/**
 * A gateway connection could not be opened, or its socket reported an error (`cause`: the socket's
 * error, e.g. `ECONNREFUSED`). Reported as a warning; the shard reconnects with back-off by itself.
 */
export class GatewayConnectionError extends StatecordError {
  /** The URL the connection was opened to, without its query. */
  readonly url: string;

  constructor(url: string, cause: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super('STATECORD_ERR_GATEWAY_CONNECTION', `the gateway connection to ${url} failed${detail}`, { cause });
    this.url = url;
  }
}

/**
 * The gateway did not answer in time: no HELLO after connecting, no READY after IDENTIFY, or no RESUMED
 * after RESUME. Reported as a warning; the shard reconnects by itself.
 */
export class GatewayTimeoutError extends StatecordError {
  /** What was awaited. */
  readonly awaited: 'hello' | 'ready' | 'resumed';
  /** How long the shard waited, in milliseconds. */
  readonly timeoutMs: number;

  constructor(awaited: 'hello' | 'ready' | 'resumed', timeoutMs: number) {
    const frame = { hello: 'HELLO', ready: 'READY', resumed: 'RESUMED' }[awaited];
    super(
      'STATECORD_ERR_GATEWAY_TIMEOUT',
      `the gateway sent no ${frame} within ${timeoutMs} ms; reconnecting`,
    );
    this.awaited = awaited;
    this.timeoutMs = timeoutMs;
  }
}

/** An outbound payload is larger than the 4096 bytes Discord accepts (it would close with 4002). */
export class PayloadTooLargeError extends StatecordError {
  /** The payload's size in bytes. */
  readonly size: number;
  /** The largest payload Discord accepts, in bytes. */
  readonly limit: number;

  constructor(size: number, limit = 4096) {
    super(
      'STATECORD_ERR_PAYLOAD_TOO_LARGE',
      `payload is ${size} bytes; the gateway accepts at most ${limit}`,
    );
    this.size = size;
    this.limit = limit;
  }
}

/** An inbound frame could not be decompressed or decoded. The shard reconnects and resumes. */
export class GatewayDecodeError extends StatecordError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STATECORD_ERR_DECODE', message, options);
  }
}

/** The requested transport compression is not available in this runtime. */
export class UnsupportedCompressionError extends StatecordError {
  constructor(compression: string) {
    super(
      'STATECORD_ERR_UNSUPPORTED_COMPRESSION',
      `transport compression "${compression}" is not available in Node ${process.versions.node}`,
    );
  }
}

/**
 * A feature needs an optional peer dependency that is not installed, e.g. `FakeVoiceServer`'s DAVE
 * side needs `ts-mls` and `@noble/curves`. `packages` names what to install.
 */
export class MissingPeerDependencyError extends StatecordError {
  /** The npm packages to install. */
  readonly packages: readonly string[];

  constructor(feature: string, packages: readonly string[], options?: { cause?: unknown }) {
    super(
      'STATECORD_ERR_MISSING_PEER_DEPENDENCY',
      `${feature} needs the optional peer dependencies ${packages.join(' and ')}: npm install --save-dev ${packages.join(' ')}`,
      options,
    );
    this.packages = packages;
  }
}

/** The shard was stopped while an operation (start, a queued send, a request) was waiting. */
export class ShardStoppedError extends StatecordError {
  constructor(message = 'the shard was stopped') {
    super('STATECORD_ERR_SHARD_STOPPED', message);
  }
}

/** A request got no (complete) answer in time. */
export class RequestTimeoutError extends StatecordError {
  constructor(message: string) {
    super('STATECORD_ERR_REQUEST_TIMEOUT', message);
  }
}

/**
 * A frame bound to one connection (heartbeat, Identify, Resume) was not sent because that connection
 * closed first, or writing it to the socket failed. The next connection sends its own; nothing to retry.
 */
export class ConnectionClosedError extends StatecordError {
  constructor(message = 'the connection closed before the frame was sent', options?: { cause?: unknown }) {
    super('STATECORD_ERR_CONNECTION_CLOSED', message, options);
  }
}

/** The gateway refused a request with a RATE_LIMITED dispatch (docs/protocol/gateway.md §8.2); retry after `retryAfterMs`. */
export class GatewayRateLimitedError extends StatecordError {
  /** The opcode of the refused request (e.g. 8, Request Guild Members). */
  readonly opcode: number;
  /** How long Discord asked to wait, in milliseconds. */
  readonly retryAfterMs: number;

  constructor(opcode: number, retryAfterSeconds: number) {
    super(
      'STATECORD_ERR_RATE_LIMITED',
      `the gateway rate-limited op ${opcode}; retry after ${retryAfterSeconds} s`,
    );
    this.opcode = opcode;
    this.retryAfterMs = Math.ceil(retryAfterSeconds * 1000);
  }
}

/** Base of the errors for a shard that failed for good; `reason` says why, `closeCode` what Discord sent. */
export abstract class ShardFailureError extends StatecordError {
  /** Why the shard failed (`AuthenticationFailed`, `InvalidShard`, …). */
  abstract readonly reason: ShardFailureReason;
  /** The gateway close code that ended the shard, or null when none did (a rejected `GET /gateway/bot`). */
  readonly closeCode: number | null;

  constructor(code: ShardFailureErrorCode, message: string, closeCode: number | null) {
    super(code, message);
    this.closeCode = closeCode;
  }
}

/** Close 4004: Discord rejected the token. Not retried: every retry would be rejected too. */
export class AuthenticationFailedError extends ShardFailureError {
  readonly reason = 'AuthenticationFailed';
  constructor(closeCode: number | null = 4004) {
    super('STATECORD_ERR_AUTHENTICATION_FAILED', 'the gateway rejected the token (close 4004)', closeCode);
  }
}

/** Close 4010: the `[shard_id, num_shards]` pair is invalid for this bot. */
export class InvalidShardError extends ShardFailureError {
  readonly reason = 'InvalidShard';
  constructor(closeCode: number | null = 4010) {
    super(
      'STATECORD_ERR_INVALID_SHARD',
      'the gateway rejected the shard id or count (close 4010)',
      closeCode,
    );
  }
}

/** Close 4011: this shard would hold too many guilds; use more shards. */
export class ShardingRequiredError extends ShardFailureError {
  readonly reason = 'ShardingRequired';
  constructor(closeCode: number | null = 4011) {
    super('STATECORD_ERR_SHARDING_REQUIRED', 'the gateway requires more shards (close 4011)', closeCode);
  }
}

/** Close 4012: the gateway does not accept the API version in the URL. */
export class InvalidApiVersionError extends ShardFailureError {
  readonly reason = 'InvalidApiVersion';
  constructor(closeCode: number | null = 4012) {
    super(
      'STATECORD_ERR_INVALID_API_VERSION',
      'the gateway rejected the API version (close 4012)',
      closeCode,
    );
  }
}

/** Close 4013: the intents bitfield is invalid. */
export class InvalidIntentsError extends ShardFailureError {
  readonly reason = 'InvalidIntents';
  constructor(closeCode: number | null = 4013) {
    super(
      'STATECORD_ERR_INVALID_INTENTS',
      'the gateway rejected the intents bitfield (close 4013)',
      closeCode,
    );
  }
}

/** Close 4014: a privileged intent is requested that the application is not allowed. */
export class DisallowedIntentsError extends ShardFailureError {
  readonly reason = 'DisallowedIntents';
  constructor(closeCode: number | null = 4014) {
    super(
      'STATECORD_ERR_DISALLOWED_INTENTS',
      'the gateway refused a privileged intent this application is not allowed (close 4014)',
      closeCode,
    );
  }
}

/** Builds the error for a failure reason, e.g. from a `failed` machine state. */
export function shardFailureError(reason: ShardFailureReason, closeCode: number | null): ShardFailureError {
  switch (reason) {
    case 'AuthenticationFailed':
      return new AuthenticationFailedError(closeCode);
    case 'InvalidShard':
      return new InvalidShardError(closeCode);
    case 'ShardingRequired':
      return new ShardingRequiredError(closeCode);
    case 'InvalidApiVersion':
      return new InvalidApiVersionError(closeCode);
    case 'InvalidIntents':
      return new InvalidIntentsError(closeCode);
    case 'DisallowedIntents':
      return new DisallowedIntentsError(closeCode);
  }
}

/** Codes of the errors of REST calls (`src/http`). */
export type HttpErrorCode =
  | 'STATECORD_ERR_HTTP'
  | 'STATECORD_ERR_HTTP_UNAUTHORIZED'
  | 'STATECORD_ERR_HTTP_RATE_LIMITED'
  | 'STATECORD_ERR_HTTP_SERVER_ERROR'
  | 'STATECORD_ERR_HTTP_NETWORK'
  | 'STATECORD_ERR_HTTP_MALFORMED_RESPONSE'
  | 'STATECORD_ERR_HTTP_ABORTED'
  | 'STATECORD_ERR_HTTP_TIMEOUT'
  | 'STATECORD_ERR_HTTP_RESPONSE_TOO_LARGE';

/**
 * Which REST call failed: method, path below the API base (e.g. `/gateway/bot`) and how many requests
 * were sent. Never headers, so never the token.
 */
export interface HttpRequestInfo {
  /** The HTTP method (`GET`). */
  readonly method: string;
  /** The path below the API base (e.g. `/gateway/bot`). */
  readonly path: string;
  /** Requests sent, retries included. */
  readonly attempts: number;
}

/** What an HTTP error response carried: its status and Discord's JSON error body `{ message, code }`, if any. */
export interface HttpResponseInfo extends HttpRequestInfo {
  /** The HTTP status code. */
  readonly status: number;
  /** Discord's JSON error `code` (0 = general error); null when the body had none. */
  readonly discordCode?: number | null;
  /** Discord's JSON error `message`; null when the body had none. */
  readonly discordMessage?: string | null;
}

/** A REST call got an HTTP error status. Subclasses cover 401/403, 429 and 5xx; this class the other 4xx. */
export class HttpError extends StatecordError {
  /** The HTTP status code. */
  readonly status: number;
  /** The HTTP method (`GET`). */
  readonly method: string;
  /** The path below the API base (e.g. `/gateway/bot`). */
  readonly path: string;
  /** Requests sent, retries included. */
  readonly attempts: number;
  /** Discord's JSON error `code` (0 = general error); null when the body had none. */
  readonly discordCode: number | null;
  /** Discord's JSON error `message`; null when the body had none. */
  readonly discordMessage: string | null;

  constructor(
    response: HttpResponseInfo,
    code: HttpErrorCode = 'STATECORD_ERR_HTTP',
    message = `${response.method} ${response.path} answered ${response.status}` +
      (response.discordMessage == null ? '' : ` (${response.discordMessage})`),
  ) {
    super(code, message);
    this.status = response.status;
    this.method = response.method;
    this.path = response.path;
    this.attempts = response.attempts;
    this.discordCode = response.discordCode ?? null;
    this.discordMessage = response.discordMessage ?? null;
  }
}

/** 401 or 403: Discord rejected the token (or it lacks access). Not retried: every retry would fail too. */
export class HttpUnauthorizedError extends HttpError {
  constructor(response: HttpResponseInfo) {
    super(
      response,
      'STATECORD_ERR_HTTP_UNAUTHORIZED',
      `${response.method} ${response.path} answered ${response.status}: the bot token was rejected`,
    );
  }
}

/** 429 after every retry (or a wait longer than allowed): try again after `retryAfterMs`. */
export class HttpRateLimitedError extends HttpError {
  /** How long Discord asked to wait, from `retry_after` (body) or `Retry-After` (header). */
  readonly retryAfterMs: number;
  /** `global: true` in the body: the limit is the bot's global REST limit, not this route's. */
  readonly global: boolean;
  /** `X-RateLimit-Scope` (`user`, `global` or `shared`), or null. */
  readonly scope: string | null;

  constructor(response: HttpResponseInfo, retryAfterMs: number, global = false, scope: string | null = null) {
    super(
      response,
      'STATECORD_ERR_HTTP_RATE_LIMITED',
      `${response.method} ${response.path} is rate-limited after ${response.attempts} attempt(s); retry after ${retryAfterMs} ms`,
    );
    this.retryAfterMs = retryAfterMs;
    this.global = global;
    this.scope = scope;
  }
}

/** 5xx after every retry: Discord (or a proxy in front of it) is failing. */
export class HttpServerError extends HttpError {
  constructor(response: HttpResponseInfo) {
    super(
      response,
      'STATECORD_ERR_HTTP_SERVER_ERROR',
      `${response.method} ${response.path} answered ${response.status} after ${response.attempts} attempt(s)`,
    );
  }
}

/**
 * A REST call failed below HTTP (connection refused or reset, DNS, TLS, timeout) after its retries.
 * `cause` is a sanitised copy of the network error (name, message, `code`, `errno`, `syscall`,
 * `address`, `port`, nested causes), so it holds no reference to the request and its headers.
 */
export class HttpNetworkError extends StatecordError {
  /** The HTTP method (`GET`). */
  readonly method: string;
  /** The path below the API base (e.g. `/gateway/bot`). */
  readonly path: string;
  /** Requests sent, retries included. */
  readonly attempts: number;

  constructor(
    request: HttpRequestInfo,
    cause: unknown,
    code: HttpErrorCode = 'STATECORD_ERR_HTTP_NETWORK',
    message = `${request.method} ${request.path} failed after ${request.attempts} attempt(s)` +
      (cause instanceof Error ? `: ${cause.message}` : ''),
  ) {
    super(code, message, cause === undefined ? undefined : { cause });
    this.method = request.method;
    this.path = request.path;
    this.attempts = request.attempts;
  }
}

/** A REST answer was not valid JSON or lacked a field Discord documents; `reason` says which. */
export class HttpMalformedResponseError extends StatecordError {
  /** The HTTP method (`GET`). */
  readonly method: string;
  /** The path below the API base (e.g. `/gateway/bot`). */
  readonly path: string;
  /** The HTTP status code of the answer. */
  readonly status: number;
  /** What was wrong with the body (not JSON, or which field is missing). */
  readonly reason: string;

  constructor(request: Omit<HttpRequestInfo, 'attempts'>, status: number, reason: string) {
    super(
      'STATECORD_ERR_HTTP_MALFORMED_RESPONSE',
      `${request.method} ${request.path} answered ${status} with a malformed body: ${reason}`,
    );
    this.method = request.method;
    this.path = request.path;
    this.status = status;
    this.reason = reason;
  }
}

/** The caller's `signal` aborted a REST call (while it was in flight or waiting to retry). */
export class HttpAbortedError extends StatecordError {
  /** The HTTP method (`GET`). */
  readonly method: string;
  /** The path below the API base (e.g. `/gateway/bot`). */
  readonly path: string;

  constructor(request: Omit<HttpRequestInfo, 'attempts'>, cause?: unknown) {
    super('STATECORD_ERR_HTTP_ABORTED', `${request.method} ${request.path} was aborted`, { cause });
    this.method = request.method;
    this.path = request.path;
  }
}

/** Which deadline of a REST call passed: one attempt's (`deadlineMs`) or the whole call's (`totalDeadlineMs`). */
export type HttpDeadline = 'attempt' | 'call';

/**
 * A REST call passed a deadline of statecord's own, with headers and body not complete in time.
 * `deadline: 'attempt'`: the last attempt passed `deadlineMs` (each attempt that did was retried like
 * a network failure until the retries ran out). `deadline: 'call'`: the whole call, retries and waits
 * included, passed `totalDeadlineMs`; nothing more was tried.
 *
 * A class of its own, not a bare {@link HttpNetworkError}, because the cause is not an error of the
 * network stack but a bound this library set, and the message and fields name that bound. It extends
 * HttpNetworkError (with its own `code`) because it is a failure of the same class: the server is
 * reachable but too slow, and code that treats network failures as "try again later" treats this
 * the same way. undici's own per-read timeouts (`timeoutMs`) stay plain HttpNetworkErrors whose
 * `cause` carries undici's code (`UND_ERR_HEADERS_TIMEOUT`, `UND_ERR_BODY_TIMEOUT`).
 */
export class HttpTimeoutError extends HttpNetworkError {
  /** Which deadline passed: one attempt's (`attempt`) or the whole call's (`call`). */
  readonly deadline: HttpDeadline;
  /** The deadline that passed, in milliseconds. */
  readonly deadlineMs: number;

  constructor(request: HttpRequestInfo, deadline: HttpDeadline, deadlineMs: number) {
    super(
      request,
      undefined,
      'STATECORD_ERR_HTTP_TIMEOUT',
      deadline === 'attempt'
        ? `${request.method} ${request.path} failed after ${request.attempts} attempt(s): the last got no complete answer within its ${deadlineMs} ms deadline`
        : `${request.method} ${request.path} did not complete within its total deadline of ${deadlineMs} ms (${request.attempts} attempt(s))`,
    );
    this.deadline = deadline;
    this.deadlineMs = deadlineMs;
  }
}

/**
 * A REST answer's body was larger than `maxBodyBytes`, or its `content-length` said it would be. The
 * body was not read further and its connection was closed, so memory stays bounded by the cap. Not
 * retried, whatever the status: a server that sends a body this size is not answering the route.
 */
export class HttpResponseTooLargeError extends StatecordError {
  /** The HTTP method (`GET`). */
  readonly method: string;
  /** The path below the API base (e.g. `/gateway/bot`). */
  readonly path: string;
  /** Requests sent, retries included. */
  readonly attempts: number;
  /** The HTTP status code of the answer. */
  readonly status: number;
  /** The cap, `maxBodyBytes`. */
  readonly limitBytes: number;
  /** The `content-length` the answer announced, or null when it had none. */
  readonly declaredBytes: number | null;
  /** Body bytes read before reading stopped (0 when the `content-length` alone was enough). */
  readonly receivedBytes: number;

  constructor(
    response: HttpRequestInfo & { readonly status: number },
    body: {
      readonly limitBytes: number;
      readonly declaredBytes: number | null;
      readonly receivedBytes: number;
    },
  ) {
    const size =
      body.declaredBytes !== null && body.declaredBytes > body.limitBytes
        ? `announced ${body.declaredBytes} bytes`
        : `passed ${body.limitBytes} bytes`;
    super(
      'STATECORD_ERR_HTTP_RESPONSE_TOO_LARGE',
      `${response.method} ${response.path} answered ${response.status} with a body that ${size}; the limit is ${body.limitBytes} bytes`,
    );
    this.method = response.method;
    this.path = response.path;
    this.attempts = response.attempts;
    this.status = response.status;
    this.limitBytes = body.limitBytes;
    this.declaredBytes = body.declaredBytes;
    this.receivedBytes = body.receivedBytes;
  }
}

/** Shards cannot be created while the manager's shards run (as in Discore); stop them first. */
export class ShardsRunningError extends StatecordError {
  constructor() {
    super(
      'STATECORD_ERR_SHARDS_RUNNING',
      'shards cannot be created while shards are running; call stopShards() first',
    );
  }
}

/**
 * A session file (`FileSessionStore`), or one shard's entry of a `RedisSessionStore` (`path` is then
 * `redis:<key>`), could not be used. A file: it is not valid JSON, not a statecord session
 * file of a version this code reads (a "foreign" file), or it holds an entry of the wrong shape. The
 * file is left as it is; move it away or fix it. Never quotes a session id.
 */
export class SessionStoreCorruptError extends StatecordError {
  /** The file. */
  readonly path: string;
  /** What is wrong with it. */
  readonly reason: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(
      'STATECORD_ERR_SESSION_STORE_CORRUPT',
      `the session store ${path} was not loaded: ${reason}`,
      options,
    );
    this.path = path;
    this.reason = reason;
  }
}

/**
 * Redis (the shared identify gate or session store of `statecord/redis`) failed or did not answer in
 * time. The identify gate fails closed: no shard identifies until Redis answers again (running shards
 * are not touched); it reports this error as a `warning` and retries with backoff. `cause` is the
 * client's error.
 */
export class RedisUnavailableError extends StatecordError {
  constructor(detail: string, cause?: unknown) {
    super(
      'STATECORD_ERR_REDIS_UNAVAILABLE',
      `Redis is unavailable: ${detail}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/**
 * `ShardCluster.start()` was called while the cluster starts, runs or stops (stop it first); or, as a
 * `warning`, the cluster's lease loop stopped on an internal error and the cluster stopped its shards.
 */
export class ClusterStateError extends StatecordError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('STATECORD_ERR_CLUSTER_STATE', `ShardCluster: ${detail}`, options);
  }
}

/**
 * A DAVE end-to-end encryption step failed (docs/protocol/voice.md §4): a refused proposal (an unknown
 * user's Add, a forged signature), a commit or welcome that does not apply, a frame that does not encrypt.
 * The connection recovers (op 31 and a fresh key package, or the frame is dropped) and warns with it.
 */
export class VoiceE2EEError extends StatecordError {
  constructor(message: string, cause?: unknown) {
    super('STATECORD_ERR_VOICE_E2EE', message, cause === undefined ? undefined : { cause });
  }
}

/**
 * A worker thread of a `ShardManager` with `workers` crashed `crashes` times in a row (without a
 * stable run in between, see `workerRespawn`): its supervisor stopped respawning it, and the manager
 * stopped its shards, resumably (reported as `workerFailure`). `lastExit` is how it ended the last time.
 */
export class WorkerCrashLoopError extends StatecordError {
  /** The worker's index in the pool. */
  readonly worker: number;
  /** Consecutive crashes when its supervisor gave up. */
  readonly crashes: number;
  /** The last exit. */
  readonly lastExit: {
    /** The thread's exit code. */
    readonly exitCode: number;
    /** Its uncaught error's message, or null. */
    readonly error: string | null;
  };

  constructor(
    worker: number,
    failure: {
      readonly crashes: number;
      readonly lastExit: { readonly exitCode: number; readonly error: string | null };
    },
  ) {
    const cause =
      failure.lastExit.error === null ? `exit code ${failure.lastExit.exitCode}` : failure.lastExit.error;
    super(
      'STATECORD_ERR_WORKER_CRASH_LOOP',
      `worker ${worker} crashed ${failure.crashes} times in a row (last: ${cause}); it is not respawned again`,
    );
    this.worker = worker;
    this.crashes = failure.crashes;
    this.lastExit = failure.lastExit;
  }
}
