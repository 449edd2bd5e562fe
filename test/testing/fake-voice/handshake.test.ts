import { describe, expect, it } from 'vitest';
import { DEFAULT_PEER_USER_ID, FakeVoiceServer } from '../../../src/testing/index.js';
import { RawVoiceClient } from './raw-voice-client.js';
import { BOT_ID, CHANNEL_ID, GUILD_ID, useFakeVoice } from './voice-harness.js';

/** The v8 handshake as docs/protocol/voice.md §2.3 and §3.1 describe it, checked on the wire. */
describe('FakeVoiceServer handshake', () => {
  const { start, grant, connect, openUdp, identified, connected } = useFakeVoice();

  it('serves ws://127.0.0.1:PORT and gives host:port as the endpoint, as VOICE_SERVER_UPDATE does', async () => {
    const server = await start();
    expect(server.endpoint).toBe(`127.0.0.1:${server.port}`);
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}`);
    expect(server.udpPort).toBeGreaterThan(0);
  });

  it('sends Hello {v: 8, heartbeat_interval} without seq on connect', async () => {
    const server = await start({ heartbeatIntervalMs: 4321 });
    const client = await connect(server);
    const hello = await client.waitForOp(8);
    expect(hello.d).toEqual({ v: 8, heartbeat_interval: 4321 });
    expect(hello.seq).toBeNull();
  });

  it('defaults to the interval real voice servers send (13750 ms)', async () => {
    const server = await FakeVoiceServer.start();
    await server.close();
    expect(server.options).toMatchObject({ heartbeatIntervalMs: 13_750, heartbeatTimeoutCloseCode: 4009 });
  });

  it('accepts Identify sent before Hello arrived', async () => {
    const server = await start({ holdHello: true });
    const connection = server.waitFor('connection');
    const { client } = await identified(server);
    expect(client.messages.some((m) => m.op === 8)).toBe(false);
    (await connection).sendHello();
    await client.waitForOp(8);
  });

  it.each(['', 'v=4', 'v=7', 'v=9', 'v=abc'])('refuses the upgrade with HTTP 400 for "%s"', async (query) => {
    const server = await start();
    await expect(RawVoiceClient.connect(server.url, query)).rejects.toThrow('HTTP 400');
    expect(server.stats.connections).toBe(0);
  });

  it('answers Identify with Ready {ssrc, ip, port, modes} carrying seq 1, then Clients Connect with the peer', async () => {
    const server = await start();
    const { client, ready, readyMessage } = await identified(server);
    expect(readyMessage.seq).toBe(1);
    expect(ready).toMatchObject({
      ip: '127.0.0.1',
      port: server.udpPort,
      modes: ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'],
    });
    expect(ready.ssrc).toBeGreaterThan(0);
    const connect11 = await client.waitForOp(11);
    expect(connect11).toMatchObject({ d: { user_ids: [DEFAULT_PEER_USER_ID] }, seq: 2 });
  });

  it('offers the modes in the configured order, or XChaCha20 only', async () => {
    const reversed = await start({ modes: ['aead_xchacha20_poly1305_rtpsize', 'aead_aes256_gcm_rtpsize'] });
    expect((await identified(reversed)).ready.modes).toEqual([
      'aead_xchacha20_poly1305_rtpsize',
      'aead_aes256_gcm_rtpsize',
    ]);
    const only = await start({ modes: ['aead_xchacha20_poly1305_rtpsize'] });
    expect((await identified(only)).ready.modes).toEqual(['aead_xchacha20_poly1305_rtpsize']);
  });

  it('rejects options Discord could not produce: no XChaCha20, a discontinued mode', async () => {
    await expect(start({ modes: ['aead_aes256_gcm_rtpsize'] })).rejects.toMatchObject({
      code: 'STATECORD_ERR_INVALID_ARGUMENT',
    });
    await expect(start({ modes: ['xsalsa20_poly1305' as never] })).rejects.toThrow('modes');
  });

  it('sends no Clients Connect when the call is empty', async () => {
    const server = await start({ peers: [] });
    const { client } = await identified(server);
    client.heartbeat();
    await client.waitForOp(6);
    expect(client.messages.map((m) => m.op)).not.toContain(11);
  });

  it('answers IP discovery with the address and port the datagram came from', async () => {
    const server = await start();
    const { ready } = await identified(server);
    const udp = await openUdp();
    const discovery = server.waitFor('discovery');
    const answer = await udp.discover(ready.ssrc, ready.port);
    expect(answer).toMatchObject({ address: '127.0.0.1', port: udp.port });
    expect(answer.raw.length).toBe(74);
    expect(answer.raw.readUInt16BE(2)).toBe(70);
    expect(answer.raw.readUInt32BE(4)).toBe(ready.ssrc);
    expect(await discovery).toMatchObject({ ssrc: ready.ssrc, port: udp.port });
  });

  it('does not answer discovery for an SSRC no session has', async () => {
    const server = await start();
    const { ready } = await identified(server);
    const udp = await openUdp();
    const bogus = Buffer.alloc(74);
    bogus.writeUInt16BE(1, 0);
    bogus.writeUInt16BE(70, 2);
    bogus.writeUInt32BE((ready.ssrc ^ 1) >>> 0, 4);
    udp.send(bogus, ready.port);
    // Datagrams from one socket on loopback are handled in order: once the real one is answered, the bogus one was not.
    await udp.discover(ready.ssrc, ready.port);
    expect(udp.packets.map((p) => p.data.readUInt32BE(4))).toEqual([ready.ssrc]);
    expect(server.stats.unknownSsrcPackets).toBe(1);
  });

  it.each(['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'])(
    'answers Select Protocol (%s) with Session Description: the mode, 32 key bytes, dave_protocol_version 0',
    async (mode) => {
      const server = await start();
      const selected = server.waitFor('selectProtocol');
      const { client, key, udp } = await connected(server, mode);
      const description = client.messages.find((m) => m.op === 4)!;
      expect(description.d).toMatchObject({ mode, dave_protocol_version: 0 });
      expect(description.seq).toBe(3);
      expect(key.length).toBe(32);
      expect((description.d as { secret_key: number[] }).secret_key.every((b) => b >= 0 && b < 256)).toBe(
        true,
      );
      expect(server.sessions[0]!.secretKey.equals(key)).toBe(true);
      expect(await selected).toMatchObject({
        mode,
        address: '127.0.0.1',
        port: udp.port,
        discovered: { address: '127.0.0.1', port: udp.port },
      });
    },
  );

  it('tells members already in the call about a newcomer (op 11) and its departure (op 13)', async () => {
    const server = await start({ peers: [] });
    const first = await identified(server);
    const other = grant(server, { userId: '1190000000000000002', sessionId: 'b'.repeat(32) });
    const second = await identified(server, { grant: other });
    await second.client.waitFor((m) => m.op === 11 && (m.d as { user_ids: string[] }).user_ids[0] === BOT_ID);
    await first.client.waitFor(
      (m) => m.op === 11 && (m.d as { user_ids: string[] }).user_ids[0] === other.userId,
    );
    second.client.socket.close(1000);
    const left = await first.client.waitForOp(13);
    expect(left.d).toEqual({ user_id: other.userId });
  });

  it('records the session with what was negotiated', async () => {
    const server = await start();
    const ready = server.waitFor('ready');
    const { grant: granted, ready: data } = await identified(server);
    expect(await ready).toMatchObject({
      guildId: GUILD_ID,
      channelId: CHANNEL_ID,
      userId: BOT_ID,
      ssrc: data.ssrc,
    });
    expect(server.sessions).toHaveLength(1);
    expect(server.sessions[0]).toMatchObject({ id: granted.sessionId, status: 'connected', mode: null });
  });
});
