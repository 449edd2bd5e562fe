import { describe, expect, it } from 'vitest';
import * as zlib from 'node:zlib';
import WebSocket from 'ws';
import { GatewayCloseCodes, GatewayOpcodes } from 'discord-api-types/v10';
import { useFakeGateway } from './harness.js';

const { start, connect } = useFakeGateway();

/** Opens a socket expecting the upgrade to be refused; resolves with the HTTP status and JSON body. */
function refusedUpgrade(url: string): Promise<{ status: number; body: { message: string } }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('error', () => {});
    socket.on('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as { message: string } });
        socket.terminate();
      });
    });
  });
}

describe('FakeGateway connection setup', () => {
  it('listens on 127.0.0.1 and exposes ws and REST URLs on the same port', async () => {
    const gateway = await start();
    expect(gateway.url).toBe(`ws://127.0.0.1:${gateway.port}`);
    expect(gateway.restUrl).toBe(`http://127.0.0.1:${gateway.port}/api/v10`);
    expect(gateway.port).toBeGreaterThan(0);
  });

  it('sends Hello with the configured heartbeat interval first', async () => {
    const gateway = await start({ heartbeatIntervalMs: 1234 });
    const client = await connect(gateway);
    const hello = await client.waitForOp(GatewayOpcodes.Hello);
    expect(client.frames[0]).toBe(hello);
    expect(hello.d).toMatchObject({ heartbeat_interval: 1234 });
  });

  it('defaults the heartbeat interval to the real 41250 ms', async () => {
    const gateway = await start({}, false);
    const client = await connect(gateway);
    expect((await client.waitForOp(GatewayOpcodes.Hello)).d).toMatchObject({ heartbeat_interval: 41_250 });
  });

  it('serializes frames with keys in the order t, s, op, d like Discord', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    const hello = await client.waitForOp(GatewayOpcodes.Hello);
    expect(hello.text.startsWith('{"t":null,"s":null,"op":10,"d":{')).toBe(true);
    client.heartbeat(null);
    const ack = await client.waitForOp(GatewayOpcodes.HeartbeatAck);
    expect(ack.text).toBe('{"t":null,"s":null,"op":11,"d":null}');
  });

  it('sends json frames without compression as text frames, one payload each', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    await client.waitForOp(GatewayOpcodes.Hello);
    expect(client.rawMessages[0]?.binary).toBe(false);
  });

  it('accepts API version 9 as well as 10', async () => {
    const gateway = await start();
    const client = await connect(gateway, { query: 'v=9&encoding=json' });
    await client.waitForOp(GatewayOpcodes.Hello);
  });

  it('closes with 4012 for an unsupported API version', async () => {
    const gateway = await start();
    const client = await connect(gateway, { query: 'v=8&encoding=json' });
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.InvalidAPIVersion);
    expect(client.frames).toHaveLength(0);
  });

  it('closes with 4012 when the version is missing', async () => {
    const gateway = await start();
    const client = await connect(gateway, { query: 'encoding=json' });
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.InvalidAPIVersion);
  });

  it('refuses encoding=etf with HTTP 400 and a message saying json only', async () => {
    const gateway = await start();
    const refused = await refusedUpgrade(`${gateway.url}/?v=10&encoding=etf`);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/etf.*not supported/);
  });

  it.skipIf('createZstdCompress' in zlib)(
    'refuses zstd-stream with HTTP 400 where node:zlib lacks zstd',
    async () => {
      const gateway = await start();
      const refused = await refusedUpgrade(`${gateway.url}/?v=10&encoding=json&compress=zstd-stream`);
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/zstd-stream.*not available/);
    },
  );

  it('refuses an unknown compression with HTTP 400', async () => {
    const gateway = await start();
    const refused = await refusedUpgrade(`${gateway.url}/?v=10&encoding=json&compress=brotli`);
    expect(refused.status).toBe(400);
  });

  it('sends op 7 before Hello to as many connections as sendReconnectBeforeHello says', async () => {
    const gateway = await start({ sendReconnectBeforeHello: 1 });
    const first = await connect(gateway);
    await first.waitForOp(GatewayOpcodes.Hello);
    expect(first.frames.map((frame) => frame.op)).toEqual([GatewayOpcodes.Reconnect, GatewayOpcodes.Hello]);
    const second = await connect(gateway);
    await second.waitForOp(GatewayOpcodes.Hello);
    expect(second.frames.map((frame) => frame.op)).toEqual([GatewayOpcodes.Hello]);
  });

  it('holds Hello until connection.sendHello() when started with holdHello', async () => {
    const gateway = await start({ holdHello: true });
    const connected = gateway.waitFor('connection');
    const client = await connect(gateway);
    const connection = await connected;
    client.heartbeat(null);
    await client.waitForOp(GatewayOpcodes.HeartbeatAck);
    expect(client.frames.some((frame) => frame.op === GatewayOpcodes.Hello)).toBe(false);
    connection.sendHello();
    await client.waitForOp(GatewayOpcodes.Hello);
  });

  it('emits connection with the query the client used', async () => {
    const gateway = await start();
    const connected = gateway.waitFor('connection');
    await connect(gateway, { zlib: true });
    expect((await connected).query).toEqual({ version: '10', encoding: 'json', compression: 'zlib-stream' });
    expect(gateway.stats.connections).toBe(1);
  });
});
