import { describe, expect, it } from 'vitest';
import { useFakeVoice } from './voice-harness.js';

/** v8 heartbeats (docs/protocol/voice.md §2.4): op 3 `{t, seq_ack}` → op 6 `{t}`, and the server's watchdog. */
describe('FakeVoiceServer heartbeats', () => {
  const { start, connect, identified } = useFakeVoice();

  it('answers op 3 with op 6 echoing t, without seq', async () => {
    const server = await start();
    const { client } = await identified(server);
    client.heartbeat(1501184119561);
    const ack = await client.waitForOp(6);
    expect(ack.d).toEqual({ t: 1501184119561 });
    expect(ack.seq).toBeNull();
  });

  it('answers heartbeats before Identify too', async () => {
    const server = await start();
    const client = await connect(server);
    client.heartbeat(7, -1);
    expect((await client.waitForOp(6)).d).toEqual({ t: 7 });
  });

  it('records seq_ack next to the last seq the session sent', async () => {
    const server = await start();
    const { client } = await identified(server);
    await client.waitForOp(11);
    const behind = server.waitFor('heartbeat');
    client.heartbeat(1, 1);
    expect(await behind).toMatchObject({ t: 1, seqAck: 1, lastSeqSent: 2, acked: true });
    const current = server.waitFor('heartbeat');
    client.heartbeat(2);
    expect(await current).toMatchObject({ seqAck: 2, lastSeqSent: 2 });
    const omitted = server.waitFor('heartbeat');
    client.send({ op: 3, d: { t: 3 } });
    expect(await omitted).toMatchObject({ seqAck: null });
    expect(server.heartbeats.map((h) => h.seqAck)).toEqual([1, 2, null]);
  });

  it('closes a client that stops heartbeating with 4009 after interval + grace, and ends its session', async () => {
    const server = await start({ heartbeatIntervalMs: 150, heartbeatGraceMs: 100 });
    // Taken before connecting, so it precedes Hello, where the window starts.
    const started = Date.now();
    const { client } = await identified(server);
    const closed = await client.waitForClose();
    expect(closed).toEqual({ code: 4009, reason: 'Session timeout.' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(245);
    expect(server.sessions).toHaveLength(0);
  });

  it('keeps a client that heartbeats on time open past the watchdog window', async () => {
    const server = await start({ heartbeatIntervalMs: 200, heartbeatGraceMs: 200 });
    const { client } = await identified(server);
    const started = Date.now();
    const beat = setInterval(() => client.heartbeat(), 60);
    try {
      // Ten ACKs span more than the 400 ms window.
      await client.waitForCount((m) => m.op === 6, 10, 'ACKs');
    } finally {
      clearInterval(beat);
    }
    expect(Date.now() - started).toBeGreaterThan(400);
    expect(client.closeInfo).toBeNull();
  });

  it('stops and resumes ACKs on demand (a zombie connection)', async () => {
    const server = await start();
    const { client } = await identified(server);
    const connection = server.connections[0]!;
    connection.stopHeartbeatAcks();
    const unacked = server.waitFor('heartbeat');
    client.heartbeat(1);
    expect(await unacked).toMatchObject({ acked: false });
    connection.resumeHeartbeatAcks();
    client.heartbeat(2);
    expect((await client.waitForOp(6)).d).toEqual({ t: 2 });
    expect(client.messages.filter((m) => m.op === 6)).toHaveLength(1);
  });
});
