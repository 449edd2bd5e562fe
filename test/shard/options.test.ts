import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnsupportedCompressionError } from '../../src/errors.js';
import { isZstdStreamSupported } from '../../src/gateway/codec/index.js';
import type { ShardOptions } from '../../src/shard/index.js';
import { INTENTS, TOKEN, shardDefaults, useShardRigs } from './harness.js';

const { startGateway, createShard } = useShardRigs();

/** Options that are valid apart from what a test overrides; the URL is never dialled. */
const valid: ShardOptions = { token: TOKEN, intents: INTENTS, gatewayUrl: 'ws://127.0.0.1:9' };

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
