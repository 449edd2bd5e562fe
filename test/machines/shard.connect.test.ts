import { afterEach, describe, expect, it } from 'vitest';
import {
  flush,
  GATEWAY_URL,
  HEARTBEAT_INTERVAL,
  identifyToReady,
  readyShard,
  RESUME_URL,
  SESSION_ID,
  startPureShard,
  takeActorErrors,
} from './harness.js';

afterEach(() => {
  expect(takeActorErrors()).toEqual([]);
});

describe('connecting and identifying', () => {
  it('a created shard waits in idle and opens no socket', () => {
    const shard = startPureShard();
    shard.clock.increment(120_000);
    expect(shard.lifecycle()).toBe('idle');
    expect(shard.sockets).toEqual([]);
  });

  it('shard.start → connecting, opens a socket on the gateway url', () => {
    const shard = startPureShard();
    shard.start();
    expect(shard.lifecycle()).toBe('connecting');
    expect(shard.sockets).toEqual([GATEWAY_URL]);
    expect(shard.snapshot().hasTag('connected')).toBe(true);
    expect(shard.commands).toEqual([]);
  });

  it('HELLO without a session → identifying, waiting for the identify gate', () => {
    const shard = startPureShard();
    shard.start();
    shard.hello();
    expect(shard.lifecycle()).toEqual({ identifying: 'waitingForSlot' });
    expect(shard.context().heartbeatIntervalMs).toBe(HEARTBEAT_INTERVAL);
    expect(shard.commandTypes()).not.toContain('identify');
  });

  it('the identify gate is asked with the shard id', async () => {
    const asked: number[] = [];
    const shard = startPureShard(
      { shardId: 7 },
      {
        gate: ({ shardId }) => {
          asked.push(shardId);
          return Promise.resolve();
        },
      },
    );
    shard.start();
    shard.hello();
    await flush();
    expect(asked).toEqual([7]);
  });

  it('a gate that never resolves keeps the shard in waitingForSlot without identifying', async () => {
    const shard = startPureShard({}, { gate: () => new Promise<void>(() => undefined) });
    shard.start();
    shard.hello();
    await flush();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2); // first heartbeat
    shard.alive();
    shard.clock.increment(HEARTBEAT_INTERVAL); // second heartbeat
    await flush();
    expect(shard.lifecycle()).toEqual({ identifying: 'waitingForSlot' });
    expect(shard.commandTypes()).toEqual(['heartbeat', 'heartbeat']);
  });

  it('when the gate resolves, sends identify on the socket and awaits READY', async () => {
    const shard = startPureShard();
    shard.start();
    shard.hello();
    await flush();
    expect(shard.lifecycle()).toEqual({ identifying: 'awaitingReady' });
    expect(shard.commands).toEqual([{ type: 'identify', url: GATEWAY_URL, socket: 0 }]);
  });

  it('READY → ready: stores the session, emits session.identified, sends outbound.open', async () => {
    const shard = startPureShard();
    shard.start();
    await identifyToReady(shard, 'abc', 'wss://gateway-us-east1-c.discord.gg');
    expect(shard.lifecycle()).toBe('ready');
    expect(shard.snapshot().hasTag('ready')).toBe(true);
    expect(shard.context().session).toEqual({
      sessionId: 'abc',
      resumeUrl: 'wss://gateway-us-east1-c.discord.gg',
    });
    expect(shard.emitted).toEqual([{ type: 'session.identified', sessionId: 'abc' }]);
    expect(shard.commandTypes()).toEqual(['identify', 'outbound.open']);
  });

  it('the identify gate rejecting → reconnecting, the socket closed with 4000', async () => {
    const shard = startPureShard({}, { gate: () => Promise.reject(new Error('no identify budget')) });
    shard.start();
    shard.hello();
    await flush();
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.commands).toEqual([{ type: 'close', code: 4000, url: GATEWAY_URL, socket: 0 }]);
  });

  it('after a gate rejection the next connection identifies again', async () => {
    let calls = 0;
    const shard = startPureShard(
      {},
      { gate: () => (++calls === 1 ? Promise.reject(new Error('busy')) : Promise.resolve()) },
    );
    shard.start();
    shard.hello();
    await flush();
    shard.clock.increment(500);
    expect(shard.sockets).toEqual([GATEWAY_URL, GATEWAY_URL]);
    shard.hello();
    await flush();
    expect(shard.commandsTo(1).map((command) => command.type)).toEqual(['identify']);
  });

  it('a session given as input → the first connection goes to its resume url and resumes after HELLO', () => {
    const shard = startPureShard({ session: { sessionId: 'saved', resumeUrl: RESUME_URL } });
    shard.start();
    expect(shard.sockets).toEqual([RESUME_URL]);
    shard.hello();
    expect(shard.lifecycle()).toBe('resuming');
    expect(shard.commands).toEqual([{ type: 'resume', sessionId: 'saved', url: RESUME_URL, socket: 0 }]);
  });

  it('an input session without a resume url resumes on the gateway url', () => {
    const shard = startPureShard({ session: { sessionId: 'saved', resumeUrl: null } });
    shard.start();
    shard.hello();
    expect(shard.sockets).toEqual([GATEWAY_URL]);
    expect(shard.commandTypes()).toEqual(['resume']);
  });

  it('partial config input overrides only the given timings', () => {
    const shard = startPureShard({ config: { helloTimeoutMs: 5 } });
    expect(shard.context().config).toMatchObject({
      helloTimeoutMs: 5,
      readyTimeoutMs: 30_000,
      maxResumeAttempts: 3,
    });
  });
});

describe('connection timeouts', () => {
  it('no HELLO within helloTimeoutMs (20 s) → reconnecting, the socket closed with 4000', () => {
    const shard = startPureShard();
    shard.start();
    shard.clock.increment(19_999);
    expect(shard.lifecycle()).toBe('connecting');
    shard.clock.increment(1);
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.commands).toEqual([{ type: 'close', code: 4000, url: GATEWAY_URL, socket: 0 }]);
  });

  it('no READY within readyTimeoutMs (30 s) of identify → reconnecting', async () => {
    const shard = startPureShard();
    shard.start();
    shard.hello();
    await flush();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2); // first heartbeat at 20 625 ms
    shard.alive();
    shard.clock.increment(30_000 - HEARTBEAT_INTERVAL / 2 - 1);
    expect(shard.lifecycle()).toEqual({ identifying: 'awaitingReady' });
    shard.clock.increment(1);
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.commands.at(-1)).toMatchObject({ type: 'close', code: 4000 });
  });

  it('the hello timeout does not fire once HELLO arrived', async () => {
    const shard = await readyShard();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2);
    shard.alive();
    expect(shard.lifecycle()).toBe('ready');
  });

  it('the ready timeout does not fire once READY arrived', async () => {
    const shard = await readyShard();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2);
    shard.alive();
    shard.clock.increment(HEARTBEAT_INTERVAL);
    expect(shard.lifecycle()).toBe('ready');
    expect(shard.sockets).toHaveLength(1);
  });
});

describe('stale events are ignored', () => {
  it('gateway.ready while resuming is ignored', () => {
    const shard = startPureShard({ session: { sessionId: 'saved', resumeUrl: RESUME_URL } });
    shard.start();
    shard.hello();
    shard.ready('other', 'ws://other');
    expect(shard.lifecycle()).toBe('resuming');
    expect(shard.context().session).toEqual({ sessionId: 'saved', resumeUrl: RESUME_URL });
    expect(shard.emitted).toEqual([]);
  });

  it('gateway.resumed while awaiting READY is ignored', async () => {
    const shard = startPureShard();
    shard.start();
    shard.hello();
    await flush();
    shard.resumed();
    expect(shard.lifecycle()).toEqual({ identifying: 'awaitingReady' });
    expect(shard.emitted).toEqual([]);
  });

  it('gateway.ready before HELLO is ignored', () => {
    const shard = startPureShard();
    shard.start();
    shard.ready();
    expect(shard.lifecycle()).toBe('connecting');
    expect(shard.context().session).toBeNull();
  });

  it('gateway.ready while waiting for the identify slot is ignored', () => {
    const shard = startPureShard({}, { gate: () => new Promise<void>(() => undefined) });
    shard.start();
    shard.hello();
    shard.ready();
    expect(shard.lifecycle()).toEqual({ identifying: 'waitingForSlot' });
    expect(shard.context().session).toBeNull();
  });

  it('a second HELLO on a ready connection changes nothing', async () => {
    const shard = await readyShard();
    shard.hello(10_000);
    expect(shard.lifecycle()).toBe('ready');
    expect(shard.context().heartbeatIntervalMs).toBe(HEARTBEAT_INTERVAL);
  });

  it('a second READY on a ready connection changes nothing', async () => {
    const shard = await readyShard();
    shard.ready('other', 'ws://other');
    expect(shard.context().session?.sessionId).toBe(SESSION_ID);
    expect(shard.emitted).toHaveLength(1);
  });

  it('socket and gateway events while idle are ignored', () => {
    const shard = startPureShard();
    shard.hello();
    shard.close(4004);
    shard.send({ type: 'gateway.reconnect' });
    expect(shard.lifecycle()).toBe('idle');
    expect(shard.sockets).toEqual([]);
  });

  it('shard.start while connected does not open a second socket', async () => {
    const shard = await readyShard();
    shard.start();
    expect(shard.sockets).toHaveLength(1);
    expect(shard.lifecycle()).toBe('ready');
  });

  it('socket.closed while reconnecting (the old socket) is ignored', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.close(4004);
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.context().failure).toBeNull();
  });
});
