import { describe, expect, it } from 'vitest';
import { GatewayOpcodes } from 'discord-api-types/v10';
import { ShardStoppedError } from '../../src/errors.js';
import { useShardRigs, waitForGateway } from './harness.js';

const { rig, readyRig } = useShardRigs();

describe('stop()', () => {
  it('stop({ resumable: false }) closes with 1000 and the session is gone', async () => {
    const r = await readyRig();
    await r.sendAndReceive(2);
    const closed = waitForGateway(r.gateway, 'close');
    await r.shard.stop({ resumable: false });

    expect(await closed).toMatchObject({ code: 1000, initiator: 'client', sessionResumable: false });
    expect(r.gateway.sessions).toEqual([]);
    expect(r.shard.state).toBe('stopped');
    expect(r.shard.session).toBeNull();
  });

  it('stop() without options ends the session like resumable: false', async () => {
    const r = await readyRig();
    const closed = waitForGateway(r.gateway, 'close');
    await r.shard.stop();

    expect(await closed).toMatchObject({ code: 1000, initiator: 'client' });
    expect(r.gateway.sessions).toEqual([]);
  });

  it('stop({ resumable: true }) closes with a code other than 1000/1001 and keeps the session', async () => {
    const r = await readyRig();
    await r.sendAndReceive(2);
    const session = r.shard.session;
    const closed = waitForGateway(r.gateway, 'close');
    await r.shard.stop({ resumable: true });

    const close = await closed;
    expect(close).toMatchObject({ initiator: 'client', sessionResumable: true });
    expect([1000, 1001]).not.toContain(close.code);
    expect(r.gateway.sessions).toEqual([
      expect.objectContaining({ id: session?.sessionId, connected: false }),
    ]);
    expect(r.shard.state).toBe('stopped');
    expect(r.shard.session).toEqual(session);
    expect(r.eventsOf('stateChange').at(-1)).toEqual({ from: 'ready', to: 'stopped' });
  });

  it('a start() still waiting for READY rejects with ShardStoppedError', async () => {
    const r = await rig();
    r.hello.hold();
    const connected = waitForGateway(r.gateway, 'connection');
    const started = r.shard.start();
    await connected;
    const rejected = expect(started).rejects.toBeInstanceOf(ShardStoppedError);
    await r.shard.stop();
    await rejected;

    expect(r.shard.state).toBe('stopped');
  });

  it('start() after stop({ resumable: true }) resumes the same session and gets what was missed', async () => {
    const r = await readyRig();
    await r.sendAndReceive(2);
    const sessionId = r.sessionId;
    await r.shard.stop({ resumable: true });
    r.send(3);

    await r.shard.start();
    expect(r.shard.session?.sessionId).toBe(sessionId);
    await r.sendAndReceive(2);

    r.expectDeliveredExactlyOnce(sessionId);
    expect(r.gateway.stats.identifies).toBe(1);
    expect(r.gateway.stats.resumes).toBe(1);
  });

  // ShardEvents.connected: "The first session of a `start()` is live". Regression (fixed in 519636c):
  // a restarted shard used to report its session as `reconnected` only.
  it('start() after stop() emits connected again (resumed: true for a kept session)', async () => {
    const r = await readyRig();
    const sessionId = r.sessionId;
    await r.shard.stop({ resumable: true });

    // The event is emitted when start() settles: no need to wait for it.
    await r.shard.start();
    expect(r.eventsOf('connected')).toEqual([
      { sessionId, resumed: false },
      { sessionId, resumed: true },
    ]);
  });

  it('start() after stop({ resumable: false }) identifies a new session', async () => {
    const r = await readyRig();
    const oldSessionId = r.sessionId;
    await r.shard.stop({ resumable: false });

    await r.shard.start();
    expect(r.sessionId).not.toBe(oldSessionId);
    expect(r.gateway.stats.identifies).toBe(2);
    expect(r.gateway.stats.resumes).toBe(0);
  });
});

describe('handing a session to a new Shard', () => {
  it('a new Shard given the stopped shard’s session resumes it: RESUME, no IDENTIFY, connected resumed: true', async () => {
    const first = await readyRig();
    await first.sendAndReceive(3);
    const saved = first.shard.session;
    if (saved === null || saved.sequence === null) throw new Error('no session to hand over');
    await first.shard.stop({ resumable: true });
    // Sent while no shard is connected: the gateway buffers them for the session.
    const missed = first.send(4);
    expect(missed.every((record) => !record.delivered)).toBe(true);

    const second = await rig({ shard: { session: saved } }, first);
    const frames = first.gateway.received.length;
    await second.shard.start();
    await second.sendAndReceive(2);

    expect(second.eventsOf('connected')).toEqual([{ sessionId: saved.sessionId, resumed: true }]);
    const sent = first.gateway.received.slice(frames).map((frame) => frame.op);
    expect(sent).toContain(GatewayOpcodes.Resume);
    expect(sent).not.toContain(GatewayOpcodes.Identify);
    expect(first.gateway.received.slice(frames).find((f) => f.op === GatewayOpcodes.Resume)?.d).toMatchObject(
      {
        session_id: saved.sessionId,
        seq: saved.sequence,
      },
    );
    expect(first.gateway.stats.identifies).toBe(1);
    second.expectDeliveredExactlyOnce(saved.sessionId, saved.sequence);
    expect(second.shard.session?.sessionId).toBe(saved.sessionId);
  });

  it('the session survives a JSON round trip (another process)', async () => {
    const first = await readyRig();
    await first.sendAndReceive(1);
    await first.shard.stop({ resumable: true });
    const saved = JSON.parse(JSON.stringify(first.shard.session)) as typeof first.shard.session;
    first.send(2);

    const second = await rig({ shard: { session: saved } }, first);
    await second.shard.start();
    await second.sendAndReceive(1);

    expect(second.eventsOf('connected')).toEqual([{ sessionId: saved?.sessionId, resumed: true }]);
    second.expectDeliveredExactlyOnce(saved?.sessionId, saved?.sequence ?? 0);
  });

  it('a session whose resume_gateway_url is unreachable is resumed on the gateway URL', async () => {
    const first = await readyRig();
    await first.sendAndReceive(1);
    await first.shard.stop({ resumable: true });
    const saved = first.shard.session;
    if (saved === null) throw new Error('no session to hand over');
    first.send(2);

    // Port 1 on loopback: the connection is refused.
    const second = await rig({ shard: { session: { ...saved, resumeUrl: 'ws://127.0.0.1:1' } } }, first);
    await second.shard.start();
    await second.sendAndReceive(1);

    expect(second.eventsOf('connected')).toEqual([{ sessionId: saved.sessionId, resumed: true }]);
    expect(first.gateway.stats).toMatchObject({ identifies: 1, resumes: 1 });
    second.expectDeliveredExactlyOnce(saved.sessionId, saved.sequence ?? 0);
    expect(second.eventsOf('warning').map((w) => w.context)).toEqual([
      'the gateway connection failed; reconnecting',
    ]);
  });
});
