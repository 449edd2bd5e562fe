/**
 * An example for users of `statecord/testing`: run your own bot logic along every lifecycle path of
 * the shard model. The bot under test sets its presence whenever its session becomes live, including
 * after every reconnect; the check is made on the wire, on the fake gateway.
 */
import { ActivityType, GatewayOpcodes, PresenceUpdateStatus } from 'discord-api-types/v10';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Shard } from '../../src/index.js';
import { FakeGateway, runShardPath, shardModelPaths } from '../../src/testing/index.js';

/** The bot logic under test. */
function keepPresence(shard: Shard): void {
  const setPresence = () => {
    shard.gateway
      .updateStatus({
        status: PresenceUpdateStatus.Online,
        since: null,
        afk: false,
        activities: [{ name: 'statecord', type: ActivityType.Playing }],
      })
      .catch(() => undefined); // a stop while queued rejects; that is fine for this bot
  };
  shard.on('connected', setPresence);
  shard.on('reconnected', setPresence);
}

// Paths along which the session becomes live at least twice: there was a reconnect.
const paths = shardModelPaths().paths.filter(
  (path) =>
    path.steps.filter((step) => step.event.type === 'gateway.ready' || step.event.type === 'gateway.resumed')
      .length >= 2,
);
let gateway: FakeGateway;

beforeAll(async () => {
  gateway = await FakeGateway.start({
    holdHello: true,
    holdHandshake: true,
    identifyIntervalMs: 0,
    heartbeatGraceMs: 600_000,
    sessionStartLimit: { total: 1_000_000, remaining: 1_000_000, resetAfter: 86_400_000 },
  });
});
afterAll(() => gateway.close());

it.for(paths.slice(0, 40).map((path, index) => [index, path] as const))(
  'the bot sets its presence after every reconnect (path %i)',
  async ([, path]) => {
    let becameLive = 0;
    await runShardPath({
      gateway,
      path,
      setup: ({ shard }) => keepPresence(shard),
      afterStep: async (step, { shard }) => {
        if (
          shard.state !== 'ready' ||
          (step.event.type !== 'gateway.ready' && step.event.type !== 'gateway.resumed')
        )
          return;
        becameLive += 1;
        const connection = gateway.connections.at(-1)!;
        await gateway
          .waitFor('frame', () => presenceUpdatesOn(connection.id) >= 1, { timeoutMs: 2_000 })
          .catch(() => undefined);
        expect(presenceUpdatesOn(connection.id), `presence after becoming live #${becameLive}`).toBe(1);
      },
    });
    expect(becameLive).toBeGreaterThanOrEqual(2);
  },
);

function presenceUpdatesOn(connectionId: number): number {
  return gateway.received.filter(
    (frame) => frame.connectionId === connectionId && frame.op === GatewayOpcodes.PresenceUpdate,
  ).length;
}
