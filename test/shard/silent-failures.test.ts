import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import { BucketIdentifyGate } from '../../src/shard/index.js';
import { resetReportedWarnings } from '../../src/util/process-warning.js';
import { GUILD_ID, INTENTS, TEST_TIMING, TOKEN, nextEvent, shardDefaults, useShardRigs } from './harness.js';

const { rig, readyRig, createShard, startGateway } = useShardRigs();

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Node's process warnings while a test runs. */
function captureProcessWarnings(): { readonly warnings: Array<Error & { code?: string }>; dispose(): void } {
  const warnings: Array<Error & { code?: string }> = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  return { warnings, dispose: () => process.off('warning', onWarning) };
}

beforeEach(() => resetReportedWarnings());
afterEach(() => resetReportedWarnings());

// Regression (issue 11, defect 9): these failed silently (nothing printed, nothing thrown).
describe('faults the shard recovers from are never silent', () => {
  it('a gatewayUrl nobody listens on: each failed connect is a GatewayConnectionError warning', async () => {
    const port = await closedPort();
    const shard = createShard({
      token: TOKEN,
      intents: INTENTS,
      gatewayUrl: `ws://127.0.0.1:${port}`,
      identifyGate: new BucketIdentifyGate({ intervalMs: 0 }),
      timing: TEST_TIMING,
    });
    const warning = nextEvent(shard, 'warning');
    shard.start().catch(() => undefined);
    const { error } = await warning;
    expect(error).toMatchObject({
      code: 'STATECORD_ERR_GATEWAY_CONNECTION',
      cause: { code: 'ECONNREFUSED' },
    });
    expect(error.message).toContain(`ws://127.0.0.1:${port}`);
  });

  it('without a warning listener the warning goes to process.emitWarning, once per code', async () => {
    const port = await closedPort();
    const captured = captureProcessWarnings();
    try {
      const shard = createShard({
        token: TOKEN,
        intents: INTENTS,
        gatewayUrl: `ws://127.0.0.1:${port}`,
        identifyGate: new BucketIdentifyGate({ intervalMs: 0 }),
        timing: { ...TEST_TIMING, backoffBaseMs: 1, backoffMaxMs: 5 },
      });
      shard.start().catch(() => undefined);
      // Several failed connects: wait for the machine's reconnect count rather than for time.
      await new Promise<void>((resolve) => {
        const check = () =>
          shard.snapshot.context.reconnectAttempts >= 4 ? resolve() : setTimeout(check, 5);
        check();
      });
      const ours = captured.warnings.filter((warning) => warning.code === 'STATECORD_ERR_GATEWAY_CONNECTION');
      expect(ours).toHaveLength(1);
      expect(ours[0]?.message).not.toContain(TOKEN);
    } finally {
      captured.dispose();
    }
  });

  it('a HELLO timeout is a GatewayTimeoutError warning', async () => {
    const r = await rig({ shard: { timing: { ...TEST_TIMING, helloTimeoutMs: 50 } } });
    r.hello.hold();
    const warning = nextEvent(r.shard, 'warning');
    r.shard.start().catch(() => undefined);
    expect((await warning).error).toMatchObject({
      code: 'STATECORD_ERR_GATEWAY_TIMEOUT',
      awaited: 'hello',
      timeoutMs: 50,
    });
  });

  it('a shard that fails for good without a failure listener reports it as a warning', async () => {
    const { gateway, hello } = await startGateway();
    hello.release();
    // GUILD_MEMBERS is privileged and the fake application is not allowed it: close 4014.
    const shard = createShard(shardDefaults(gateway, { intents: GatewayIntentBits.GuildMembers }));
    const warning = nextEvent(shard, 'warning');
    await expect(shard.start()).rejects.toMatchObject({ reason: 'DisallowedIntents' });
    expect((await warning).error).toMatchObject({ code: 'STATECORD_ERR_DISALLOWED_INTENTS' });
  });
});

describe('requests Discord would never answer reject at once', () => {
  it('the whole member list without GUILD_MEMBERS → MissingIntentError, nothing sent', async () => {
    const r = await readyRig();
    await expect(
      r.shard.gateway.requestGuildMembers({ guild_id: GUILD_ID, query: '', limit: 0 }),
    ).rejects.toMatchObject({
      code: 'STATECORD_ERR_MISSING_INTENT',
      intent: 'GuildMembers',
    });
    expect(r.gateway.received.filter((frame) => frame.op === GatewayOpcodes.RequestGuildMembers)).toEqual([]);
  });

  it('presences without GUILD_PRESENCES → MissingIntentError', async () => {
    const r = await readyRig();
    await expect(
      r.shard.gateway.requestGuildMembers({ guild_id: GUILD_ID, user_ids: ['1'], presences: true }),
    ).rejects.toMatchObject({ code: 'STATECORD_ERR_MISSING_INTENT', intent: 'GuildPresences' });
  });

  it.for([
    ['both query and user_ids', { guild_id: GUILD_ID, query: 'a', limit: 1, user_ids: ['1'] }],
    ['neither query nor user_ids', { guild_id: GUILD_ID }],
    ['query without limit', { guild_id: GUILD_ID, query: 'a' }],
    ['101 user_ids', { guild_id: GUILD_ID, user_ids: Array.from({ length: 101 }, (_, i) => String(i + 1)) }],
    ['a guild_id that is no snowflake', { guild_id: 'general', user_ids: ['1'] }],
  ] as const)('%s → InvalidArgumentError', async ([, request]) => {
    const r = await readyRig();
    await expect(r.shard.gateway.requestGuildMembers(request as never)).rejects.toMatchObject({
      code: 'STATECORD_ERR_INVALID_ARGUMENT',
    });
  });

  it('a member request with the intent is sent (the checks do not block valid requests)', async () => {
    const r = await readyRig({
      gateway: { privilegedIntents: GatewayIntentBits.GuildMembers },
      shard: { intents: INTENTS | GatewayIntentBits.GuildMembers },
    });
    const result = await r.shard.gateway.requestGuildMembers({ guild_id: GUILD_ID, query: '', limit: 0 });
    expect(result.guildId).toBe(GUILD_ID);
  });
});
