import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GatewayIntentBits, GatewayOpcodes, PresenceUpdateStatus } from 'discord-api-types/v10';
import type { GatewayPresenceUpdateData } from 'discord-api-types/v10';
import { InvalidArgumentError, ShardManager, UnsupportedCompressionError } from '../../src/index.js';
import type { ShardManagerOptions } from '../../src/index.js';
import { isZstdStreamSupported } from '../../src/gateway/codec/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import type { FakeGatewayOptions } from '../../src/testing/index.js';
import { countProcessErrors } from '../reliability/helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const processErrors = countProcessErrors();
afterAll(() => processErrors.dispose());

async function startGateway(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
  const gateway = await FakeGateway.start({ heartbeatIntervalMs: 5_000, identifyIntervalMs: 50, ...options });
  cleanups.push(() => gateway.close());
  return gateway;
}

function createManager(gateway: FakeGateway, options: Partial<ShardManagerOptions> = {}): ShardManager {
  const manager = new ShardManager({
    ...gateway.clientOptions,
    intents: GatewayIntentBits.Guilds,
    identifyIntervalMs: gateway.options.identifyIntervalMs,
    timing: { backoffBaseMs: 20, backoffMaxMs: 100 },
    ...options,
  });
  cleanups.push(() => manager.stopShards());
  return manager;
}

/** Resolves with the next `event` of a manager. */
function next<K extends 'shardFailure' | 'budgetExhausted' | 'warning'>(
  manager: ShardManager,
  event: K,
): Promise<Parameters<Parameters<ShardManager['on']>[1]>[0]> {
  return new Promise((resolve) => manager.once(event, resolve));
}

const valid = { token: 'a-token', intents: 1, fetchGatewayInfo: false } as const;

// Regression (issue 11, defect 1): these passed the manager's constructor; createShards() then threw
// from inside an xstate emit handler (an uncaught exception: exit 1) and createMinimumRequiredShards()
// never settled.
describe('new ShardManager(options) checks every option synchronously', () => {
  it.for([
    ['intents: -1', { intents: -1 }, 'intents'],
    ['intents: NaN', { intents: Number.NaN }, 'intents'],
    ['intents: 1.5', { intents: 1.5 }, 'intents'],
    ['largeThreshold: 1', { largeThreshold: 1 }, 'largeThreshold'],
    ['compress: false', { compress: false }, 'compress'],
    ["gatewayUrl: 'not a url'", { gatewayUrl: 'not a url' }, 'gatewayUrl'],
    ['a negative timing', { timing: { backoffMaxMs: -1 } }, 'timing.backoffMaxMs'],
    [
      'a session store without set()',
      { sessionStore: { get: () => null, delete: () => undefined } },
      'sessionStore',
    ],
    ['maxConcurrency: 0', { maxConcurrency: 0 }, 'maxConcurrency'],
    ['identifyIntervalMs: NaN', { identifyIntervalMs: Number.NaN }, 'identifyIntervalMs'],
    ['maxShards: 0', { maxShards: 0 }, 'maxShards'],
    ['a whitespace-only token', { token: ' \n' }, 'token'],
  ] as const)('%s → InvalidArgumentError naming the option', ([, overrides, option]) => {
    expect(() => new ShardManager({ ...valid, ...overrides } as ShardManagerOptions)).toThrow(
      InvalidArgumentError,
    );
    try {
      new ShardManager({ ...valid, ...overrides } as ShardManagerOptions);
    } catch (error) {
      expect(error).toMatchObject({ option });
    }
  });

  it.skipIf(isZstdStreamSupported())(
    "compress: 'zstd-stream' on Node without zstd → UnsupportedCompressionError",
    () => {
      expect(() => new ShardManager({ ...valid, compress: 'zstd-stream' })).toThrow(
        UnsupportedCompressionError,
      );
    },
  );

  it('a presence that makes IDENTIFY larger than 4096 bytes for some shard id → InvalidArgumentError', () => {
    const presence: GatewayPresenceUpdateData = {
      status: PresenceUpdateStatus.Online,
      since: null,
      afk: false,
      activities: [{ name: 'x'.repeat(3_900), type: 0 }],
    };
    expect(() => new ShardManager({ ...valid, presence })).toThrow(/IDENTIFY \d+ bytes/);
  });
});

// Regression (issue 11, defect 10): a manager on a loopback gateway quietly used Discord's REST API.
describe('a manager on a loopback gateway', () => {
  it('without restUrl is refused: it would send a test token to Discord', () => {
    expect(() => new ShardManager({ token: 'a-token', intents: 1, gatewayUrl: 'ws://127.0.0.1:9' })).toThrow(
      expect.objectContaining({ option: 'restUrl' }) as Error,
    );
  });

  it('with FakeGateway.clientOptions reaches the fake only: ready, and GET /gateway/bot answered by it', async () => {
    const gateway = await startGateway({ shardCount: 2 });
    const manager = createManager(gateway);
    await manager.createMinimumRequiredShards();
    await Promise.all(manager.startShards());
    expect(manager.shards.map((shard) => shard.state)).toEqual(['ready', 'ready']);
  });
});

// Regression (issue 11, defect 3): a shard failing before ready crashed the process when
// startShards() was not awaited, although shardFailure fired.
describe('failures reported through events are never unhandled rejections', () => {
  it('startShards() not awaited, a shard closed with 4014: shardFailure fires, nothing is unhandled', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway, { intents: GatewayIntentBits.GuildMembers }); // privileged
    manager.createSingleShard();
    const failure = next(manager, 'shardFailure');
    void manager.startShards();
    expect(await failure).toMatchObject({ reason: 'DisallowedIntents' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(processErrors.rejections).toEqual([]);
  });

  it('the promises of startShards() still reject for a caller who awaits them', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway, { intents: GatewayIntentBits.GuildMembers });
    manager.createSingleShard();
    await expect(Promise.all(manager.startShards())).rejects.toMatchObject({
      code: 'STATECORD_ERR_DISALLOWED_INTENTS',
    });
  });
});

// Regression (issue 11, defects 5 and 8).
describe('limits a manager keeps', () => {
  it('budgetExhausted is an event of the manager itself', async () => {
    const gateway = await startGateway({
      sessionStartLimit: { total: 1_000, remaining: 1, resetAfter: 3_600_000 },
    });
    const manager = createManager(gateway);
    manager.createShards(2);
    const exhausted = next(manager, 'budgetExhausted');
    void manager.startShards();
    const ready = gateway.waitFor('ready', undefined, { timeoutMs: 5_000 });
    expect(await exhausted).toMatchObject({ waiting: 1 });
    await ready;
    expect(gateway.received.filter((frame) => frame.op === GatewayOpcodes.Identify)).toHaveLength(1);
    expect(gateway.stats.sessionStartLimitExceeded).toBe(0);
  });

  it('a recommended shard count above maxShards is refused with TooManyShardsError, creating none', async () => {
    const gateway = await startGateway({ shardCount: 10_000 });
    const manager = createManager(gateway);
    await expect(manager.createMinimumRequiredShards()).rejects.toMatchObject({
      code: 'STATECORD_ERR_TOO_MANY_SHARDS',
      requested: 10_000,
      maxShards: 2_500,
    });
    expect(manager.shards).toEqual([]);
    expect(manager.state).toBe('idle');
  });

  it('createShards(count) above maxShards is refused', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway, { maxShards: 4 });
    expect(() => manager.createShards(5)).toThrow(
      expect.objectContaining({ code: 'STATECORD_ERR_TOO_MANY_SHARDS' }) as Error,
    );
  });
});
