import { defaultShardTiming } from '../../machines/index.js';
import type { ShardTimingConfig } from '../../machines/index.js';
import { outboundByteLength, MAX_OUTBOUND_PAYLOAD_BYTES } from '../gateway/codec/encode-outbound.js';
import { isZstdStreamSupported } from '../gateway/codec/index.js';
import { identifyPayload } from '../gateway/outbound-payloads.js';
import { UnsupportedCompressionError } from '../errors.js';
import {
  checkBoolean,
  checkDuration,
  checkFunction,
  checkInteger,
  checkMethods,
  checkObject,
  checkOneOf,
  checkUrl,
  failOption,
} from './checks.js';
import type { GatewayClientOptions } from './client-options.js';
import { isLoopbackUrl } from './loopback.js';

const COMPRESSIONS = ['zlib-stream', 'zstd-stream', 'none'] as const;
const PRESENCE_STATUSES = ['online', 'dnd', 'idle', 'invisible', 'offline'] as const;
/** The largest shard array IDENTIFY can carry, for a size check before the shard ids are known. */
export const WIDEST_SHARD: readonly [number, number] = [2_147_483_646, 2_147_483_647];

/**
 * Checks the options a `Shard` and a `ShardManager` share, synchronously, and throws
 * `InvalidArgumentError` naming the first bad option and what it accepts (or
 * `UnsupportedCompressionError` for a compression this runtime lacks). `identifyShard` is the shard
 * array IDENTIFY will carry, for its 4096-byte limit; a manager passes {@link WIDEST_SHARD}.
 * `usesRest` says whether the caller will call `GET /gateway/bot` with these options.
 */
export function validateClientOptions(
  options: GatewayClientOptions,
  identifyShard: readonly [number, number],
  usesRest: boolean,
): void {
  checkObject('options', options);
  checkToken(options.token);
  checkInteger('intents', options.intents, 0);
  if (options.gatewayUrl !== undefined) checkUrl('gatewayUrl', options.gatewayUrl, ['ws:', 'wss:']);
  if (options.restUrl !== undefined) checkUrl('restUrl', options.restUrl, ['http:', 'https:']);
  if (options.compress !== undefined) checkOneOf('compress', options.compress, COMPRESSIONS);
  if (options.compress === 'zstd-stream' && !isZstdStreamSupported()) {
    throw new UnsupportedCompressionError('zstd-stream');
  }
  if (options.largeThreshold !== undefined) checkInteger('largeThreshold', options.largeThreshold, 50, 250);
  if (options.properties !== undefined) checkProperties(options.properties);
  if (options.presence !== undefined) checkPresence(options.presence);
  if (options.identifyGate !== undefined)
    checkMethods('identifyGate', options.identifyGate, ['waitForIdentify']);
  if (options.fetchGatewayInfo !== undefined) checkBoolean('fetchGatewayInfo', options.fetchGatewayInfo);
  if (options.timing !== undefined) checkTiming(options.timing);
  if (options.random !== undefined) checkFunction('random', options.random);
  if (options.inspect !== undefined && typeof options.inspect !== 'function') {
    checkMethods('inspect', options.inspect, ['next']);
  }
  checkIdentifySize(options, identifyShard);
  if (
    usesRest &&
    options.restUrl === undefined &&
    options.gatewayUrl !== undefined &&
    isLoopbackUrl(options.gatewayUrl)
  ) {
    failOption(
      'restUrl',
      'is needed with a loopback gatewayUrl: without it GET /gateway/bot would go to Discord with a test token. ' +
        'Pass restUrl (a FakeGateway gives both as gateway.clientOptions), or fetchGatewayInfo: false',
    );
  }
}

function checkToken(token: unknown): void {
  if (typeof token !== 'string' || token.trim() === '') failOption('token', 'must be a non-empty string');
  if (/^bot\s/i.test(token)) failOption('token', "must be the bare token, without the 'Bot ' prefix");
  // A token never holds whitespace; a stray newline from a file or env var would get close 4004.
  if (/\s/.test(token)) failOption('token', 'must not contain whitespace (check for a trailing newline)');
}

function checkProperties(properties: unknown): void {
  checkObject('properties', properties);
  for (const [key, value] of Object.entries(properties)) {
    if (typeof value !== 'string') failOption(`properties.${key}`, 'must be a string');
  }
}

/** The shape of an update-presence object (docs/protocol/gateway.md §8.3): all four keys, a known status. */
function checkPresence(presence: unknown): void {
  checkObject('presence', presence);
  checkOneOf('presence.status', presence['status'], PRESENCE_STATUSES);
  if (!Array.isArray(presence['activities'])) failOption('presence.activities', 'must be an array');
  const since = presence['since'];
  if (since !== null && (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0)) {
    failOption('presence.since', 'must be null or a Unix time in ms');
  }
  checkBoolean('presence.afk', presence['afk']);
}

/** IDENTIFY over 4096 bytes would be refused before sending, forever: refuse the options instead. */
function checkIdentifySize(options: GatewayClientOptions, shard: readonly [number, number]): void {
  const payload = identifyPayload({
    token: options.token,
    intents: options.intents,
    shard,
    properties: { os: 'linux', browser: 'statecord', device: 'statecord', ...options.properties },
    ...(options.presence === undefined ? {} : { presence: options.presence }),
    ...(options.largeThreshold === undefined ? {} : { largeThreshold: options.largeThreshold }),
  });
  let size: number;
  try {
    size = outboundByteLength(JSON.stringify(payload));
  } catch {
    failOption('presence', 'must be serialisable as JSON');
  }
  if (size > MAX_OUTBOUND_PAYLOAD_BYTES) {
    failOption(
      options.presence === undefined ? 'properties' : 'presence',
      `makes IDENTIFY ${size} bytes; the gateway accepts at most ${MAX_OUTBOUND_PAYLOAD_BYTES} (docs/protocol/gateway.md §5)`,
    );
  }
}

type TimingKey = keyof ShardTimingConfig;
/** The smallest value each timing accepts: a 0 timeout or back-off would turn a fault into a busy loop. */
const TIMING_MINIMUMS: Record<TimingKey, number> = {
  helloTimeoutMs: 1,
  readyTimeoutMs: 1,
  resumeTimeoutMs: 1,
  backoffBaseMs: 1,
  backoffMaxMs: 1,
  maxResumeAttempts: 1,
  invalidSessionMinMs: 0,
  invalidSessionMaxMs: 0,
};

function checkTiming(timing: unknown): void {
  checkObject('timing', timing);
  for (const [key, value] of Object.entries(timing)) {
    if (!(key in TIMING_MINIMUMS)) {
      failOption(`timing.${key}`, `is not a timing; known: ${Object.keys(TIMING_MINIMUMS).join(', ')}`);
    }
    if (value === undefined) continue;
    const minimum = TIMING_MINIMUMS[key as TimingKey];
    if (key === 'maxResumeAttempts') checkInteger(`timing.${key}`, value, minimum, 1_000);
    else checkDuration(`timing.${key}`, value, minimum);
  }
  const resolved = { ...defaultShardTiming, ...(timing as Partial<ShardTimingConfig>) };
  if (resolved.backoffMaxMs < resolved.backoffBaseMs) {
    failOption('timing.backoffMaxMs', `must be ≥ timing.backoffBaseMs (${resolved.backoffBaseMs})`);
  }
  if (resolved.invalidSessionMaxMs < resolved.invalidSessionMinMs) {
    failOption(
      'timing.invalidSessionMaxMs',
      `must be ≥ timing.invalidSessionMinMs (${resolved.invalidSessionMinMs})`,
    );
  }
}
