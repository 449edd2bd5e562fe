import { describe, expect, it } from 'vitest';
import { GatewayCloseCodes, GatewayOpcodes } from 'discord-api-types/v10';
import { useFakeGateway } from './harness.js';

const { start, connect, identified } = useFakeGateway();

describe('what clients may send', () => {
  it('answers a heartbeat before Identify with op 11', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    await client.waitForOp(GatewayOpcodes.Hello);
    client.heartbeat(null);
    await client.waitForOp(GatewayOpcodes.HeartbeatAck);
  });

  it('closes with 4003 for a payload other than a heartbeat before Identify', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    await client.waitForOp(GatewayOpcodes.Hello);
    client.send({
      op: GatewayOpcodes.PresenceUpdate,
      d: { since: null, activities: [], status: 'online', afk: false },
    });
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.NotAuthenticated);
  });

  it('closes with 4005 for a second Identify', async () => {
    const gateway = await start();
    const { client } = await identified(gateway);
    client.identify(gateway.options.token);
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.AlreadyAuthenticated);
  });

  it('closes with 4005 for a Resume after Identify', async () => {
    const gateway = await start();
    const { client, ready } = await identified(gateway);
    client.resume(gateway.options.token, ready.session_id, 1);
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.AlreadyAuthenticated);
  });

  it('closes with 4001 for an opcode that does not exist', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    client.send({ op: 5, d: null });
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.UnknownOpcode);
  });

  it('closes with 4001 for an opcode only the server sends', async () => {
    const gateway = await start();
    const { client } = await identified(gateway);
    client.send({ op: GatewayOpcodes.HeartbeatAck, d: null });
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.UnknownOpcode);
  });

  it('closes with 4001 for a heartbeat whose d is not a sequence number', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    client.send({ op: GatewayOpcodes.Heartbeat, d: 'one' });
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.UnknownOpcode);
  });

  it('closes with 4001 for an object without op', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    client.send({ d: null });
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.UnknownOpcode);
  });

  it('closes with 4001 for a presence update missing keys', async () => {
    const gateway = await start();
    const { client } = await identified(gateway);
    client.send({ op: GatewayOpcodes.PresenceUpdate, d: { status: 'online' } });
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.UnknownOpcode);
  });

  it('closes with 4002 for a frame that is not JSON', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    client.send('{"op": 1, "d": nul');
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.DecodeError);
  });

  it('closes with 4002 for JSON that is not an object', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    client.send('[1, null]');
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.DecodeError);
  });

  it('closes with 4002 for a payload over 4096 bytes', async () => {
    const gateway = await start();
    const { client } = await identified(gateway);
    const payload = JSON.stringify({
      op: GatewayOpcodes.PresenceUpdate,
      d: { since: null, activities: [{ name: 'x'.repeat(4100), type: 0 }], status: 'online', afk: false },
    });
    expect(Buffer.byteLength(payload)).toBeGreaterThan(4096);
    client.send(payload);
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.DecodeError);
  });

  it('accepts a payload of exactly 4096 bytes', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    const base = JSON.stringify({ op: GatewayOpcodes.Heartbeat, d: null, pad: '' });
    client.send(
      JSON.stringify({ op: GatewayOpcodes.Heartbeat, d: null, pad: 'x'.repeat(4096 - base.length) }),
    );
    await client.waitForOp(GatewayOpcodes.HeartbeatAck);
  });

  it('closes with 4008 on the 121st frame within 60 s, heartbeats included', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    for (let i = 0; i < 121; i++) client.heartbeat(null);
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.RateLimited);
    expect(client.frames.filter((frame) => frame.op === GatewayOpcodes.HeartbeatAck)).toHaveLength(120);
  });

  it('counts the command limit per connection', async () => {
    const gateway = await start({ commandRateLimit: { limit: 3 } });
    const first = await connect(gateway);
    for (let i = 0; i < 3; i++) first.heartbeat(null);
    await first.waitForCount((frame) => frame.op === GatewayOpcodes.HeartbeatAck, 3, 'acks');
    const second = await connect(gateway);
    for (let i = 0; i < 3; i++) second.heartbeat(null);
    await second.waitForCount((frame) => frame.op === GatewayOpcodes.HeartbeatAck, 3, 'acks');
    first.heartbeat(null);
    expect((await first.waitForClose()).code).toBe(GatewayCloseCodes.RateLimited);
  });

  it('records every decoded client frame with its connection and shard', async () => {
    const gateway = await start();
    const frame = gateway.waitFor('frame', (f) => f.op === GatewayOpcodes.Heartbeat);
    const { client } = await identified(gateway, { shard: [0, 1] });
    client.heartbeat(1);
    expect(await frame).toMatchObject({ op: GatewayOpcodes.Heartbeat, d: 1, shardId: 0 });
    expect(gateway.received.map((f) => f.op)).toEqual([GatewayOpcodes.Identify, GatewayOpcodes.Heartbeat]);
    expect(gateway.received[0]?.shardId).toBeNull();
  });

  it('survives a client that sends binary garbage and then vanishes', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    client.socket.send(Buffer.from([0xff, 0x00, 0x13]));
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.DecodeError);
    const next = await connect(gateway);
    await next.waitForOp(GatewayOpcodes.Hello);
  });
});
