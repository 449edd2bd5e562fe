import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardMachine } from '../../machines/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import { listTransitionKeys, runShardPath, shardModelPaths } from '../../src/testing/model/index.js';

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
  console.log(`transition coverage: ${covered.length}/${allTransitions.length}`);
});

describe('the shard model', () => {
  it('explores the machine without reaching an error state', () => {
    expect(model.errors).toEqual([]);
    expect(model.paths.length).toBe(model.edges);
  });
});

describe('every path of the shard model, run on a real Shard against the FakeGateway', () => {
  it.for(model.paths.map((path, index) => [index, path] as const))(
    'path %i',
    async ([index, path], context) => {
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
    },
  );

  it('took every transition the machine defines', () => {
    const missing = allTransitions.filter((key) => !taken.has(key));
    expect(missing).toEqual([]);
  });
});
