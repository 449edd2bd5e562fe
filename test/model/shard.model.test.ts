import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardMachine, voiceActorId } from '../../machines/index.js';
import { Shard } from '../../src/shard/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import { ManualIdentifyGate } from '../../src/testing/model/manual-identify-gate.js';
import { transitionKey } from '../../src/testing/model/transitions.js';
import {
  listTransitionKeys,
  runShardPath,
  shardModelPaths,
  shardModelSkippedEvents,
} from '../../src/testing/model/index.js';

const model = shardModelPaths();
const allTransitions = listTransitionKeys(shardMachine);
const taken = new Set<string>();
let gateway: FakeGateway;
// After the first failing path the rest are skipped: one clear failure beats hundreds of time-outs.
let firstFailure: string | null = null;

beforeAll(async () => {
  gateway = await FakeGateway.start({
    holdHello: true,
    holdHandshake: true,
    identifyIntervalMs: 0,
    sessionStartLimit: { total: 1_000_000, remaining: 1_000_000, resetAfter: 86_400_000 },
    // Heartbeats are driven by the model's clock; the gateway's watchdog must not interfere.
    heartbeatGraceMs: 600_000,
  });
});

afterAll(async () => {
  await gateway.close();
  const covered = allTransitions.filter((key) => taken.has(key));
  console.log(`shard transition coverage: ${covered.length}/${allTransitions.length}`);
});

describe('the shard model', () => {
  it('explores the machine without reaching an error state', () => {
    expect(model.errors).toEqual([]);
    expect(model.paths.length).toBe(model.edges);
  });

  it('can drive every live state to a silent gateway and to refused resumes', () => {
    expect(model.probeErrors).toEqual([]);
    expect(model.probes.some((probe) => probe.kind === 'silence')).toBe(true);
    expect(model.probes.some((probe) => probe.kind === 'refused-resumes')).toBe(true);
  });
});

// Edge paths first, then the probes; the protocol oracles judge every one of them (runShardPath).
const allPaths = [...model.paths, ...model.probes];

describe('every path of the shard model, run on a real Shard against the FakeGateway', () => {
  it.for(allPaths.map((path, index) => [index, path] as const))('path %i', async ([index, path], context) => {
    if (firstFailure !== null) context.skip(`an earlier path failed: ${firstFailure}`);
    try {
      await runShardPath({
        gateway,
        path,
        compress: index % 2 === 0 ? 'none' : 'zlib-stream',
        onTransition: (key) => taken.add(key),
      });
    } catch (error) {
      firstFailure = `path ${index}`;
      throw error;
    }
  });

  // The model leaves voice events out (they do not change the gateway lifecycle, and a voice connection
  // has a model of its own); the shard's two voice transitions are taken here, on a real Shard.
  it('a voice connection is a child actor of the shard: opened and closed through shard.voice', async () => {
    expect([...shardModelSkippedEvents]).toEqual(['shard.openVoice', 'shard.closeVoice']);
    const shard = new Shard({
      ...gateway.clientOptions,
      intents: 0,
      identifyGate: new ManualIdentifyGate(),
      // The voice actor's own transitions land here too; only the shard's keys count (allTransitions).
      inspect: (event) => {
        if (event.type !== '@xstate.microstep') return;
        for (const transition of event._transitions) taken.add(transitionKey(transition));
      },
    });
    const connection = shard.voice.open('81384788765712384', '81384788765712390');
    expect(shard.snapshot.children[voiceActorId('81384788765712384')]).toBeDefined();
    await connection.leave();
    expect(shard.snapshot.children[voiceActorId('81384788765712384')]).toBeUndefined();
    await shard.stop();
  });

  it('took every transition the machine defines', () => {
    const missing = allTransitions.filter((key) => !taken.has(key));
    expect(missing).toEqual([]);
  });
});
