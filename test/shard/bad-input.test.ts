import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GatewayOpcodes } from 'discord-api-types/v10';
import { GatewayDecodeError } from '../../src/errors.js';
import type { GatewayCompression } from '../../src/gateway/gateway-url.js';
import type { FakeGatewayConnection } from '../../src/testing/index.js';
import { nextEvent, useShardRigs, waitForGateway } from './harness.js';
import type { Rig } from './harness.js';

const { readyRig } = useShardRigs();

const SYNC_FLUSH_SUFFIX = Buffer.from([0x00, 0x00, 0xff, 0xff]);

interface BadFrame {
  readonly name: string;
  readonly compress: GatewayCompression;
  readonly send: (connection: FakeGatewayConnection) => void;
}

const badFrames: BadFrame[] = [
  {
    name: 'a text frame that is not JSON',
    compress: 'none',
    send: (connection) => connection.sendRaw('{"op":0,"s":', { bypassCompression: true }),
  },
  {
    name: 'a JSON frame without an integer op',
    compress: 'none',
    send: (connection) => connection.sendRaw('{"op":"eleven","d":null}', { bypassCompression: true }),
  },
  {
    name: 'a zlib-stream frame of garbage bytes',
    compress: 'zlib-stream',
    send: (connection) =>
      connection.sendRaw(
        Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0x13, 0x37]), SYNC_FLUSH_SUFFIX]),
        {
          bypassCompression: true,
        },
      ),
  },
  {
    name: 'a truncated zlib stream (half of a deflated payload, then the flush suffix)',
    compress: 'zlib-stream',
    send: (connection) => {
      const whole = deflateSync('{"t":null,"s":null,"op":11,"d":null}'.repeat(20));
      connection.sendRaw(Buffer.concat([whole.subarray(0, whole.length >> 1), SYNC_FLUSH_SUFFIX]), {
        bypassCompression: true,
      });
    },
  },
  {
    name: 'a text frame on a zlib-stream connection',
    compress: 'zlib-stream',
    send: (connection) =>
      connection.sendRaw('{"t":null,"s":null,"op":11,"d":null}', { bypassCompression: true }),
  },
];

function expectOneDecodeWarning(r: Rig): void {
  const warnings = r.eventsOf('warning');
  expect(warnings).toHaveLength(1);
  expect(warnings[0]?.error).toBeInstanceOf(GatewayDecodeError);
  expect(warnings[0]?.error).toMatchObject({ code: 'STATECORD_ERR_DECODE' });
}

describe('an undecodable frame from the gateway', () => {
  it.for(badFrames.map((bad) => [bad.name, bad] as const))(
    '%s: a GatewayDecodeError warning, a resume, every dispatch once',
    async ([, bad]) => {
      const r = await readyRig({ shard: { compress: bad.compress } });
      await r.sendAndReceive(3);
      const sessionId = r.sessionId;

      const warning = nextEvent(r.shard, 'warning');
      const reconnected = nextEvent(r.shard, 'reconnected');
      bad.send(r.connection);
      // Right behind the bad frame: the shard no longer trusts the stream, the resume replays these.
      r.send(2);
      await warning;
      r.send(2);
      expect(await reconnected).toEqual({ sessionId, isNewSession: false });
      await r.sendAndReceive(2);

      expectOneDecodeWarning(r);
      r.expectDeliveredExactlyOnce(sessionId);
      expect(r.gateway.stats.identifies).toBe(1);
      expect(r.gateway.stats.resumes).toBe(1);
    },
  );

  it.for<GatewayCompression>(['none', 'zlib-stream'])(
    'a HELLO without heartbeat_interval (compress=%s): a GatewayDecodeError warning, then a resume on the next connection',
    async (compress) => {
      const r = await readyRig({ shard: { compress } });
      await r.sendAndReceive(2);
      const sessionId = r.sessionId;

      r.hello.hold();
      const first = waitForGateway(r.gateway, 'connection');
      r.connection.terminate();
      const connection = await first;
      r.send(2);
      expect(r.hello.takeWaiting()).toEqual([connection]);

      const warning = nextEvent(r.shard, 'warning');
      const second = waitForGateway(r.gateway, 'connection');
      connection.sendPayload({ op: GatewayOpcodes.Hello, d: { _trace: ['no interval'] } });
      expect((await warning).error.message).toMatch(/heartbeat_interval/);
      await second;

      const reconnected = nextEvent(r.shard, 'reconnected');
      r.hello.release();
      expect(await reconnected).toEqual({ sessionId, isNewSession: false });
      await r.sendAndReceive(2);

      expectOneDecodeWarning(r);
      r.expectDeliveredExactlyOnce(sessionId);
      expect(r.gateway.stats.identifies).toBe(1);
    },
  );
});
