import { describe, expect, it } from 'vitest';
import { GatewayCloseCodes, GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import type { FakeGateway } from '../../src/testing/index.js';
import { useFakeGateway } from './harness.js';
import type { RawClient } from './raw-client.js';

const { start, connect, identified } = useFakeGateway();

const DM = { channel_id: '1', content: 'hi', author: { id: '2' } };

/** Identifies, then drops the client with `how`, and waits until the gateway saw the close. */
async function identifiedThenGone(
  gateway: FakeGateway,
  how: (client: RawClient) => Promise<void>,
): Promise<{ sessionId: string; seq: number }> {
  const { client, ready } = await identified(gateway, { intents: 1 << 12 });
  const closed = gateway.waitFor('close');
  await how(client);
  await closed;
  return { sessionId: ready.session_id, seq: 1 };
}

async function resumeOnNewSocket(gateway: FakeGateway, sessionId: string, seq: number): Promise<RawClient> {
  const client = await connect(gateway);
  await client.waitForOp(GatewayOpcodes.Hello);
  client.resume(gateway.options.token, sessionId, seq);
  return client;
}

describe('Resume', () => {
  it('replays missed dispatches with their original s, then RESUMED with the next s', async () => {
    const gateway = await start();
    const { sessionId } = await identifiedThenGone(gateway, (c) => c.close(4000));
    const sent = [1, 2, 3].map((n) =>
      gateway.dispatch(GatewayDispatchEvents.MessageCreate, { ...DM, id: String(n) }),
    );
    expect(sent.map((records) => records[0]?.delivered)).toEqual([false, false, false]);
    const client = await resumeOnNewSocket(gateway, sessionId, 1);
    await client.waitForDispatch(GatewayDispatchEvents.Resumed);
    expect(client.dispatches().map((f) => [f.t, f.s])).toEqual([
      ['MESSAGE_CREATE', 2],
      ['MESSAGE_CREATE', 3],
      ['MESSAGE_CREATE', 4],
      ['RESUMED', 5],
    ]);
  });

  it('goes live after RESUMED: the next dispatch carries the next s', async () => {
    const gateway = await start();
    const { sessionId } = await identifiedThenGone(gateway, (c) => c.terminate());
    const client = await resumeOnNewSocket(gateway, sessionId, 1);
    await client.waitForDispatch(GatewayDispatchEvents.Resumed);
    expect(gateway.dispatch(GatewayDispatchEvents.MessageCreate, DM)).toEqual([
      expect.objectContaining({ s: 3, delivered: true }),
    ]);
    expect((await client.waitForDispatch(GatewayDispatchEvents.MessageCreate)).s).toBe(3);
  });

  it('replays from the seq the client sent, including dispatches it may have seen', async () => {
    const gateway = await start();
    const { client, ready } = await identified(gateway, { intents: 1 << 12 });
    gateway.dispatch(GatewayDispatchEvents.MessageCreate, DM);
    await client.waitForDispatch(GatewayDispatchEvents.MessageCreate);
    await client.close(4000);
    const next = await resumeOnNewSocket(gateway, ready.session_id, 1);
    await next.waitForDispatch(GatewayDispatchEvents.Resumed);
    expect(next.dispatches().map((f) => f.s)).toEqual([2, 3]);
  });

  it('emits resume and resumed, and counts the resume', async () => {
    const gateway = await start();
    const { sessionId } = await identifiedThenGone(gateway, (c) => c.close(4000));
    const resumed = gateway.waitFor('resumed');
    await resumeOnNewSocket(gateway, sessionId, 1);
    expect(await resumed).toMatchObject({ sessionId, replayed: 0, s: 2 });
    expect(gateway.stats.resumes).toBe(1);
  });

  it('answers op 9 false for an unknown session and keeps the socket open for Identify', async () => {
    const gateway = await start();
    const client = await resumeOnNewSocket(gateway, 'f'.repeat(32), 0);
    expect((await client.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
    client.identify(gateway.options.token);
    await client.waitForDispatch(GatewayDispatchEvents.Ready);
  });

  it('closes with 4007 when seq is ahead of the last s sent', async () => {
    const gateway = await start();
    const { sessionId } = await identifiedThenGone(gateway, (c) => c.close(4000));
    const client = await resumeOnNewSocket(gateway, sessionId, 2);
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.InvalidSeq);
  });

  it('answers op 9 false when the replay buffer no longer reaches seq + 1', async () => {
    const gateway = await start({ replayBufferSize: 2 });
    const { sessionId } = await identifiedThenGone(gateway, (c) => c.close(4000));
    for (let i = 0; i < 3; i++) gateway.dispatch(GatewayDispatchEvents.MessageCreate, DM);
    const client = await resumeOnNewSocket(gateway, sessionId, 1);
    expect((await client.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
  });

  it('closes with 4004 for a Resume with a wrong token', async () => {
    const gateway = await start();
    const { sessionId } = await identifiedThenGone(gateway, (c) => c.close(4000));
    const client = await connect(gateway);
    client.resume('wrong', sessionId, 1);
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.AuthenticationFailed);
  });

  it('closes with 4001 for a Resume without seq', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    client.send({ op: GatewayOpcodes.Resume, d: { token: gateway.options.token, session_id: 'x' } });
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.UnknownOpcode);
  });
});

describe('session lifetime', () => {
  it('a client close with 1000 ends the session', async () => {
    const gateway = await start();
    const { sessionId } = await identifiedThenGone(gateway, (c) => c.close(1000));
    expect(gateway.sessions).toHaveLength(0);
    const client = await resumeOnNewSocket(gateway, sessionId, 1);
    expect((await client.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
  });

  it('a client close with 1001 ends the session', async () => {
    const gateway = await start();
    await identifiedThenGone(gateway, (c) => c.close(1001));
    expect(gateway.sessions).toHaveLength(0);
  });

  it('a client close with 4000 keeps the session resumable', async () => {
    const gateway = await start();
    const closed = gateway.waitFor('close');
    const { sessionId } = await identifiedThenGone(gateway, (c) => c.close(4000));
    expect(await closed).toMatchObject({ initiator: 'client', code: 4000, sessionResumable: true });
    expect(gateway.sessions).toEqual([expect.objectContaining({ id: sessionId, connected: false })]);
  });

  it('a TCP loss keeps the session resumable and is recorded as 1006 from the transport', async () => {
    const gateway = await start();
    const closed = gateway.waitFor('close');
    await identifiedThenGone(gateway, (c) => c.terminate());
    expect(await closed).toMatchObject({ initiator: 'transport', code: 1006, sessionResumable: true });
    expect(gateway.stats.closesByCode.client).toEqual({ 1006: 1 });
  });

  it('a disconnected session expires after sessionTtlMs', async () => {
    const gateway = await start({ sessionTtlMs: 50 });
    const { sessionId } = await identifiedThenGone(gateway, (c) => c.close(4000));
    const client = await connect(gateway);
    await client.waitForOp(GatewayOpcodes.Hello);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (gateway.sessions.length > 0) return;
        clearInterval(poll);
        resolve();
      }, 5);
    });
    client.resume(gateway.options.token, sessionId, 1);
    expect((await client.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
  });

  it('expireSession() ends a disconnected session at once', async () => {
    const gateway = await start();
    const { sessionId } = await identifiedThenGone(gateway, (c) => c.close(4000));
    expect(gateway.expireSession(sessionId)).toBe(true);
    const client = await resumeOnNewSocket(gateway, sessionId, 1);
    expect((await client.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
  });

  it('after a resume on a new connection, the old one no longer receives the session dispatches', async () => {
    const gateway = await start();
    const { client: old, ready } = await identified(gateway, { intents: 1 << 12 });
    const next = await resumeOnNewSocket(gateway, ready.session_id, 1);
    await next.waitForDispatch(GatewayDispatchEvents.Resumed);
    gateway.dispatch(GatewayDispatchEvents.MessageCreate, DM);
    await next.waitForDispatch(GatewayDispatchEvents.MessageCreate);
    old.heartbeat(1);
    await old.waitForOp(GatewayOpcodes.HeartbeatAck);
    expect(old.dispatches(GatewayDispatchEvents.MessageCreate)).toHaveLength(0);
    // Closing the old socket with 1000 no longer ends the session it lost.
    const oldClosed = gateway.waitFor('close');
    await old.close(1000);
    await oldClosed;
    expect(gateway.sessions).toEqual([expect.objectContaining({ id: ready.session_id, connected: true })]);
  });
});
