import { describe, expect, it } from 'vitest';
import { GatewayOpcodes } from 'discord-api-types/v10';
import { nextEvent, useShardRigs } from './harness.js';

const { rig } = useShardRigs();

// Regression (issue 11, defect 6): intervals above 2^31 − 1 ms or below 1 ms were accepted; Node clamps
// such a timer to 1 ms (TimeoutOverflowWarning) and every connection was killed as a zombie.
describe('a HELLO whose heartbeat_interval no timer can honour', () => {
  it.for([2 ** 31, 0.5, 0, -41_250])(
    'heartbeat_interval %d is a decode error of that frame: warned, and the shard reconnects',
    async (interval) => {
      const r = await rig();
      r.hello.hold();
      const connected = nextEvent(r.shard, 'connected');
      const warning = nextEvent(r.shard, 'warning');
      r.shard.start().catch(() => undefined);
      await r.gateway.waitFor('connection', undefined, { timeoutMs: 3_000 });
      const [first] = r.hello.takeWaiting();
      if (first === undefined) throw new Error('no connection waiting for Hello');
      first.sendPayload({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: interval } });

      expect(await warning).toMatchObject({ error: { code: 'STATECORD_ERR_DECODE' } });
      expect((await warning).error.message).toMatch(/heartbeat_interval/);
      r.hello.release();
      await connected;
      expect(r.gateway.stats.connections).toBe(2);
      // The rejected HELLO never reached the machine: no heartbeat on the first connection.
      expect(
        r.gateway.received.filter(
          (frame) => frame.connectionId === first.id && frame.op === GatewayOpcodes.Heartbeat,
        ),
      ).toEqual([]);
    },
  );
});
