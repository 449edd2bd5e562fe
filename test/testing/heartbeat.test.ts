import { describe, expect, it } from 'vitest';
import { GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import { useFakeGateway } from './harness.js';

const { start, connect, identified } = useFakeGateway();

describe('heartbeats', () => {
  it('answers every heartbeat with op 11', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    for (let i = 0; i < 3; i++) client.heartbeat(null);
    await client.waitForCount((frame) => frame.op === GatewayOpcodes.HeartbeatAck, 3, 'acks');
  });

  it('emits heartbeat with the sequence the client sent', async () => {
    const gateway = await start();
    const { client } = await identified(gateway);
    const heartbeat = gateway.waitFor('heartbeat');
    client.heartbeat(1);
    expect(await heartbeat).toMatchObject({ d: 1, acked: true, shardId: 0 });
  });

  it('disconnects a client that sends no heartbeat within interval + grace, with close 4000', async () => {
    const gateway = await start({ heartbeatIntervalMs: 100, heartbeatGraceMs: 20 });
    const client = await connect(gateway);
    const openedAt = Date.now();
    const close = await client.waitForClose();
    expect(close.code).toBe(4000);
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(110);
  });

  it('keeps the session resumable after a heartbeat timeout', async () => {
    const gateway = await start({ heartbeatIntervalMs: 100, heartbeatGraceMs: 20 });
    const { client, ready } = await identified(gateway);
    const closed = gateway.waitFor('close');
    await client.waitForClose();
    expect(await closed).toMatchObject({ initiator: 'server', code: 4000, sessionResumable: true });
    const next = await connect(gateway);
    next.resume(gateway.options.token, ready.session_id, 1);
    await next.waitForDispatch(GatewayDispatchEvents.Resumed);
  });

  it('resets the heartbeat window on every heartbeat', async () => {
    // A 2 s window; beats every 200 ms for 2.4 s: without the reset the connection would close, and
    // an event loop stalled by a loaded machine still has 1.8 s of slack.
    const gateway = await start({ heartbeatIntervalMs: 1_000, heartbeatGraceMs: 1_000 });
    const client = await connect(gateway);
    const beat = setInterval(() => client.heartbeat(null), 200);
    try {
      await client.waitForCount((frame) => frame.op === GatewayOpcodes.HeartbeatAck, 12, 'acks');
      expect(client.closeInfo).toBeNull();
    } finally {
      clearInterval(beat);
    }
  });

  it('uses heartbeatTimeoutCloseCode when configured', async () => {
    const gateway = await start({
      heartbeatIntervalMs: 50,
      heartbeatGraceMs: 0,
      heartbeatTimeoutCloseCode: 4009,
    });
    const client = await connect(gateway);
    expect((await client.waitForClose()).code).toBe(4009);
  });

  it('defaults the grace to half the interval, at most 5 s', async () => {
    expect((await start({ heartbeatIntervalMs: 200 })).options.heartbeatGraceMs).toBe(100);
    expect((await start({}, false)).options.heartbeatGraceMs).toBe(5000);
  });

  it('stops acknowledging heartbeats after stopHeartbeatAcks() and resumes after resumeHeartbeatAcks()', async () => {
    const gateway = await start();
    const connected = gateway.waitFor('connection');
    const client = await connect(gateway);
    const connection = await connected;
    connection.stopHeartbeatAcks();
    const unacked = gateway.waitFor('heartbeat');
    client.heartbeat(null);
    expect(await unacked).toMatchObject({ acked: false });
    connection.resumeHeartbeatAcks();
    client.heartbeat(null);
    await client.waitForOp(GatewayOpcodes.HeartbeatAck);
    expect(client.frames.filter((frame) => frame.op === GatewayOpcodes.HeartbeatAck)).toHaveLength(1);
  });

  it('sends op 1 on requestHeartbeat()', async () => {
    const gateway = await start();
    const connected = gateway.waitFor('connection');
    const client = await connect(gateway);
    (await connected).requestHeartbeat();
    const request = await client.waitForOp(GatewayOpcodes.Heartbeat);
    expect(request.text).toBe('{"t":null,"s":null,"op":1,"d":null}');
  });
});
