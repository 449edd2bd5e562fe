import { describe, expect, it } from 'vitest';
import { isZstdStreamSupported } from '../../src/gateway/codec/index.js';
import { nextEvent, useShardRigs, waitForGateway } from './harness.js';

// zstd exists in node:zlib from Node 22.15 / 23.8 (docs/protocol/gateway.md §1.5); `.ci/run` runs this
// file on Node 22 and 24 as well as on the machine's Node.
const zstd = isZstdStreamSupported();
if (!zstd) {
  console.info(
    `zstd-stream end-to-end test skipped: Node ${process.version} has no zstd (needs ≥ 22.15; .ci/run runs it on Node 22 and 24)`,
  );
}

const { readyRig } = useShardRigs();

describe.skipIf(!zstd)('a shard over compress=zstd-stream', () => {
  it('gets READY, receives dispatches, and resumes after a dropped connection without a loss', async () => {
    const r = await readyRig({ shard: { compress: 'zstd-stream' } });
    expect(r.connection.query.compression).toBe('zstd-stream');
    await r.sendAndReceive(3);
    const sessionId = r.sessionId;

    const reconnected = nextEvent(r.shard, 'reconnected');
    const nextConnection = waitForGateway(r.gateway, 'connection');
    r.connection.terminate();
    r.send(2); // in flight or buffered for the session: replayed by the resume
    const connection = await nextConnection;
    expect(await reconnected).toEqual({ sessionId, isNewSession: false });
    expect(connection.query.compression).toBe('zstd-stream');
    await r.sendAndReceive(3);

    r.expectDeliveredExactlyOnce(sessionId);
    expect(r.gateway.stats.identifies).toBe(1);
    expect(r.gateway.stats.resumes).toBe(1);
  });
});
