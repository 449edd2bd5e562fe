import { describe, expect, it } from 'vitest';
import { GatewayCloseCodes, GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import { InvalidArgumentError } from '../../src/errors.js';
import type { FakeGateway, FakeGatewayConnection } from '../../src/testing/index.js';
import { useFakeGateway } from './harness.js';

const { start, connect, identified } = useFakeGateway();

const DM = { channel_id: '1', content: 'hi', author: { id: '2' } };

/** An identified raw client and the gateway side of its connection. */
async function identifiedConnection(gateway: FakeGateway) {
  const connected = gateway.waitFor('connection');
  const result = await identified(gateway, { intents: 1 << 12 });
  return { ...result, connection: await connected };
}

describe('server-side fault injection', () => {
  it('close(code, reason) sends that close frame', async () => {
    const gateway = await start();
    const { client, connection } = await identifiedConnection(gateway);
    connection.close(4000, 'chaos');
    expect(await client.waitForClose()).toEqual({ code: 4000, reason: 'chaos' });
  });

  it('close(4009) ends the session: it needs a new Identify', async () => {
    const gateway = await start();
    const { client, connection, ready } = await identifiedConnection(gateway);
    const closed = gateway.waitFor('close');
    connection.close(GatewayCloseCodes.SessionTimedOut);
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.SessionTimedOut);
    expect(await closed).toMatchObject({ sessionId: ready.session_id, sessionResumable: false });
  });

  it('close() rejects codes a server may not send', async () => {
    const gateway = await start();
    const { connection } = await identifiedConnection(gateway);
    expect(() => connection.close(1006)).toThrow(InvalidArgumentError);
  });

  it('terminate() drops TCP without a close frame and keeps the session', async () => {
    const gateway = await start();
    const { client, connection } = await identifiedConnection(gateway);
    connection.terminate();
    expect((await client.waitForClose()).code).toBe(1006);
    expect(gateway.sessions[0]).toMatchObject({ connected: false });
  });

  it('sendReconnect() sends op 7, then closes with 4000 if the client stays', async () => {
    const gateway = await start();
    const { client, connection } = await identifiedConnection(gateway);
    connection.sendReconnect({ closeAfterMs: 20 });
    await client.waitForOp(GatewayOpcodes.Reconnect);
    expect((await client.waitForClose()).code).toBe(4000);
    expect(gateway.sessions[0]).toMatchObject({ connected: false });
  });

  it('sendReconnect({ closeAfterMs: null }) leaves the socket open', async () => {
    const gateway = await start();
    const { client, connection } = await identifiedConnection(gateway);
    connection.sendReconnect({ closeAfterMs: null });
    await client.waitForOp(GatewayOpcodes.Reconnect);
    client.heartbeat(1);
    await client.waitForOp(GatewayOpcodes.HeartbeatAck);
    expect(client.closeInfo).toBeNull();
  });

  it('invalidateSession(false) destroys the session and accepts a new Identify on the socket', async () => {
    const gateway = await start();
    const { client, connection, ready } = await identifiedConnection(gateway);
    connection.invalidateSession(false);
    expect((await client.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
    expect(gateway.sessions.map((s) => s.id)).not.toContain(ready.session_id);
    client.identify(gateway.options.token);
    await client.waitForDispatch(GatewayDispatchEvents.Ready, (frame) => frame !== client.dispatches()[0]);
  });

  it('invalidateSession(true) keeps the session, and a Resume on the same socket works', async () => {
    const gateway = await start();
    const { client, connection, ready } = await identifiedConnection(gateway);
    connection.invalidateSession(true);
    expect((await client.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(true);
    client.resume(gateway.options.token, ready.session_id, 1);
    expect((await client.waitForDispatch(GatewayDispatchEvents.Resumed)).s).toBe(2);
  });

  it('sendRaw() sends text through the codec as one frame', async () => {
    const gateway = await start();
    const { client, connection } = await identifiedConnection(gateway);
    connection.sendRaw('{"op":11,"d":null}');
    expect((await client.waitForOp(GatewayOpcodes.HeartbeatAck)).text).toBe('{"op":11,"d":null}');
  });

  it('sendRaw(..., { bypassCompression }) sends the bytes as they are', async () => {
    const gateway = await start();
    const connected = gateway.waitFor('connection');
    const client = await connect(gateway, { zlib: true });
    const connection = await connected;
    await client.waitForOp(GatewayOpcodes.Hello);
    const arrived = new Promise<Buffer>((resolve) =>
      client.socket.once('message', (data: Buffer) => resolve(data)),
    );
    connection.sendRaw(Buffer.from([0x13, 0x37, 0x00, 0x00, 0xff, 0xff]), { bypassCompression: true });
    expect([...(await arrived)]).toEqual([0x13, 0x37, 0x00, 0x00, 0xff, 0xff]);
  });

  it('sendPayload() sends any payload, missing fields as null', async () => {
    const gateway = await start();
    const { client, connection } = await identifiedConnection(gateway);
    connection.sendPayload({ op: GatewayOpcodes.HeartbeatAck });
    expect((await client.waitForOp(GatewayOpcodes.HeartbeatAck)).text).toBe(
      '{"t":null,"s":null,"op":11,"d":null}',
    );
  });

  it('connection.dispatch() goes to that connection session only', async () => {
    const gateway = await start();
    const first = await identifiedConnection(gateway);
    const second = await identifiedConnection(gateway);
    expect(second.connection.dispatch(GatewayDispatchEvents.MessageCreate, DM)).toMatchObject({ s: 2 });
    await second.client.waitForDispatch(GatewayDispatchEvents.MessageCreate);
    first.client.heartbeat(1);
    await first.client.waitForOp(GatewayOpcodes.HeartbeatAck);
    expect(first.client.dispatches(GatewayDispatchEvents.MessageCreate)).toHaveLength(0);
  });

  it('connection.dispatch() throws before the connection has a session', async () => {
    const gateway = await start();
    const connected = gateway.waitFor('connection');
    await connect(gateway);
    const connection: FakeGatewayConnection = await connected;
    expect(() => connection.dispatch(GatewayDispatchEvents.MessageCreate, DM)).toThrow(InvalidArgumentError);
  });

  it('holds the replay and RESUMED until releaseHandshake() with holdHandshake', async () => {
    const gateway = await start({ holdHandshake: true });
    const connected = gateway.waitFor('connection');
    const client = await connect(gateway);
    const connection = await connected;
    client.identify(gateway.options.token, { intents: 1 << 12 });
    await gateway.waitFor('identify');
    connection.releaseHandshake();
    const ready = await client.waitForDispatch(GatewayDispatchEvents.Ready);
    await client.close(4000);
    gateway.dispatch(GatewayDispatchEvents.MessageCreate, DM);
    const nextConnected = gateway.waitFor('connection');
    const next = await connect(gateway);
    const nextConnection = await nextConnected;
    const resumeArrived = gateway.waitFor('frame', (frame) => frame.op === GatewayOpcodes.Resume);
    next.resume(gateway.options.token, (ready.d as { session_id: string }).session_id, 1);
    await resumeArrived;
    expect(next.dispatches()).toHaveLength(0);
    nextConnection.releaseHandshake();
    await next.waitForDispatch(GatewayDispatchEvents.Resumed);
    expect(next.dispatches().map((frame) => frame.s)).toEqual([2, 3]);
  });

  it('releaseHandshake() throws when nothing is held', async () => {
    const gateway = await start();
    const { connection } = await identifiedConnection(gateway);
    expect(() => connection.releaseHandshake()).toThrow(InvalidArgumentError);
  });

  it('counts server closes by code, separately from client closes', async () => {
    const gateway = await start();
    const first = await identifiedConnection(gateway);
    let closed = gateway.waitFor('close');
    first.connection.close(4000);
    await closed;
    const second = await identifiedConnection(gateway);
    closed = gateway.waitFor('close');
    await second.client.close(4000);
    await closed;
    expect(gateway.stats.closesByCode).toEqual({ server: { 4000: 1 }, client: { 4000: 1 } });
    expect(gateway.closes.map((c) => c.initiator)).toEqual(['server', 'client']);
  });
});
