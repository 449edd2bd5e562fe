import { describe, expect, it } from 'vitest';
import { GatewayOpcodes } from 'discord-api-types/v10';
import type { FakeGateway } from '../../src/testing/index.js';
import { nextEvent, useShardRigs } from './harness.js';

const { rig } = useShardRigs();

/**
 * Answers every IDENTIFY, and cuts the TCP connection of the first `drops` RESUMEs before answering
 * them (the gateway holds handshakes until told), as a flaky network would.
 */
function dropResumes(gateway: FakeGateway, drops: number): { readonly dropped: () => number } {
  let dropped = 0;
  gateway.on('frame', (frame) => {
    const connection = gateway.connections.find((candidate) => candidate.id === frame.connectionId);
    if (connection === undefined) return;
    if (frame.op === GatewayOpcodes.Identify) setImmediate(() => connection.releaseHandshake());
    if (frame.op !== GatewayOpcodes.Resume) return;
    if (dropped < drops) {
      dropped += 1;
      connection.terminate();
    } else setImmediate(() => connection.releaseHandshake());
  });
  return { dropped: () => dropped };
}

// Regression (issue 11, defect 7): under TCP drops, RESUMEs cut off by the transport counted as failed
// attempts, so after maxResumeAttempts (3) the shard identified and lost the session's events.
describe('RESUMEs cut off by the transport before an answer', () => {
  it('do not count as failed attempts: the shard resumes its session after more drops than attempts allowed', async () => {
    const r = await rig({ gateway: { holdHandshake: true } });
    const drops = dropResumes(r.gateway, 6);
    await r.shard.start();
    await r.sendAndReceive(2);
    const sessionId = r.sessionId;

    r.connection.terminate();
    r.send(3); // buffered by the gateway while the shard cannot get back
    await nextEvent(r.shard, 'reconnected', () => true, 15_000);

    expect(drops.dropped()).toBe(6);
    expect(r.eventsOf('reconnected')).toEqual([{ sessionId, isNewSession: false }]);
    expect(r.eventsOf('sessionLost')).toEqual([]);
    expect(r.gateway.stats.identifies).toBe(1);
    r.expectDeliveredExactlyOnce(sessionId);
  });
});
