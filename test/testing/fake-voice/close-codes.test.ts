import { describe, expect, it } from 'vitest';
import { BOT_ID, CHANNEL_ID, useFakeVoice } from './voice-harness.js';

/**
 * Every rule of docs/protocol/voice.md §2.2–§2.5 the fake enforces with a close code, on the wire. Where the docs
 * name no code, the one the fake uses is stated in the test name (see FakeVoiceServer's TSDoc).
 */
describe('FakeVoiceServer close codes', () => {
  const { start, grant, connect, identified } = useFakeVoice();

  const closeOf = async (server: Awaited<ReturnType<typeof start>>, send: unknown) => {
    const client = await connect(server);
    if (Buffer.isBuffer(send)) client.socket.send(send);
    else client.send(send);
    return client.waitForClose();
  };

  it('4002 for a frame that is not JSON', async () => {
    const server = await start();
    expect((await closeOf(server, '{op: 0')).code).toBe(4002);
  });

  it('4002 for an object without an integer op', async () => {
    const server = await start();
    expect((await closeOf(server, { op: '0', d: {} })).code).toBe(4002);
  });

  it('4002 for an Identify missing its token ("invalid payload in your identifying")', async () => {
    const server = await start();
    const g = grant(server);
    const d = { server_id: g.guildId, user_id: g.userId, session_id: g.sessionId };
    expect((await closeOf(server, { op: 0, d })).code).toBe(4002);
  });

  it('4003 for Select Protocol or Speaking before Identify', async () => {
    const server = await start();
    const select = { op: 1, d: { protocol: 'udp', data: { address: '127.0.0.1', port: 1, mode: 'x' } } };
    expect((await closeOf(server, select)).code).toBe(4003);
    expect((await closeOf(server, { op: 5, d: { speaking: 1, delay: 0, ssrc: 1 } })).code).toBe(4003);
  });

  it('4004 for a token the gateway did not issue', async () => {
    const server = await start();
    const g = grant(server);
    const client = await connect(server);
    client.identify(g, { token: 'not-the-token' });
    expect((await client.waitForClose()).code).toBe(4004);
    const attempt = server.waitFor('identify');
    const again = await connect(server);
    again.identify(g, { token: 'still-not' });
    expect(await attempt).toMatchObject({ outcome: 'closed', closeCode: 4004, userId: BOT_ID });
  });

  it('4004 for a valid token with another user or voice session id', async () => {
    const server = await start();
    const g = grant(server);
    const wrongUser = await connect(server);
    wrongUser.identify(g, { user_id: '1190000000000000009' });
    expect((await wrongUser.waitForClose()).code).toBe(4004);
    const wrongSession = await connect(server);
    wrongSession.identify(g, { session_id: 'another' });
    expect((await wrongSession.waitForClose()).code).toBe(4004);
  });

  it('4006 for the token of a grant that was replaced (a stale VOICE_SERVER_UPDATE)', async () => {
    const server = await start();
    const old = grant(server);
    grant(server, { sessionId: old.sessionId });
    const client = await connect(server);
    client.identify(old);
    expect((await client.waitForClose()).code).toBe(4006);
  });

  it('4011 for a server_id (guild) the server holds no grant for', async () => {
    const server = await start();
    const g = grant(server);
    const client = await connect(server);
    client.identify(g, { server_id: '81384788765712399' });
    expect((await client.waitForClose()).code).toBe(4011);
  });

  it('4005 for a second Identify, and for Resume after Identify', async () => {
    const server = await start();
    const first = await identified(server);
    first.client.identify(first.grant);
    expect((await first.client.waitForClose()).code).toBe(4005);
    const second = await identified(server);
    second.client.resume(second.grant);
    expect((await second.client.waitForClose()).code).toBe(4005);
  });

  it.each([2, 4, 6, 8, 9, 11, 13, 22, 25, 99])('4001 for op %i, which clients may not send', async (op) => {
    const server = await start();
    const { client } = await identified(server);
    client.send({ op, d: {} });
    expect((await client.waitForClose()).code).toBe(4001);
  });

  it('4001 for a binary frame with an opcode that is not a client DAVE op', async () => {
    const server = await start();
    const { client } = await identified(server);
    client.socket.send(Buffer.from([27, 1, 2, 3]));
    expect((await client.waitForClose()).code).toBe(4001);
  });

  it('tolerates the undocumented client ops Discord accepts (16) and records them', async () => {
    const server = await start();
    const { client } = await identified(server);
    client.send({ op: 16, d: {} });
    client.heartbeat();
    await client.waitForOp(6);
    expect(client.closeInfo).toBeNull();
    expect(server.received.map((f) => f.op)).toEqual([0, 16, 3]);
  });

  it('4012 for a protocol other than udp', async () => {
    const server = await start();
    const { client } = await identified(server);
    client.send({ op: 1, d: { protocol: 'webrtc', data: 'v=0' } });
    expect((await client.waitForClose()).code).toBe(4012);
  });

  it.each(['xsalsa20_poly1305', 'aead_aes256_gcm', 'rot13'])('4016 for mode %s', async (mode) => {
    const server = await start();
    const { client } = await identified(server);
    client.selectProtocol('127.0.0.1', 5000, mode);
    expect((await client.waitForClose()).code).toBe(4016);
  });

  it('4016 for AES-GCM when Ready offered XChaCha20 only', async () => {
    const server = await start({ modes: ['aead_xchacha20_poly1305_rtpsize'] });
    const { client } = await identified(server);
    client.selectProtocol('127.0.0.1', 5000, 'aead_aes256_gcm_rtpsize');
    expect((await client.waitForClose()).code).toBe(4016);
  });

  it.each([
    [
      'Select Protocol without a port',
      { op: 1, d: { protocol: 'udp', data: { address: '127.0.0.1', mode: 'x' } } },
    ],
    ['Speaking without an ssrc', { op: 5, d: { speaking: 1, delay: 0 } }],
    ['a pre-v8 bare-integer heartbeat', { op: 3, d: 1501184119561 }],
    ['Resume without a token', { op: 7, d: { server_id: '81384788765712384', session_id: 'x' } }],
  ])('4020 ("malformed request") for %s', async (_name, payload) => {
    const server = await start();
    // Resume is the first message of its socket; the others follow an Identify.
    const client = payload.op === 7 ? await connect(server) : (await identified(server)).client;
    client.send(payload);
    expect((await client.waitForClose()).code).toBe(4020);
  });

  it('4017 in a non-stage channel for a client without DAVE (max_dave_protocol_version 0 or absent)', async () => {
    const server = await start({ channels: { [CHANNEL_ID]: 'voice' } });
    const zero = await connect(server);
    zero.identify(grant(server), { max_dave_protocol_version: 0 });
    expect(await zero.waitForClose()).toEqual({ code: 4017, reason: 'E2EE/DAVE protocol required.' });
    const absent = await connect(server);
    absent.identify(grant(server), { max_dave_protocol_version: undefined });
    expect((await absent.waitForClose()).code).toBe(4017);
  });

  it('accepts a client without DAVE in a stage channel (the default kind)', async () => {
    const server = await start();
    expect(server.options.defaultChannelKind).toBe('stage');
    const { ready } = await identified(server, { identify: { max_dave_protocol_version: 0 } });
    expect(ready.ssrc).toBeGreaterThan(0);
  });

  it('answers dave_protocol_version 1 in a non-stage channel to a client offering DAVE, then its external sender (op 25)', async () => {
    const server = await start({ defaultChannelKind: 'voice' });
    const { client } = await identified(server, { identify: { max_dave_protocol_version: 1 } });
    client.selectProtocol('127.0.0.1', 5000, 'aead_xchacha20_poly1305_rtpsize');
    expect((await client.waitForOp(4)).d).toMatchObject({ dave_protocol_version: 1 });
    const externalSender = (await client.waitForOp(25)).d as Buffer;
    // signature_key<V> (65-byte P-256 point) + credential_type u16 1 + identity<V> (docs/protocol/voice.md §4.3).
    expect(externalSender.length).toBe(71);
    expect(externalSender.subarray(0, 3)).toEqual(Buffer.from([0x40, 65, 4])); // varint 65, then 0x04
    expect(server.sessions[0]!.maxDaveProtocolVersion).toBe(1);
  });

  it('records every server close by code', async () => {
    const server = await start();
    const { client } = await identified(server);
    const closed = server.waitFor('close');
    client.send({ op: 99 });
    await closed;
    expect(server.stats.closesByCode.server).toEqual({ 4001: 1 });
    expect(server.closes[0]).toMatchObject({ code: 4001, initiator: 'server', sessionResumable: false });
  });
});
