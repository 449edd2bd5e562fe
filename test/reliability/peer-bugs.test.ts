/**
 * One regression test per class of bug seen in other Discord gateway libraries, each against a real
 * `Shard` and the `FakeGateway`. Every test also runs the soak's exactly-once ledger.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import { SessionStartGate } from '../../src/index.js';
import type { DispatchData, FakeGateway, FakeGatewayConnection } from '../../src/testing/index.js';
import { FAST_TIMING, INTENTS, TOKEN, countProcessErrors, gatewayEvent, useRigs } from './helpers.js';
import { serverSocketOf } from './soak/faults.js';

const { rig, readyRig, startGateway, createShard } = useRigs();
const processErrors = countProcessErrors();
afterAll(() => processErrors.dispose());

/** An ephemeral port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function connectionById(gateway: FakeGateway, id: number): FakeGatewayConnection | undefined {
  return gateway.connections.find((conn) => conn.id === id);
}

/** A GUILD_CREATE of about 170 KB: 800 channels. */
function largeGuildCreate(index: number): DispatchData<GatewayDispatchEvents.GuildCreate> {
  return {
    id: String(81384788765712384n + BigInt(index)),
    name: `flood ${index}`,
    channels: Array.from({ length: 800 }, (_, channel) => ({
      id: String(1_100_000_000_000_000_000n + BigInt(channel)),
      type: 0,
      name: `channel-${channel}`,
      position: channel,
      topic: 'a channel topic long enough to make the guild large '.repeat(2),
    })),
  };
}

describe('regressions of peer-library bug classes', () => {
  it('shards stuck in "reconnecting" after op 9: op 9 true resumes, op 9 false (live, or answering a RESUME) identifies again; ready every time', async () => {
    const r = await readyRig();
    const first = r.sessionId;
    await r.sendAndReceive(3);

    // op 9 d:true mid-session → reconnect and RESUME the same session.
    r.connection.invalidateSession(true);
    r.send(2);
    await r.until(() => r.counters.resumed === 1 && r.shard.state === 'ready', 'resumed after op 9 true');
    expect(r.sessionId).toBe(first);
    await r.delivered();

    // op 9 d:false mid-session → wait (invalidSessionMinMs), identify on the same socket, report the gap.
    const connections = r.gateway.stats.connections;
    r.connection.invalidateSession(false);
    await r.until(
      () => r.counters.newSessions === 1 && r.shard.state === 'ready',
      'a new session after op 9 false',
      8_000,
    );
    expect(r.gateway.stats.connections).toBe(connections);
    expect(r.eventsOf('sessionLost').map((lost) => lost.sessionId)).toEqual([first]);
    const second = r.sessionId;
    await r.sendAndReceive(2);

    // op 9 d:false as the answer to RESUME (the session expired while the shard was away).
    const answered = gatewayEvent(r.gateway, 'resume', (attempt) => attempt.sessionId === second);
    r.connection.terminate();
    r.gateway.expireSession(second);
    expect((await answered).outcome).toBe('invalid-session');
    await r.until(
      () => r.counters.newSessions === 2 && r.shard.state === 'ready',
      'a new session after a refused RESUME',
      8_000,
    );
    expect(r.eventsOf('sessionLost').map((lost) => lost.sessionId)).toEqual([first, second]);
    expect(r.eventsOf('reconnected').map((event) => event.isNewSession)).toEqual([false, true, true]);
    await r.sendAndReceive(2);
    r.expectClean();
  });

  it('a late close event of an old socket killing the new one: the replaced socket closes with 4004 after the resume, and the shard stays ready', async () => {
    const r = await readyRig({ gateway: { heartbeatIntervalMs: 500 } });
    await r.sendAndReceive(2);
    const old = r.connection;
    const raw = serverSocketOf(old);
    expect(raw, 'the fake connection exposes its TCP socket').not.toBeNull();
    // The server stops reading the old socket: the shard's close frame stays unanswered.
    raw?.pause();
    const resumed = gatewayEvent(r.gateway, 'resumed');
    old.sendReconnect({ closeAfterMs: null });
    await resumed;
    await r.until(() => r.shard.state === 'ready' && r.connection.id !== old.id, 'ready on a new connection');
    const fresh = r.connection;
    expect(old.open).toBe(true);
    const stateChanges = r.eventsOf('stateChange').length;

    // Now, late, the old socket closes with a fatal code (and the server answers the shard's close frame).
    const oldClosed = gatewayEvent(r.gateway, 'close', (record) => record.connectionId === old.id);
    old.close(4004);
    raw?.resume();
    expect((await oldClosed).code).toBe(4004);
    // The shard has seen that close frame by now; a heartbeat and a round trip on the new socket prove it lives on.
    await gatewayEvent(r.gateway, 'heartbeat', (beat) => beat.connectionId === fresh.id);
    await r.sendAndReceive(3);
    expect(r.shard.state).toBe('ready');
    expect(r.shard.failure).toBeNull();
    expect(r.eventsOf('failure')).toEqual([]);
    expect(r.eventsOf('stateChange')).toHaveLength(stateChanges);
    expect(r.connection.id).toBe(fresh.id);
    r.expectClean();
  });

  it('resume→close→resume loops burning identifies: after maxResumeAttempts failed resumes exactly one identify; resumes spend no session start', async () => {
    const gate = new SessionStartGate({
      maxConcurrency: 1,
      intervalMs: 0,
      budget: { total: 10, remaining: 10, resetAfterMs: 86_400_000 },
    });
    const maxResumeAttempts = 2;
    const r = await rig({
      gateway: { holdHandshake: true },
      shard: { identifyGate: gate, timing: { ...FAST_TIMING, maxResumeAttempts } },
    });
    // Every IDENTIFY is answered; every RESUME is answered by closing its connection (4000) before RESUMED.
    const resumes: number[] = [];
    r.gateway.on('identify', (attempt) => {
      if (attempt.outcome === 'ready')
        setImmediate(() => connectionById(r.gateway, attempt.connectionId)?.releaseHandshake());
    });
    r.gateway.on('frame', (frame) => {
      if (frame.op !== GatewayOpcodes.Resume) return;
      resumes.push(frame.connectionId);
      connectionById(r.gateway, frame.connectionId)?.close(4000);
    });
    await r.shard.start();
    expect([gate.granted, gate.remaining]).toEqual([1, 9]);
    const first = r.sessionId;
    await r.sendAndReceive(3);
    const lastSequence = r.shard.session?.sequence;

    r.connection.terminate();
    await r.until(
      () => r.counters.newSessions === 1 && r.shard.state === 'ready',
      'a new session after the failed resumes',
      8_000,
    );
    expect(resumes).toHaveLength(maxResumeAttempts);
    expect(r.gateway.stats.identifies).toBe(2);
    expect(r.gateway.stats.resumes).toBe(0);
    expect([gate.granted, gate.remaining]).toEqual([2, 8]);
    expect(r.eventsOf('sessionLost')).toEqual([{ sessionId: first, lastSequence }]);
    // Stable afterwards: no further identify, dispatches flow.
    await r.sendAndReceive(3);
    expect(r.gateway.stats.identifies).toBe(2);
    r.expectClean();
  });

  it('busy shards killed as zombies during GUILD_CREATE floods: ACKs withheld but frames flowing → no reconnect; silence → reconnect and resume', async () => {
    const r = await readyRig({
      gateway: { heartbeatIntervalMs: 300, heartbeatGraceMs: 1_000 },
      shard: { random: () => 0.5 },
    });
    const conn = r.connection;
    const connections = r.gateway.stats.connections;
    let unacked = 0;
    let flooding = true;
    r.gateway.on('heartbeat', (beat) => {
      if (beat.connectionId !== conn.id || beat.acked) return;
      unacked += 1;
      // Frames keep arriving between heartbeats: a flood of large GUILD_CREATEs.
      if (flooding) {
        for (let index = 0; index < 3; index++)
          r.gateway.dispatch(GatewayDispatchEvents.GuildCreate, largeGuildCreate(unacked * 3 + index), {
            shardId: 0,
          });
      }
    });
    conn.stopHeartbeatAcks();
    await r.until(() => unacked >= 6, 'six heartbeats went unacknowledged during the flood', 8_000);
    await r.delivered('the flood is delivered');
    expect(conn.open).toBe(true);
    expect(r.gateway.stats.connections).toBe(connections);
    expect(r.gateway.closes.filter((record) => record.connectionId === conn.id)).toEqual([]);
    expect(r.counters.resumed).toBe(0);

    // The same connection falls silent: now it is a zombie, dropped without a close frame and resumed.
    flooding = false;
    const dropped = gatewayEvent(r.gateway, 'close', (record) => record.connectionId === conn.id, 3_000);
    expect((await dropped).initiator).toBe('transport');
    await r.until(() => r.counters.resumed === 1 && r.shard.state === 'ready', 'resumed after the zombie');
    await r.sendAndReceive(2);
    r.expectClean();
  });

  it('network errors (ECONNREFUSED on connect) surfacing as unhandled rejections: the shard retries with back-off, warns, and connects once the gateway is up', async () => {
    const port = await closedPort();
    const shard = createShard({
      token: TOKEN,
      intents: INTENTS,
      gatewayUrl: `ws://127.0.0.1:${port}`,
      compress: 'zlib-stream',
      fetchGatewayInfo: false,
      random: () => 0.999,
      timing: { ...FAST_TIMING, backoffBaseMs: 20, backoffMaxMs: 320 },
    });
    const refused: number[] = [];
    let otherWarnings = 0;
    let check = (): void => undefined;
    shard.on('warning', ({ error }) => {
      const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
      if (
        (error as { code?: string }).code === 'STATECORD_ERR_GATEWAY_CONNECTION' &&
        cause?.code === 'ECONNREFUSED'
      ) {
        refused.push(performance.now());
      } else otherWarnings += 1;
      check();
    });
    const started = shard.start();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${refused.length} refused connections warned`)),
        5_000,
      );
      check = () => {
        if (refused.length < 5) return;
        clearTimeout(timer);
        resolve();
      };
    });
    expect(otherWarnings).toBe(0);
    expect(['connecting', 'reconnecting']).toContain(shard.state);
    expect(shard.snapshot.context.reconnectAttempts).toBeGreaterThanOrEqual(4);
    // Back-off grows: the 4th retry waits 0.999 × 160 ms (timers never fire early).
    const gaps = refused.slice(1).map((at, index) => at - (refused[index] ?? at));
    expect(gaps[3]).toBeGreaterThanOrEqual(150);
    expect(processErrors.rejections).toEqual([]);
    expect(processErrors.exceptions).toEqual([]);

    // The gateway comes up on that port: the pending start() resolves.
    const gateway = await startGateway({ port });
    await started;
    expect(shard.state).toBe('ready');
    expect(gateway.stats.identifies).toBe(1);
    expect(processErrors.rejections).toEqual([]);
  });
});
