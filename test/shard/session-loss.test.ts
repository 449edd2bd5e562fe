import { describe, expect, it } from 'vitest';
import { GatewayOpcodes } from 'discord-api-types/v10';
import type { ReceivedFrame } from '../../src/testing/index.js';
import {
  INVALID_SESSION_TIMEOUT_MS,
  NO_JITTER,
  TEST_TIMING,
  nextEvent,
  useShardRigs,
  waitForGateway,
} from './harness.js';

const { rig, readyRig } = useShardRigs();

describe('a close code that ends the session', () => {
  it.for([4003, 4007, 4009])(
    'on %i the shard identifies anew: sessionLost with the last sequence, reconnected with isNewSession: true',
    async (code) => {
      const r = await readyRig();
      await r.sendAndReceive(3);
      const oldSessionId = r.sessionId;
      const lastSequence = r.shard.session?.sequence;

      const reconnected = nextEvent(r.shard, 'reconnected');
      r.connection.close(code);
      const { sessionId } = await reconnected;

      expect(sessionId).not.toBe(oldSessionId);
      expect(r.shard.session?.sessionId).toBe(sessionId);
      expect(r.eventsOf('sessionLost')).toEqual([{ sessionId: oldSessionId, lastSequence }]);
      expect(r.eventsOf('reconnected')).toEqual([{ sessionId, isNewSession: true }]);
      expect(r.gateway.stats.identifies).toBe(2);
      expect(r.gateway.received.filter((frame) => frame.op === GatewayOpcodes.Resume)).toEqual([]);
      await r.sendAndReceive(2);
      r.expectDeliveredExactlyOnce(sessionId);
    },
  );

  it('a RESUME with a sequence ahead of the session (4007) makes a new shard identify anew', async () => {
    const first = await readyRig();
    await first.sendAndReceive(2);
    const saved = first.shard.session;
    await first.shard.stop({ resumable: true });
    if (saved === null || saved.sequence === null) throw new Error('no session to hand over');

    const tampered = { ...saved, sequence: saved.sequence + 10 };
    const closed = waitForGateway(first.gateway, 'close', (close) => close.code === 4007);
    const second = await rig({ shard: { session: tampered } }, first);
    await second.shard.start();
    await closed;

    expect(second.eventsOf('sessionLost')).toEqual([
      { sessionId: saved.sessionId, lastSequence: tampered.sequence },
    ]);
    expect(second.eventsOf('connected')).toEqual([{ sessionId: second.sessionId, resumed: false }]);
    expect(second.sessionId).not.toBe(saved.sessionId);
    expect(second.shard.session?.sequence).toBeLessThanOrEqual(2);
  });
});

describe('op 9 Invalid Session', () => {
  it('d: true makes the shard resume: reconnected with isNewSession: false, every dispatch once', async () => {
    const r = await readyRig();
    await r.sendAndReceive(2);
    const sessionId = r.sessionId;

    const reconnected = nextEvent(r.shard, 'reconnected');
    r.connection.invalidateSession(true);
    r.send(2);
    expect(await reconnected).toEqual({ sessionId, isNewSession: false });
    await r.sendAndReceive(2);

    r.expectDeliveredExactlyOnce(sessionId);
    expect(r.gateway.stats.identifies).toBe(1);
    expect(r.gateway.stats.resumes).toBe(1);
    expect(r.eventsOf('sessionLost')).toEqual([]);
  });

  it('d: false makes the shard identify again on a new session: sessionLost, reconnected isNewSession: true', async () => {
    const r = await readyRig({ shard: { random: NO_JITTER } });
    await r.sendAndReceive(2);
    const oldSessionId = r.sessionId;
    const lastSequence = r.shard.session?.sequence;

    const lost = nextEvent(r.shard, 'sessionLost');
    const reconnected = nextEvent(r.shard, 'reconnected', undefined, INVALID_SESSION_TIMEOUT_MS);
    r.connection.invalidateSession(false);
    expect(await lost).toEqual({ sessionId: oldSessionId, lastSequence });
    const { sessionId, isNewSession } = await reconnected;

    expect(isNewSession).toBe(true);
    expect(sessionId).not.toBe(oldSessionId);
    expect(r.gateway.stats.identifies).toBe(2);
    expect(r.gateway.stats.resumes).toBe(0);
    await r.sendAndReceive(2);
    r.expectDeliveredExactlyOnce(sessionId);
  });

  it('a RESUME answered with op 9 false (session expired meanwhile) ends in a new session', async () => {
    const r = await readyRig({ shard: { random: NO_JITTER } });
    await r.sendAndReceive(2);
    const oldSessionId = r.sessionId;
    const lastSequence = r.shard.session?.sequence;

    r.hello.hold();
    const nextConnection = waitForGateway(r.gateway, 'connection');
    const closed = waitForGateway(r.gateway, 'close');
    r.connection.terminate();
    await Promise.all([nextConnection, closed]);
    expect(r.gateway.expireSession(oldSessionId)).toBe(true);

    const invalid = waitForGateway(r.gateway, 'resume', (attempt) => attempt.outcome === 'invalid-session');
    const reconnected = nextEvent(r.shard, 'reconnected', undefined, INVALID_SESSION_TIMEOUT_MS);
    r.hello.release();
    await invalid;
    const { sessionId, isNewSession } = await reconnected;

    expect(isNewSession).toBe(true);
    expect(sessionId).not.toBe(oldSessionId);
    expect(r.eventsOf('sessionLost')).toEqual([{ sessionId: oldSessionId, lastSequence }]);
    expect(r.gateway.stats.identifies).toBe(2);
  });
});

describe('resumes that never complete', () => {
  it('after maxResumeAttempts RESUMEs without RESUMED the shard identifies a new session', async () => {
    const r = await readyRig({ shard: { timing: { ...TEST_TIMING, maxResumeAttempts: 2 } } });
    await r.sendAndReceive(1);
    const oldSessionId = r.sessionId;
    const lastSequence = r.shard.session?.sequence;
    // Every RESUME is cut off before its answer can arrive.
    const cutResumes = (frame: ReceivedFrame): void => {
      if (frame.op !== GatewayOpcodes.Resume) return;
      r.gateway.connections.find((conn) => conn.id === frame.connectionId)?.close(4000);
    };
    r.gateway.on('frame', cutResumes);
    const reconnected = nextEvent(r.shard, 'reconnected');
    r.connection.terminate();
    const { sessionId, isNewSession } = await reconnected;
    r.gateway.off('frame', cutResumes);

    expect(isNewSession).toBe(true);
    expect(sessionId).not.toBe(oldSessionId);
    expect(r.gateway.received.filter((frame) => frame.op === GatewayOpcodes.Resume)).toHaveLength(2);
    expect(r.eventsOf('sessionLost')).toEqual([{ sessionId: oldSessionId, lastSequence }]);
    expect(r.gateway.stats.identifies).toBe(2);
  });
});

describe('heartbeats', () => {
  it('after a resume, heartbeats carry the session’s sequence (not a reset one)', async () => {
    const r = await readyRig({ gateway: { heartbeatIntervalMs: 1_000 } });
    await r.sendAndReceive(3);
    const reconnected = nextEvent(r.shard, 'reconnected');
    r.connection.terminate();
    await reconnected;
    const connectionId = r.connection.id;

    const beat = await waitForGateway(r.gateway, 'heartbeat', (b) => b.connectionId === connectionId);
    // RESUMED itself carries the next sequence number.
    expect(beat.d).toBe(r.gateway.sessions[0]?.seq);
    expect(beat.d).toBe(6);
  });

  it('answers a server op 1 with a heartbeat at once, carrying the last sequence', async () => {
    const r = await readyRig({ gateway: { heartbeatIntervalMs: 2_000 } });
    await r.sendAndReceive(2);
    // The first, jittered heartbeat comes after 100 ms; the next one is due 2 s later.
    await waitForGateway(r.gateway, 'heartbeat');

    const requested = waitForGateway(r.gateway, 'heartbeat', undefined, 500);
    r.connection.requestHeartbeat();
    expect(await requested).toMatchObject({ d: r.shard.session?.sequence, acked: true });
  });

  it('heartbeats with the last sequence and measures the latency from the ACK', async () => {
    const r = await readyRig({ gateway: { heartbeatIntervalMs: 200 } });
    await r.sendAndReceive(3);
    // A heartbeat written between two of those dispatches may still be on its way (it carries the
    // sequence of its moment): the one after it was written with all of them received.
    await waitForGateway(r.gateway, 'heartbeat');
    const beat = await waitForGateway(r.gateway, 'heartbeat');
    expect(beat.d).toBe(r.shard.session?.sequence);

    expect(r.shard.latency).toEqual(expect.any(Number));
    expect(r.shard.latency).toBeGreaterThanOrEqual(0);
  });

  it('a busy shard is no zombie: with ACKs stopped but dispatches flowing, it keeps its connection', async () => {
    const r = await readyRig({ gateway: { heartbeatIntervalMs: 120 } });
    const connection = r.connection;
    connection.stopHeartbeatAcks();
    // A dispatch every 15 ms: eight per heartbeat interval.
    const flow = setInterval(() => r.send(1), 15);
    try {
      let unacked = 0;
      await waitForGateway(
        r.gateway,
        'heartbeat',
        (beat) => beat.connectionId === connection.id && !beat.acked && ++unacked === 4,
      );
    } finally {
      clearInterval(flow);
    }

    expect(connection.open).toBe(true);
    expect(r.gateway.stats.connections).toBe(1);
    expect(r.gateway.closes).toEqual([]);
    expect(r.eventsOf('reconnected')).toEqual([]);
    expect(r.shard.state).toBe('ready');
    const last = r.gateway.sessions[0]?.seq ?? 0;
    await r.waitForSequence(last);
    r.expectDeliveredExactlyOnce();
  });
});
