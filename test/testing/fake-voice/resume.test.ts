import { describe, expect, it } from 'vitest';
import { useFakeVoice, opusFrames } from './voice-harness.js';

/** v8 buffered resume (docs/protocol/voice.md §2.4): Resumed, then exactly the messages after `seq_ack`. */
describe('FakeVoiceServer resume', () => {
  const { start, connect, identified, connected } = useFakeVoice();

  it('replays exactly the sequenced messages after seq_ack, in order, after Resumed', async () => {
    const server = await start({ peers: [] });
    const { client, grant } = await identified(server);
    const session = server.sessions[0]!;
    await client.terminate();
    // Sent while the client is away: buffered with seqs 2, 3, 4.
    session.sendPayload(5, { user_id: '1', ssrc: 11, speaking: 1 });
    session.sendPayload(5, { user_id: '2', ssrc: 12, speaking: 1 });
    session.sendPayload(5, { user_id: '3', ssrc: 13, speaking: 1 });
    const again = await connect(server);
    const resumed = server.waitFor('resume');
    again.resume(grant, 2);
    expect(await resumed).toMatchObject({ outcome: 'resumed', seqAck: 2, replayed: 2 });
    const replayed = await again.waitForCount((m) => m.op === 5, 2, 'replayed messages');
    expect(replayed.map((m) => [m.seq, (m.d as { ssrc: number }).ssrc])).toEqual([
      [3, 12],
      [4, 13],
    ]);
    const ops = again.messages.map((m) => m.op);
    expect(ops.indexOf(9)).toBeLessThan(ops.indexOf(5));
    expect(again.messages.find((m) => m.op === 9)).toMatchObject({ d: null, seq: null });
  });

  it('replays nothing when seq_ack is the last seq, and everything for -1', async () => {
    const server = await start({ peers: [] });
    const { client, grant } = await identified(server);
    await client.terminate();
    const upToDate = await connect(server);
    upToDate.resume(grant, 1);
    await upToDate.waitForOp(9);
    upToDate.heartbeat();
    await upToDate.waitForOp(6);
    expect(upToDate.messages.filter((m) => m.seq !== null)).toEqual([]);
    await upToDate.terminate();
    const fresh = await connect(server);
    fresh.resume(grant, -1);
    const ready = await fresh.waitForOp(2);
    expect(ready.seq).toBe(1);
  });

  it('keeps numbering after a resume: new messages continue the sequence', async () => {
    const server = await start({ peers: [] });
    const { client, grant } = await identified(server);
    await client.terminate();
    const again = await connect(server);
    again.resume(grant, 1);
    await again.waitForOp(9);
    server.sessions[0]!.sendPayload(5, { user_id: '1', ssrc: 11, speaking: 1 });
    expect((await again.waitForOp(5)).seq).toBe(2);
  });

  it('closes with 4006 when the buffer no longer holds a missed message', async () => {
    const server = await start({ peers: [], replayBufferSize: 2 });
    const { client, grant } = await identified(server);
    await client.terminate();
    const session = server.sessions[0]!;
    for (let i = 0; i < 3; i++) session.sendPayload(5, { user_id: String(i + 1), ssrc: i + 1, speaking: 1 });
    const again = await connect(server);
    again.resume(grant, 1);
    expect((await again.waitForClose()).code).toBe(4006);
  });

  it('closes with 4006 for a seq_ack the session never sent, or an unknown session', async () => {
    const server = await start({ peers: [] });
    const { client, grant } = await identified(server);
    await client.terminate();
    const ahead = await connect(server);
    ahead.resume(grant, 7);
    expect((await ahead.waitForClose()).code).toBe(4006);
    const unknown = await connect(server);
    unknown.send({
      op: 7,
      d: { server_id: grant.guildId, session_id: 'nope', token: grant.token, seq_ack: 1 },
    });
    expect((await unknown.waitForClose()).code).toBe(4006);
  });

  it('closes with 4004 for a token that was never issued', async () => {
    const server = await start();
    const client = await connect(server);
    client.send({
      op: 7,
      d: { server_id: '81384788765712384', session_id: 'x', token: 'forged', seq_ack: 1 },
    });
    expect((await client.waitForClose()).code).toBe(4004);
  });

  it('wraps seq at 2^16 and resumes across the wrap', async () => {
    const server = await start({ peers: [], initialSeq: 65_534 });
    const { client, grant } = await identified(server);
    expect(client.messages.find((m) => m.op === 2)?.seq).toBe(65_534);
    await client.terminate();
    const session = server.sessions[0]!;
    session.sendPayload(5, { user_id: '1', ssrc: 1, speaking: 1 });
    session.sendPayload(5, { user_id: '2', ssrc: 2, speaking: 1 });
    const again = await connect(server);
    again.resume(grant, 65_534);
    const replayed = await again.waitForCount((m) => m.op === 5, 2, 'replayed');
    expect(replayed.map((m) => m.seq)).toEqual([65_535, 0]);
  });

  it('keeps the session resumable after a 4015 close and ends it after 4014', async () => {
    const server = await start({ peers: [] });
    const { client, grant } = await identified(server);
    server.connections[0]!.close(4015);
    expect((await client.waitForClose()).code).toBe(4015);
    const again = await connect(server);
    again.resume(grant);
    await again.waitForOp(9);
    server.connections[0]!.close(4014);
    await again.waitForClose();
    const late = await connect(server);
    late.resume(grant);
    expect((await late.waitForClose()).code).toBe(4006);
  });

  it('ends the session when the client closes with 1000', async () => {
    const server = await start({ peers: [] });
    const { client, grant } = await identified(server);
    const ended = server.waitFor('sessionEnd');
    client.socket.close(1000);
    await ended;
    const again = await connect(server);
    again.resume(grant);
    expect((await again.waitForClose()).code).toBe(4006);
  });

  it('ends a disconnected session after sessionTtlMs', async () => {
    const server = await start({ peers: [], sessionTtlMs: 50 });
    const { client, grant } = await identified(server);
    const ended = server.waitFor('sessionEnd');
    await client.terminate();
    await ended;
    const again = await connect(server);
    again.resume(grant);
    expect((await again.waitForClose()).code).toBe(4006);
  });

  it('keeps SSRC, key, UDP association and nonce state across a resume', async () => {
    const server = await start();
    const first = await connected(server);
    const [a, b] = opusFrames(2);
    first.client.speaking(first.ready.ssrc);
    first.sendOpus(a!);
    await server.waitFor('audio');
    await first.client.terminate();
    const again = await connect(server);
    again.resume(first.grant);
    await again.waitForOp(9);
    const second = server.waitFor('audio');
    first.sendOpus(b!);
    expect(await second).toMatchObject({ ssrc: first.ready.ssrc, nonce: 2, opus: b });
    expect(server.sessions[0]!.secretKey.equals(first.key)).toBe(true);
    // A client that reset its nonce counter on resume reuses nonces: dropped, as replays are.
    first.udp.nonce = 0;
    const violation = server.waitFor('violation');
    first.sendOpus(a!);
    expect(await violation).toMatchObject({ kind: 'nonce-not-increasing' });
  });
});
