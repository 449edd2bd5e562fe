import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { FakeVoiceServer } from '../../../src/testing/index.js';
import { RawVoiceClient } from './raw-voice-client.js';
import { opusFrames, useFakeVoice, type ConnectedClient } from './voice-harness.js';

/** Sends `count` frames after Speaking and waits until the server handled every one of them. */
async function sendFrames(client: ConnectedClient, count: number): Promise<void> {
  client.client.speaking(client.ready.ssrc);
  for (const frame of opusFrames(count)) client.sendOpus(frame);
  await client.udp.flush(client.ready.ssrc, client.ready.port);
}

/** Fault injection (docs/protocol/voice.md §7 "Fake voice server plan"): every fault a test can script. */
describe('FakeVoiceServer faults', () => {
  const { start, connect, identified, connected } = useFakeVoice();

  it("closes with any code and Discord's reason, and refuses codes a server may not send", async () => {
    const server = await start();
    const { client } = await identified(server);
    expect(() => server.connections[0]!.close(1006)).toThrow('close code');
    server.connections[0]!.close(4022);
    expect(await client.waitForClose()).toEqual({ code: 4022, reason: 'Disconnected: call terminated.' });
  });

  it('drops the TCP connection without a close frame; the session stays resumable', async () => {
    const server = await start();
    const { client, grant: granted } = await identified(server);
    const closed = server.waitFor('close');
    server.connections[0]!.terminate();
    expect((await client.waitForClose()).code).toBe(1006);
    expect(await closed).toMatchObject({ code: 1006, sessionResumable: true });
    const again = await connect(server);
    again.resume(granted);
    await again.waitForOp(9);
  });

  it('drops the next N inbound RTP packets of a session', async () => {
    const server = await start();
    const client = await connected(server);
    const fault = server.sessions[0]!.dropUdp({ count: 2 });
    await sendFrames(client, 5);
    expect(server.frames.map((f) => f.opus)).toEqual(opusFrames(5).slice(2));
    expect(fault).toMatchObject({ affected: 2, active: false });
    expect(server.stats.dropped).toEqual({ inbound: 2, outbound: 0 });
  });

  it('drops a fraction of packets, the same ones on every run with the same seed', async () => {
    const run = async (): Promise<number[]> => {
      const server = await start();
      const client = await connected(server);
      const fault = server.dropUdp({ fraction: 0.5, seed: 42, over: 20 });
      await sendFrames(client, 30);
      expect(fault.affected).toBe(30 - server.frames.length);
      expect(fault.seen).toBe(20);
      return server.frames.map((f) => f.opus[2]!);
    };
    const first = await run();
    expect(first.length).toBeGreaterThan(10);
    expect(first.length).toBeLessThan(30);
    expect(await run()).toEqual(first);
  });

  it('delays outbound audio by delayMs', async () => {
    const server = await start();
    const client = await connected(server);
    server.peer.setSpeaking();
    await client.client.waitForOp(5);
    const fault = server.delayUdp({ direction: 'outbound', count: 1, delayMs: 150 });
    const sentAt = Date.now();
    await server.peer.speak(opusFrames(1), { intervalMs: 0 });
    await client.udp.waitForAudio(1);
    expect(client.udp.packets.at(-1)!.at - sentAt).toBeGreaterThanOrEqual(140);
    expect(fault.affected).toBe(1);
    expect(server.stats.delayed.outbound).toBe(1);
  });

  it('an inbound delay reorders: the late packet carries an old nonce and is dropped as a replay', async () => {
    const server = await start({ speakingGraceMs: 0 });
    const client = await connected(server);
    client.client.speaking(client.ready.ssrc);
    await server.waitFor('speaking');
    server.delayUdp({ count: 1, delayMs: 20 });
    const late = server.waitFor('violation');
    for (const frame of opusFrames(3)) client.sendOpus(frame);
    expect(await late).toMatchObject({ kind: 'nonce-not-increasing' });
    expect(server.frames.map((f) => f.nonce)).toEqual([2, 3]);
  });

  it('validates fault options', async () => {
    const server = await start();
    expect(() => server.dropUdp({})).toThrow('exactly one');
    expect(() => server.dropUdp({ count: 1, fraction: 0.5 })).toThrow('exactly one');
    expect(() => server.dropUdp({ fraction: 1.5 })).toThrow('fraction');
    expect(() => server.delayUdp({ count: 1, delayMs: 0 })).toThrow('delayMs');
  });

  it("sends raw text and binary frames, and sequenced payloads with the session's next seq", async () => {
    const server = await start({ peers: [] });
    const { client } = await identified(server);
    const connection = server.connections[0]!;
    connection.sendRaw('{"op":12,"d":{}}');
    connection.sendPayload({ op: 5, d: { user_id: '1', ssrc: 2, speaking: 1 }, sequenced: true });
    connection.sendBinary(25, Buffer.from([1, 2, 3]));
    const binary = await client.waitFor((m) => m.op === 25, 'binary');
    expect(client.messages.map((m) => [m.op, m.seq])).toEqual([
      [8, null],
      [2, 1],
      [12, null],
      [5, 2],
      [25, 3],
    ]);
    expect([...(binary.d as Buffer)]).toEqual([1, 2, 3]);
  });

  it('adds members (op 11) who can leave (op 13), and a member hears only while present', async () => {
    const server = await start({ peers: [] });
    const client = await connected(server);
    const peer = server.addPeer({ userId: '1190000000000000222' });
    expect((await client.client.waitForOp(11)).d).toEqual({ user_ids: ['1190000000000000222'] });
    await sendFrames(client, 2);
    peer.leave();
    expect((await client.client.waitForOp(13)).d).toEqual({ user_id: '1190000000000000222' });
    client.sendOpus(opusFrames(1, 7)[0]!);
    await server.waitFor('audio', (f) => f.opus[1] === 7);
    expect(peer.heard).toHaveLength(2);
    expect(peer.present).toBe(false);
    expect(() => server.addPeer({ userId: 'x' })).toThrow('snowflake');
  });

  it('ends a session like a kick: 4014, and its token is stale from then on (4006)', async () => {
    const server = await start();
    const { client, grant: granted } = await identified(server);
    server.sessions[0]!.end();
    expect((await client.waitForClose()).code).toBe(4014);
    const again = await connect(server);
    again.identify(granted);
    expect((await again.waitForClose()).code).toBe(4006);
  });

  it('refuses gateway faults for a session no FakeGateway issued', async () => {
    const server = await start();
    await identified(server);
    expect(() => server.sessions[0]!.moveEndpoint()).toThrow('gateway.attachVoice');
    expect(() => server.forceDisconnect()).toThrow('gateway.attachVoice');
  });

  it('close() ends sockets (1001), frees both ports, and stops a peer mid-speech', async () => {
    const server = await FakeVoiceServer.start({ heartbeatIntervalMs: 10_000 });
    const client = await RawVoiceClient.connect(server.url);
    client.identify(server.authorize({ guildId: '1', channelId: '2', userId: '3', sessionId: 's' }));
    await client.waitForOp(2);
    const speech = server.peer.speak(opusFrames(500));
    const { port, udpPort } = server;
    await server.close();
    await speech;
    expect((await client.waitForClose()).code).toBe(1001);
    await expect(RawVoiceClient.connect(`ws://127.0.0.1:${port}`)).rejects.toThrow();
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(udpPort, '127.0.0.1', () => resolve());
    });
    socket.close();
    await server.close();
    expect(server.sessions).toEqual([]);
  });
});
