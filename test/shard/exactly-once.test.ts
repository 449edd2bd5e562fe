import { describe, expect, it } from 'vitest';
import { GatewayOpcodes } from 'discord-api-types/v10';
import type { GatewayCompression } from '../../src/gateway/gateway-url.js';
import type { FakeGatewayConnection } from '../../src/testing/index.js';
import { nextEvent, useShardRigs, waitForGateway } from './harness.js';
import type { Rig } from './harness.js';

const { readyRig } = useShardRigs();

/** How the gateway connection is lost, and whether the gateway can still send on it right after. */
interface CutOff {
  readonly name: string;
  readonly cut: (connection: FakeGatewayConnection) => void;
  /** Dispatch right after the cut (on a dying socket, or buffered). Not for a zombie: any frame is life. */
  readonly inFlight: boolean;
  readonly heartbeatIntervalMs?: number;
  /** The close the gateway records for the lost connection. */
  readonly expectedClose: { code: number; initiator: 'server' | 'client' | 'transport' };
}

const serverClose = (code: number): CutOff => ({
  name: `the gateway closes with ${code}`,
  cut: (connection) => connection.close(code),
  inFlight: true,
  expectedClose: { code, initiator: 'server' },
});

const cutOffs: CutOff[] = [
  {
    name: 'the TCP connection drops (terminate)',
    cut: (connection) => connection.terminate(),
    inFlight: true,
    expectedClose: { code: 1006, initiator: 'server' },
  },
  {
    name: 'the gateway sends op 7 Reconnect',
    cut: (connection) => connection.sendReconnect({ closeAfterMs: null }),
    inFlight: true,
    // The shard closes first, with a code that keeps the session (never 1000/1001).
    expectedClose: { code: 4000, initiator: 'client' },
  },
  {
    name: 'the connection is a zombie (heartbeat ACKs stop)',
    cut: (connection) => connection.stopHeartbeatAcks(),
    inFlight: false,
    heartbeatIntervalMs: 150,
    // The shard drops the zombie without a handshake.
    expectedClose: { code: 1006, initiator: 'transport' },
  },
  ...[4000, 4001, 4002, 4005, 4008].map(serverClose),
  // Codes the close-code table does not list: 1000 from the server, a private 3xxx and 4xxx code.
  ...[1000, 3000, 4999].map(serverClose),
];

/**
 * Dispatches before the cut, in flight, while the shard is disconnected (buffered by the gateway for
 * the session) and after the resume; then checks that every one arrived exactly once, in order.
 */
async function cutOffAndResume(r: Rig, cutOff: CutOff): Promise<void> {
  await r.sendAndReceive(3);
  const old = r.connection;
  const sessionId = r.sessionId;

  r.hello.hold();
  const closed = waitForGateway(r.gateway, 'close', (close) => close.connectionId === old.id);
  const nextConnection = waitForGateway(r.gateway, 'connection', undefined, 5_000);
  cutOff.cut(old);
  if (cutOff.inFlight) r.send(2);
  const [close] = await Promise.all([closed, nextConnection]);
  expect(close).toMatchObject({ ...cutOff.expectedClose, sessionResumable: true });

  // The shard is connected to a socket that has not said Hello yet: the session is detached.
  const buffered = r.send(3);
  expect(buffered.map((record) => record.delivered)).toEqual([false, false, false]);

  const reconnected = nextEvent(r.shard, 'reconnected');
  r.hello.release();
  expect(await reconnected).toEqual({ sessionId, isNewSession: false });
  await r.sendAndReceive(3);

  r.expectDeliveredExactlyOnce(sessionId);
  expect(r.gateway.stats.identifies).toBe(1);
  expect(r.gateway.stats.resumes).toBe(1);
  const resumes = r.gateway.received.filter((frame) => frame.op === GatewayOpcodes.Resume);
  expect(resumes).toHaveLength(1);
  expect(resumes[0]?.d).toMatchObject({ session_id: sessionId });
  expect(r.eventsOf('sessionLost')).toEqual([]);
  expect(r.shard.state).toBe('ready');
  expect(r.shard.session?.sequence).toBe(r.gateway.sessions[0]?.seq);
}

describe.for<GatewayCompression>(['zlib-stream', 'none'])(
  'exactly once, in order, across a resume (compress=%s)',
  (compress) => {
    it.for(cutOffs.map((cutOff) => [cutOff.name, cutOff] as const))('when %s', async ([, cutOff]) => {
      const r = await readyRig({
        shard: { compress },
        gateway:
          cutOff.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: cutOff.heartbeatIntervalMs },
      });
      await cutOffAndResume(r, cutOff);
    });
  },
);

describe('exactly once across several resumes in a row', () => {
  it('keeps the sequence across three different cut-offs on one session', async () => {
    const r = await readyRig();
    const sessionId = r.sessionId;
    const cuts: Array<(connection: FakeGatewayConnection) => void> = [
      (connection) => connection.terminate(),
      (connection) => connection.close(4000),
      (connection) => connection.sendReconnect({ closeAfterMs: null }),
    ];
    for (const cut of cuts) {
      await r.sendAndReceive(2);
      const reconnected = nextEvent(r.shard, 'reconnected');
      cut(r.connection);
      r.send(2);
      expect(await reconnected).toEqual({ sessionId, isNewSession: false });
    }
    await r.sendAndReceive(2);

    r.expectDeliveredExactlyOnce(sessionId);
    expect(r.gateway.stats.identifies).toBe(1);
    expect(r.gateway.stats.resumes).toBe(3);
  });

  it('resumes with the same v, encoding and compress query as the first connection', async () => {
    const r = await readyRig();
    const first = r.connection;
    const reconnected = nextEvent(r.shard, 'reconnected');
    first.terminate();
    await reconnected;

    const second = r.connection;
    expect(second.id).not.toBe(first.id);
    expect(second.query).toEqual(first.query);
    expect(second.query).toEqual({ version: '10', encoding: 'json', compression: 'zlib-stream' });
  });
});
