import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FakeVoiceServer } from '../../../src/testing/index.js';
import { opusFrames, useFakeVoice } from './voice-harness.js';

/**
 * The `hold*` options: each answer waits for its release method, every check still happens at once and
 * every rule stays active (what model-based runs need to decide when each answer goes out).
 */
describe('FakeVoiceServer holds', () => {
  const { start, connect, grant, identified, openUdp } = useFakeVoice();

  const dial = (server: FakeVoiceServer) => {
    const socket = new WebSocket(`${server.url}/?v=8`);
    const events: string[] = [];
    socket.on('open', () => events.push('open'));
    socket.on('error', () => events.push('error'));
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    return { socket, events, closed };
  };

  it('holdUpgrades: the socket stays connecting until releaseUpgrade(), which completes the oldest held one', async () => {
    const server = await start({ holdUpgrades: true });
    const held = server.waitFor('hold', (hold) => hold.kind === 'upgrade');
    const upgrade = server.waitFor('upgrade');
    const client = dial(server);
    expect(await upgrade).toMatchObject({ url: '/?v=8', held: true });
    await held;
    expect(server.heldUpgrades).toBe(1);
    expect(client.socket.readyState).toBe(WebSocket.CONNECTING);
    const connection = server.waitFor('connection');
    expect(server.releaseUpgrade()).toBe(true);
    await connection;
    await new Promise((resolve) => client.socket.once('open', resolve));
    expect(server.heldUpgrades).toBe(0);
    expect(server.releaseUpgrade()).toBe(false);
    client.socket.terminate();
  });

  it('holdUpgrades: refuseUpgrade() drops the TCP connection unanswered; a client that gives up is forgotten', async () => {
    const server = await start({ holdUpgrades: true });
    const refused = dial(server);
    await server.waitFor('hold');
    expect(server.refuseUpgrade()).toBe(true);
    expect(await refused.closed).toBe(1006);
    expect(refused.events).toEqual(['error']);
    expect(server.stats.connections).toBe(0);

    const impatient = dial(server);
    await server.waitFor('hold');
    impatient.socket.terminate();
    await impatient.closed;
    await expect.poll(() => server.heldUpgrades).toBe(0);
    expect(server.releaseUpgrade()).toBe(false);
    expect(server.stats.connections).toBe(0);
  });

  it('holdReady: Ready waits for releaseReady(); a second Identify meanwhile is 4005; the release may offer other modes', async () => {
    const server = await start({ holdReady: true, peers: [] });
    const granted = grant(server);
    const client = await connect(server);
    const hold = server.waitFor('hold', (record) => record.kind === 'ready');
    client.identify(granted);
    expect(await hold).toMatchObject({ kind: 'ready', sessionId: null });
    const connection = server.connections[0]!;
    expect(connection.held).toBe('ready');
    expect(client.messages.filter((m) => m.op === 2)).toEqual([]);
    expect(connection.releaseReady({ modes: ['aead_xchacha20_poly1305_rtpsize'] })).toBe(true);
    const ready = await client.waitForOp(2);
    expect(ready).toMatchObject({ seq: 1, d: { modes: ['aead_xchacha20_poly1305_rtpsize'] } });
    expect(connection.held).toBeNull();
    // Select Protocol must pick a mode this Ready offered.
    client.selectProtocol('127.0.0.1', 5000, 'aead_aes256_gcm_rtpsize');
    expect(await client.waitForClose()).toMatchObject({ code: 4016 });

    const second = await connect(server);
    second.identify(grant(server));
    await server.waitFor('hold', (record) => record.kind === 'ready');
    second.identify(grant(server));
    expect(await second.waitForClose()).toMatchObject({ code: 4005 });
  });

  it('holdDiscovery and holdSessionDescription: both wait for their release; RTP before Session Description is a violation', async () => {
    const server = await start({ holdDiscovery: true, holdSessionDescription: true, peers: [] });
    const { client, ready } = await identified(server);
    const session = server.sessions[0]!;
    const udp = await openUdp();
    const hold = server.waitFor('hold', (record) => record.kind === 'discovery');
    const discovered = udp.discover(ready.ssrc, ready.port);
    expect(await hold).toMatchObject({ sessionId: session.id });
    expect(session.discoveryHeld).toBe(true);
    expect(server.releaseDiscovery()).toBe(1);
    const address = await discovered;
    expect(session.discoveryHeld).toBe(false);

    const described = server.waitFor('hold', (record) => record.kind === 'sessionDescription');
    client.selectProtocol(address.address, address.port, 'aead_aes256_gcm_rtpsize');
    await described;
    expect(server.connections[0]!.held).toBe('sessionDescription');
    const violation = server.waitFor('violation');
    udp.sendOpus(
      opusFrames(1)[0]!,
      { mode: 'aead_aes256_gcm_rtpsize', key: Buffer.alloc(32), ssrc: ready.ssrc },
      ready.port,
    );
    expect(await violation).toMatchObject({ kind: 'rtp-before-session-description' });
    expect(server.connections[0]!.releaseSessionDescription()).toBe(true);
    expect(await client.waitForOp(4)).toMatchObject({ seq: 2, d: { mode: 'aead_aes256_gcm_rtpsize' } });
    expect(session.mode).toBe('aead_aes256_gcm_rtpsize');
  });

  it('holdResumed: Resumed and the replay wait for releaseResumed(); the Resume is checked at once', async () => {
    const server = await start({ holdResumed: true, peers: [] });
    const { client, grant: granted } = await identified(server);
    await client.terminate();
    server.sessions[0]!.sendPayload(5, { user_id: '1', ssrc: 11, speaking: 1 });
    const again = await connect(server);
    const hold = server.waitFor('hold', (record) => record.kind === 'resumed');
    again.resume(granted, 1);
    await hold;
    const connection = server.connections.at(-1)!;
    expect(connection.held).toBe('resumed');
    expect(again.messages.filter((m) => m.op === 9)).toEqual([]);
    const resumed = server.waitFor('resume');
    expect(connection.releaseResumed()).toBe(true);
    expect(await resumed).toMatchObject({ outcome: 'resumed', replayed: 1 });
    expect((await again.waitForOp(5)).seq).toBe(2);

    const stale = await connect(server);
    stale.resume({ ...granted, token: 'never-issued' }, 1);
    expect(await stale.waitForClose()).toMatchObject({ code: 4004 });
  });

  it('reports what it sends (sent) and every datagram it sees (datagram)', async () => {
    const server = await start({ peers: [] });
    const sent: Array<{ op: number; seq: number | null }> = [];
    server.on('sent', (frame) => sent.push({ op: frame.op, seq: frame.seq }));
    const datagrams: string[] = [];
    server.on('datagram', (record) => datagrams.push(record.kind));
    const { client, ready } = await identified(server);
    client.heartbeat(7);
    await client.waitForOp(6);
    const udp = await openUdp();
    await udp.discover(ready.ssrc, ready.port);
    udp.send(Buffer.alloc(8), ready.port);
    await expect.poll(() => datagrams).toEqual(['discovery', 'keepalive']);
    expect(sent).toEqual([
      { op: 8, seq: null },
      { op: 2, seq: 1 },
      { op: 6, seq: null },
    ]);
  });
});
