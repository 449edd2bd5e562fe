import { describe, expect, it, vi } from 'vitest';
import { GatewayIntentBits, PresenceUpdateStatus } from 'discord-api-types/v10';
import type { GatewayPresenceUpdateData } from 'discord-api-types/v10';
import {
  AuthenticationFailedError,
  DisallowedIntentsError,
  InvalidApiVersionError,
  InvalidIntentsError,
  InvalidShardError,
  ShardingRequiredError,
} from '../../src/errors.js';
import type { ShardFailureError, ShardFailureReason } from '../../src/errors.js';
import type { ShardOptions } from '../../src/shard/index.js';
import type { FakeGatewayOptions } from '../../src/testing/index.js';
import {
  TEST_TIMING,
  expectNoConnectionWithin,
  nextEvent,
  settlement,
  useShardRigs,
  waitForGateway,
} from './harness.js';
import type { Rig } from './harness.js';

const { rig, readyRig } = useShardRigs();

/** Twice the longest back-off (50 ms; at most 2.5 ms with the test randomness): a retry would come within it. */
const NO_RETRY_WINDOW_MS = 2 * TEST_TIMING.backoffMaxMs;

type ErrorClass = abstract new (...args: never[]) => ShardFailureError;

interface FatalCase {
  readonly code: number;
  readonly how: string;
  readonly reason: ShardFailureReason;
  readonly errorClass: ErrorClass;
  readonly errorCode: string;
  readonly gateway?: FakeGatewayOptions;
  readonly shard?: Partial<ShardOptions>;
  /** For a code the fake cannot produce from what the shard sends: close with it when Hello would go. */
  readonly closeOnConnect?: boolean;
}

const cases: FatalCase[] = [
  {
    code: 4004,
    how: 'a wrong token',
    reason: 'AuthenticationFailed',
    errorClass: AuthenticationFailedError,
    errorCode: 'STATECORD_ERR_AUTHENTICATION_FAILED',
    shard: { token: 'not-the-right-token' },
  },
  {
    code: 4010,
    how: 'a shard count that is not a multiple of the large-bot factor',
    reason: 'InvalidShard',
    errorClass: InvalidShardError,
    errorCode: 'STATECORD_ERR_INVALID_SHARD',
    gateway: { largeBotShardFactor: 16 },
    shard: { shardId: 0, shardCount: 2 },
  },
  {
    code: 4011,
    how: 'more guilds on the shard than it may hold',
    reason: 'ShardingRequired',
    errorClass: ShardingRequiredError,
    errorCode: 'STATECORD_ERR_SHARDING_REQUIRED',
    gateway: {
      maxGuildsPerShard: 2,
      guilds: [{ id: '81384788765712384' }, { id: '81384788765712385' }, { id: '81384788765712386' }],
    },
  },
  {
    code: 4012,
    how: 'the gateway refusing the API version',
    reason: 'InvalidApiVersion',
    errorClass: InvalidApiVersionError,
    errorCode: 'STATECORD_ERR_INVALID_API_VERSION',
    closeOnConnect: true,
  },
  {
    code: 4013,
    how: 'an intents bitfield with an undefined bit',
    reason: 'InvalidIntents',
    errorClass: InvalidIntentsError,
    errorCode: 'STATECORD_ERR_INVALID_INTENTS',
    shard: { intents: GatewayIntentBits.Guilds | (1 << 17) },
  },
  {
    code: 4014,
    how: 'a privileged intent the application is not allowed',
    reason: 'DisallowedIntents',
    errorClass: DisallowedIntentsError,
    errorCode: 'STATECORD_ERR_DISALLOWED_INTENTS',
    shard: { intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers },
  },
];

async function expectFailedForGood(r: Rig, fatal: FatalCase, error: unknown): Promise<void> {
  expect(error).toBeInstanceOf(fatal.errorClass);
  expect(error).toMatchObject({ code: fatal.errorCode, closeCode: fatal.code, reason: fatal.reason });
  expect(r.shard.state).toBe('failed');
  expect(r.shard.failure).toBe(error);
  expect(r.eventsOf('failure')).toEqual([{ reason: fatal.reason, closeCode: fatal.code, error }]);
  const identifies = r.gateway.stats.identifies;
  await expectNoConnectionWithin(r.gateway, NO_RETRY_WINDOW_MS);
  expect(r.gateway.stats.identifies).toBe(identifies);
  // A later start() does not try again either.
  await expect(r.shard.start()).rejects.toBe(error);
  expect(r.gateway.stats.connections).toBe(1);
}

describe('a fatal close code', () => {
  it.for(cases.map((fatal) => [fatal.code, fatal.how, fatal] as const))(
    '%i (%s) fails the shard for good: start() rejects, failure is emitted, nothing retries',
    async ([, , fatal]) => {
      const r = await rig({ gateway: fatal.gateway ?? {}, shard: fatal.shard ?? {} });
      if (fatal.closeOnConnect === true) {
        r.hello.hold();
        r.gateway.onConnection((connection) => connection.close(fatal.code));
      }

      const error: unknown = await r.shard.start().then(
        () => new Error('start() resolved'),
        (rejection: unknown) => rejection,
      );

      // The gateway records the close when its side of the socket is gone, maybe after the shard saw it.
      const close = r.gateway.closes[0] ?? (await waitForGateway(r.gateway, 'close'));
      expect(close).toMatchObject({ code: fatal.code, initiator: 'server' });
      expect(r.gateway.stats.identifies).toBe(0);
      await expectFailedForGood(r, fatal, error);
    },
  );

  it.for(cases.map((fatal) => [fatal.code, fatal] as const))(
    '%i sent to a ready shard fails it without a reconnect',
    async ([, fatal]) => {
      const r = await readyRig();
      const failure = nextEvent(r.shard, 'failure');
      r.connection.close(fatal.code);
      const { error } = await failure;

      expect(r.eventsOf('reconnected')).toEqual([]);
      expect(r.eventsOf('stateChange').at(-1)).toEqual({ from: 'ready', to: 'failed' });
      await expectFailedForGood(r, fatal, error);
    },
  );
});

describe('commands and a fatal close', () => {
  const PRESENCE: GatewayPresenceUpdateData = {
    since: null,
    activities: [],
    status: PresenceUpdateStatus.Online,
    afk: false,
  };

  it('commands waiting for the session reject with the failure error when the shard fails', async () => {
    const r = await readyRig();
    r.hello.hold();
    const next = waitForGateway(r.gateway, 'connection');
    r.connection.terminate();
    const connection = await next;
    const command = r.shard.gateway.updateStatus(PRESENCE);
    const members = r.shard.gateway.requestGuildMembers({ guild_id: '81384788765712384', user_ids: ['1'] });
    const rejected = Promise.all([
      expect(command).rejects.toBeInstanceOf(AuthenticationFailedError),
      expect(members).rejects.toBeInstanceOf(AuthenticationFailedError),
    ]);

    connection.close(4004);
    await rejected;
    expect(r.shard.state).toBe('failed');
  });

  // Regression (found by this suite, fixed in 519636c): the sender was only cleared on failure, so a
  // command issued afterwards waited for a connection that never comes.
  it('a command issued after the shard failed rejects at once with the failure error', async () => {
    const r = await rig({ shard: { token: 'not-the-right-token' } });
    await expect(r.shard.start()).rejects.toBeInstanceOf(AuthenticationFailedError);

    const outcome = await settlement(r.shard.gateway.updateStatus(PRESENCE), 100);
    expect(outcome).toEqual({ status: 'rejected', error: r.shard.failure });
  });

  // Regression (fixed in 519636c): stop() sent shard.stop to the final machine, and xstate's development
  // build printed "Event … was sent to stopped actor" for this ordinary clean-up call.
  it('stop() on a failed shard resolves quietly', async () => {
    const r = await rig({ shard: { token: 'not-the-right-token' } });
    await expect(r.shard.start()).rejects.toBeInstanceOf(AuthenticationFailedError);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await r.shard.stop();
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
    expect(r.shard.state).toBe('failed');
  });
});
