import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import { useFakeGateway } from './harness.js';

const { start, connect, identified } = useFakeGateway();

const SUFFIX = [0x00, 0x00, 0xff, 0xff];
const DM = { channel_id: '1', content: 'hello over zlib', author: { id: '2' } };

describe('compress=zlib-stream', () => {
  it('sends binary frames that each end with the Z_SYNC_FLUSH suffix 00 00 ff ff', async () => {
    const gateway = await start();
    const { client } = await identified(gateway, {}, { zlib: true });
    expect(client.rawMessages.length).toBeGreaterThanOrEqual(2);
    for (const message of client.rawMessages) {
      expect(message.binary).toBe(true);
      expect([...message.data.subarray(-4)]).toEqual(SUFFIX);
    }
  });

  it('is one zlib (RFC 1950) stream: the 78 9c header appears once, at the start', async () => {
    const gateway = await start();
    const { client } = await identified(gateway, {}, { zlib: true });
    const [first, second] = client.rawMessages;
    expect([...(first?.data.subarray(0, 2) ?? [])]).toEqual([0x78, 0x9c]);
    expect([...(second?.data.subarray(0, 2) ?? [])]).not.toEqual([0x78, 0x9c]);
  });

  it('decodes across several messages with one shared inflate context', async () => {
    const gateway = await start();
    const { client } = await identified(gateway, { intents: 1 << 12 }, { zlib: true });
    for (let i = 0; i < 5; i++)
      gateway.dispatch(GatewayDispatchEvents.MessageCreate, { ...DM, id: String(i) });
    const messages = await client.waitForCount(
      (f) => f.t === GatewayDispatchEvents.MessageCreate,
      5,
      'messages',
    );
    expect(messages.map((frame) => frame.s)).toEqual([2, 3, 4, 5, 6]);
    expect(client.frames[0]?.op).toBe(GatewayOpcodes.Hello);
    expect(client.decodeErrors).toEqual([]);
  });

  it('cannot be decoded message by message: a fresh inflater fails on a later message', async () => {
    const gateway = await start();
    const { client } = await identified(gateway, {}, { zlib: true });
    const later = client.rawMessages[1]?.data;
    expect(later).toBeDefined();
    expect(() =>
      zlib.inflateSync(later ?? Buffer.alloc(0), { finishFlush: zlib.constants.Z_SYNC_FLUSH }),
    ).toThrow();
  });

  it('compresses later messages better thanks to the shared context', async () => {
    const gateway = await start();
    const { client } = await identified(gateway, { intents: 1 << 12 }, { zlib: true });
    const text = { ...DM, content: 'the same fairly long message content, sent twice over the same stream' };
    gateway.dispatch(GatewayDispatchEvents.MessageCreate, text);
    gateway.dispatch(GatewayDispatchEvents.MessageCreate, text);
    await client.waitForCount((f) => f.t === GatewayDispatchEvents.MessageCreate, 2, 'messages');
    const [firstSize, secondSize] = client.rawMessages.slice(-2).map((message) => message.data.length);
    expect(secondSize).toBeLessThan(firstSize ?? 0);
  });

  it('keeps send order for many payloads sent at once', async () => {
    const gateway = await start();
    const { client } = await identified(gateway, { intents: 1 << 12 }, { zlib: true });
    for (let i = 0; i < 50; i++)
      gateway.dispatch(GatewayDispatchEvents.MessageCreate, { ...DM, id: String(i) });
    const messages = await client.waitForCount(
      (f) => f.t === GatewayDispatchEvents.MessageCreate,
      50,
      'messages',
    );
    expect(messages.map((frame) => (frame.d as { id: string }).id)).toEqual(
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
  });

  it('uses a fresh compression context for every connection', async () => {
    const gateway = await start();
    await identified(gateway, {}, { zlib: true });
    const second = await connect(gateway, { zlib: true });
    await second.waitForOp(GatewayOpcodes.Hello);
    expect([...(second.rawMessages[0]?.data.subarray(0, 2) ?? [])]).toEqual([0x78, 0x9c]);
  });

  it('splits each payload over several frames with splitZlibFrames; only the last ends with the suffix', async () => {
    const gateway = await start({ splitZlibFrames: 3 });
    const client = await connect(gateway, { zlib: true });
    await client.waitForOp(GatewayOpcodes.Hello);
    expect(client.rawMessages).toHaveLength(3);
    expect(client.rawMessages.map((m) => [...m.data.subarray(-4)].join() === SUFFIX.join())).toEqual([
      false,
      false,
      true,
    ]);
  });
});

describe('connection.sendRawBurst', () => {
  it('delivers every payload in order through the connection’s compression', async () => {
    const gateway = await start();
    const { client } = await identified(gateway, {}, { zlib: true });
    const connection = gateway.connections[0];
    const texts = [2, 3, 4].map((s) => JSON.stringify({ op: 0, s, t: 'BURST', d: { n: s } }));
    connection?.sendRawBurst(texts);
    const burst = await client.waitForCount((frame) => frame.t === 'BURST', 3, 'burst');
    expect(burst.map((frame) => frame.s)).toEqual([2, 3, 4]);
    expect(client.decodeErrors).toEqual([]);
  });
});
