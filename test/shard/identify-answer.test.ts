import { describe, expect, it } from 'vitest';
import type { IdentifyGate } from '../../src/shard/identify-gate.js';
import { nextEvent, useShardRigs, waitForGateway } from './harness.js';

const { rig } = useShardRigs();

/** An identify gate that lets every identify go at once and records what the shard tells it. */
class RecordingGate implements IdentifyGate {
  readonly calls: string[] = [];

  waitForIdentify(shardId: number): Promise<void> {
    this.calls.push(`wait ${shardId}`);
    return Promise.resolve();
  }

  identifyAnswered(shardId: number): void {
    this.calls.push(`answered ${shardId}`);
  }
}

/** Resolves once `gate` recorded `count` answers (polling: the call has no event of its own). */
async function answers(gate: RecordingGate, count: number): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    if (gate.calls.filter((call) => call.startsWith('answered')).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`only ${gate.calls.join(', ')}`);
}

describe('the shard tells its identify gate when the gateway answered its IDENTIFY (docs/protocol/gateway.md §5)', () => {
  it('on READY, once', async () => {
    const gate = new RecordingGate();
    const r = await rig({ shard: { identifyGate: gate, shardId: 1, shardCount: 2 } });
    await r.shard.start();

    expect(gate.calls).toEqual(['wait 1', 'answered 1']);
  });

  it('on op 9, before it asks for the next identify', async () => {
    const gate = new RecordingGate();
    // No session starts left: the gateway answers IDENTIFY with op 9 d:false.
    const r = await rig({
      gateway: { sessionStartLimit: { total: 1000, remaining: 0 } },
      shard: { identifyGate: gate },
    });
    void r.shard.start().catch(() => undefined);
    await waitForGateway(r.gateway, 'identify', (attempt) => attempt.outcome === 'invalid-session');
    await answers(gate, 1);

    expect(gate.calls.slice(0, 2)).toEqual(['wait 0', 'answered 0']);
  });

  it('when the connection closes before any answer', async () => {
    const gate = new RecordingGate();
    const r = await rig({ gateway: { holdHandshake: true }, shard: { identifyGate: gate } });
    void r.shard.start().catch(() => undefined);
    await waitForGateway(r.gateway, 'identify');
    expect(gate.calls).toEqual(['wait 0']);

    r.gateway.connections[0]?.terminate();
    await nextEvent(r.shard, 'stateChange', ({ to }) => to === 'reconnecting');

    expect(gate.calls).toEqual(['wait 0', 'answered 0']);
  });
});
