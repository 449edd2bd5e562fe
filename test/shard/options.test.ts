import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnsupportedCompressionError } from '../../src/errors.js';
import { isZstdStreamSupported } from '../../src/gateway/codec/index.js';
import { BucketIdentifyGate } from '../../src/shard/index.js';
import type { ShardOptions } from '../../src/shard/index.js';
import { INTENTS, TOKEN, shardDefaults, useShardRigs } from './harness.js';

const { startGateway, createShard } = useShardRigs();

/** Options that are valid apart from what a test overrides; the URL is never dialled. */
const valid: ShardOptions = {
  token: TOKEN,
  intents: INTENTS,
  gatewayUrl: 'ws://127.0.0.1:9',
  identifyGate: new BucketIdentifyGate(),
};

function constructWith(overrides: Record<string, unknown>): unknown {
  try {
    createShard({ ...valid, ...overrides });
  } catch (error) {
    return error;
  }
  return null;
}

describe('new Shard(options) rejects invalid options', () => {
  it.for([
    ['an empty token', { token: '' }],
    ['a token that is not a string', { token: 42 }],
    ['negative intents', { intents: -1 }],
    ['fractional intents', { intents: 1.5 }],
    ['NaN intents', { intents: Number.NaN }],
    ['shardId equal to shardCount', { shardId: 2, shardCount: 2 }],
    ['shardId above shardCount', { shardId: 5, shardCount: 2 }],
    ['a negative shardId', { shardId: -1, shardCount: 2 }],
    ['a fractional shardId', { shardId: 0.5, shardCount: 2 }],
    ['shardCount 0', { shardCount: 0 }],
    ['shardId ≥ the default shardCount of 1', { shardId: 1 }],
    ['an http:// gatewayUrl', { gatewayUrl: 'http://127.0.0.1:9' }],
  ] as const)('%s → InvalidArgumentError', ([, overrides]) => {
    const error = constructWith(overrides);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: 'STATECORD_ERR_INVALID_ARGUMENT' });
  });

  it.for([
    ['compress: false', { compress: false }, 'compress'],
    ["compress: 'zlib' (a typo)", { compress: 'zlib' }, 'compress'],
    ["compress: 'gzip'", { compress: 'gzip' }, 'compress'],
    ['a whitespace-only token', { token: '   ' }, 'token'],
    ["a token with the 'Bot ' prefix", { token: `Bot ${TOKEN}` }, 'token'],
    ['a token with a trailing newline', { token: `${TOKEN}\n` }, 'token'],
    ['largeThreshold: 1', { largeThreshold: 1 }, 'largeThreshold'],
    ['a negative back-off', { timing: { backoffBaseMs: -5 } }, 'timing.backoffBaseMs'],
    ['a zero back-off', { timing: { backoffBaseMs: 0 } }, 'timing.backoffBaseMs'],
    ['a NaN timeout', { timing: { helloTimeoutMs: Number.NaN } }, 'timing.helloTimeoutMs'],
    ['a string timeout', { timing: { readyTimeoutMs: '100' } }, 'timing.readyTimeoutMs'],
    [
      'a timeout beyond what a timer can wait',
      { timing: { resumeTimeoutMs: 2 ** 31 } },
      'timing.resumeTimeoutMs',
    ],
    [
      'a back-off ceiling below its base',
      { timing: { backoffBaseMs: 100, backoffMaxMs: 10 } },
      'timing.backoffMaxMs',
    ],
    ['zero resume attempts', { timing: { maxResumeAttempts: 0 } }, 'timing.maxResumeAttempts'],
    ['an unknown timing key (a typo)', { timing: { helloTimeout: 5 } }, 'timing.helloTimeout'],
    ['a session of the wrong shape', { session: { id: 'abc', seq: 3 } }, 'session.sessionId'],
    [
      'a session with a fractional sequence',
      { session: { sessionId: 'abc', sequence: 1.5, resumeUrl: null } },
      'session.sequence',
    ],
    [
      'a session whose resumeUrl is not a ws URL',
      { session: { sessionId: 'abc', sequence: 1, resumeUrl: 'https://x' } },
      'session.resumeUrl',
    ],
    [
      'a session identified with another shard count',
      { session: { sessionId: 'abc', sequence: 1, resumeUrl: null, shardCount: 4 } },
      'session.shardCount',
    ],
    [
      'a presence with an unknown status',
      { presence: { status: 'busy', activities: [], since: null, afk: false } },
      'presence.status',
    ],
    ['an identifyGate without waitForIdentify', { identifyGate: {} }, 'identifyGate'],
    ['a random that is not a function', { random: 0.5 }, 'random'],
    ['memberChunkTimeoutMs: 0', { memberChunkTimeoutMs: 0 }, 'memberChunkTimeoutMs'],
    ['an http restUrl that is not a URL', { restUrl: 'not a url' }, 'restUrl'],
  ] as const)('%s → InvalidArgumentError naming the option', ([, overrides, option]) => {
    const error = constructWith(overrides);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ option });
    expect((error as Error).message).toContain(option);
  });

  it('a presence that makes IDENTIFY larger than 4096 bytes → InvalidArgumentError naming presence', () => {
    const presence = {
      status: 'online',
      since: null,
      afk: false,
      activities: [{ name: 'x'.repeat(4_100), type: 0 }],
    };
    const error = constructWith({ presence });
    expect(error).toMatchObject({ code: 'STATECORD_ERR_INVALID_ARGUMENT', option: 'presence' });
    expect((error as Error).message).toMatch(/IDENTIFY \d+ bytes.*4096/);
  });

  it('a presence just within the limit is accepted', () => {
    // IDENTIFY without the activity name is about 260 bytes here.
    const presence = {
      status: 'online',
      since: null,
      afk: false,
      activities: [{ name: 'x'.repeat(3_700), type: 0 }],
    };
    expect(constructWith({ presence })).toBeNull();
  });

  it('a loopback gatewayUrl without restUrl is refused while GET /gateway/bot would be used', () => {
    const error = constructWith({ identifyGate: undefined, gatewayUrl: 'ws://127.0.0.1:9' });
    expect(error).toMatchObject({ code: 'STATECORD_ERR_INVALID_ARGUMENT', option: 'restUrl' });
    expect(constructWith({ gatewayUrl: 'ws://127.0.0.1:9', fetchGatewayInfo: false })).toBeNull();
    expect(
      constructWith({ gatewayUrl: 'ws://127.0.0.1:9', restUrl: 'http://127.0.0.1:9/api/v10' }),
    ).toBeNull();
  });

  it.skipIf(isZstdStreamSupported())(
    "compress: 'zstd-stream' on a runtime without zstd (Node 20) → UnsupportedCompressionError",
    () => {
      const error = constructWith({ compress: 'zstd-stream' });
      expect(error).toBeInstanceOf(UnsupportedCompressionError);
      expect(error).toMatchObject({ code: 'STATECORD_ERR_UNSUPPORTED_COMPRESSION' });
    },
  );

  it('no error message contains the token', () => {
    const error = constructWith({ intents: -1 });
    expect(String((error as Error).message)).not.toContain(TOKEN);
  });

  // Regression (fixed in 519636c): a malformed URL used to pass the constructor and then kill the shard
  // machine on start() with a plain TypeError.
  it('a malformed gatewayUrl → InvalidArgumentError from the constructor', () => {
    const error = constructWith({ gatewayUrl: 'not a url' });
    expect(error).toBeInstanceOf(InvalidArgumentError);
  });
});

describe('valid options', () => {
  it('are accepted, and the shard stays idle until start()', async () => {
    const { gateway } = await startGateway();
    const shard = createShard(shardDefaults(gateway, { shardId: 3, shardCount: 4 }));

    expect(shard.state).toBe('idle');
    expect([shard.id, shard.shardCount]).toEqual([3, 4]);
    expect(shard.session).toBeNull();
    expect(gateway.stats.connections).toBe(0);
  });
});
