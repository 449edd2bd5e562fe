import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { FakeGateway, runShardPath } from '../../src/testing/index.js';
import type { ShardModelPath } from '../../src/testing/index.js';

/** Any path: the gateway's options are checked before the first step. */
const path: ShardModelPath = {
  steps: [{ event: { type: 'shard.start' }, state: '{}' }],
  edge: 'a start',
};

let gateway: FakeGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

describe('runShardPath with a gateway that does not hold HELLO and the handshake', () => {
  it('throws InvalidArgumentError naming both missing options, before connecting', async () => {
    gateway = await FakeGateway.start();
    const run = runShardPath({ gateway, path });
    await expect(run).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(run).rejects.toThrow(/holdHello: true and holdHandshake: true/);
    expect(gateway.stats.connections).toBe(0);
  });

  it('names only the option that is missing', async () => {
    gateway = await FakeGateway.start({ holdHello: true });
    const error: unknown = await runShardPath({ gateway, path }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).option).toBe('holdHandshake');
    expect((error as Error).message).toMatch(/started with holdHandshake: true \(/);
  });
});
