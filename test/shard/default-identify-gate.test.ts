import { describe, expect, it } from 'vitest';
import { GatewayOpcodes } from 'discord-api-types/v10';
import { INTENTS, RANDOM, TEST_TIMING, nextEvent, useShardRigs, waitForGateway } from './harness.js';

const { startGateway, createShard } = useShardRigs();

// Regression (issue 11, defect 8): a standalone Shard spent the daily session-start budget unguarded
// (its default gate only spaced identifies 5 s apart); at Discord an overrun resets the token.
describe("a standalone Shard's default identify gate", () => {
  it('asks GET /gateway/bot and holds an identify once the daily budget is spent, reporting budgetExhausted', async () => {
    const { gateway, hello } = await startGateway({
      sessionStartLimit: { total: 1_000, remaining: 1, resetAfter: 3_600_000 },
    });
    hello.release();
    const shard = createShard({
      ...gateway.clientOptions,
      intents: INTENTS,
      random: RANDOM,
      timing: TEST_TIMING,
    });
    await shard.start();
    const exhausted = nextEvent(shard, 'budgetExhausted');

    // op 9 d:false: the session is gone and the shard would identify again; the budget has none left.
    const [connection] = gateway.connections;
    connection?.invalidateSession(false);

    expect(await exhausted).toMatchObject({ waiting: 1 });
    expect(gateway.stats.identifies).toBe(1);
    expect(gateway.stats.sessionStartLimitExceeded).toBe(0);
    expect(gateway.received.filter((frame) => frame.op === GatewayOpcodes.Identify)).toHaveLength(1);
  });

  it('a token GET /gateway/bot rejects fails the shard as AuthenticationFailed without an IDENTIFY', async () => {
    const { gateway, hello } = await startGateway();
    hello.release();
    const shard = createShard({
      ...gateway.clientOptions,
      token: 'not-the-token',
      intents: INTENTS,
      timing: TEST_TIMING,
    });
    const failure = nextEvent(shard, 'failure');
    await expect(shard.start()).rejects.toMatchObject({ code: 'STATECORD_ERR_AUTHENTICATION_FAILED' });
    expect(await failure).toMatchObject({ reason: 'AuthenticationFailed', closeCode: null });
    expect(gateway.received.filter((frame) => frame.op === GatewayOpcodes.Identify)).toEqual([]);
    expect(shard.state).toBe('failed');
  });

  it('GET /gateway/bot failing otherwise is a warning, and the shard identifies with the default limits', async () => {
    const { gateway, hello } = await startGateway();
    hello.release();
    const shard = createShard({
      ...gateway.clientOptions,
      restUrl: 'http://127.0.0.1:9/api/v10', // nothing listens there
      intents: INTENTS,
      timing: TEST_TIMING,
    });
    const warning = nextEvent(shard, 'warning', ({ context }) => context.includes('/gateway/bot'), 30_000);
    const ready = waitForGateway(gateway, 'ready', undefined, 30_000);
    shard.start().catch(() => undefined);
    expect((await warning).error).toMatchObject({ code: 'STATECORD_ERR_HTTP_NETWORK' });
    await ready;
  }, 40_000);
});
