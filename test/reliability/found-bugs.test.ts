/**
 * Bugs the reliability work found, kept as regression tests. Each was first committed as `it.fails`
 * with a `// BUG:` note; the marker was removed once the owners of `machines/` fixed it.
 */
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { createShardDelays, defaultShardTiming, shardMachine } from '../../machines/index.js';
import { stubSocket } from '../machines/stub-socket.js';
import { useRigs } from './helpers.js';

const { startGateway, rig } = useRigs();

describe('bugs found by the reliability suite (fixed)', () => {
  // Found by fuzz-machine.property.test.ts (op 9, then time, then READY): `gateway.invalidSession` was
  // handled on the whole `lifecycle` region, so also in `connecting`, before HELLO. op 9 there moved to
  // `identifying.cooldown` (cancelling the HELLO timeout) while the `heartbeat` region stayed in
  // `awaitingHello`: after READY the shard was `ready` with no heartbeat and no zombie detection, and a
  // connection that went silent was kept forever. Fixed in 7d770db (op 9 handled in `connecting`).
  it('pure machine: op 9 before HELLO must not lead to a session without heartbeats (silence reconnects)', async () => {
    const clock = new SimulatedClock();
    let sockets = 0;
    const logic = shardMachine.provide({
      actors: {
        socket: stubSocket({ onOpen: () => (sockets += 1) }),
      },
      delays: createShardDelays(() => 0.5),
    });
    const actor = createActor(logic, { clock, input: { shardId: 0, gatewayUrl: 'ws://gateway' } });
    actor.start();
    actor.send({ type: 'shard.start' });
    actor.send({ type: 'gateway.invalidSession', resumable: false });
    clock.increment(defaultShardTiming.invalidSessionMaxMs);
    await new Promise((resolve) => setImmediate(resolve));
    // With the bug the shard had identified without HELLO, and this READY made it `ready`.
    actor.send({ type: 'gateway.ready', sessionId: 's1', resumeUrl: 'ws://resume' });
    // Nothing arrives any more. A healthy shard notices (no HELLO, no heartbeat ACK) and reconnects.
    for (let second = 0; second < 300 && sockets === 1; second++) clock.increment(1_000);
    actor.stop();
    expect(sockets).toBeGreaterThan(1);
  });

  // The same bug against a real Shard: a gateway that sent op 9 before HELLO got an IDENTIFY before
  // HELLO, and the shard then ran its session without ever heartbeating.
  it('Shard: after op 9 before HELLO, the shard heartbeats or gives the HELLO-less connection up', async () => {
    const gateway = await startGateway({ holdHello: true, heartbeatIntervalMs: 500 });
    let first: number | null = null;
    gateway.onConnection((conn) => {
      if (first === null) {
        first = conn.id;
        conn.invalidateSession(false);
      } else conn.sendHello();
    });
    const r = await rig({}, gateway);
    let heartbeats = 0;
    gateway.on('heartbeat', (beat) => {
      if (beat.connectionId === first) heartbeats += 1;
    });
    void r.shard.start().catch(() => undefined);
    // The helloTimeout is 2 s: by 4 s the shard must have heartbeated there or moved to a new connection.
    await r.until(
      () => heartbeats > 0 || gateway.stats.connections > 1,
      'the shard heartbeats on, or leaves, the connection that never sent HELLO',
      4_000,
    );
  });
});
