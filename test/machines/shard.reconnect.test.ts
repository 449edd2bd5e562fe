import { afterEach, describe, expect, it } from 'vitest';
import type { PureShard } from './harness.js';
import {
  flush,
  GATEWAY_URL,
  HEARTBEAT_INTERVAL,
  readyShard,
  RESUME_URL,
  SESSION_ID,
  startPureShard,
  takeActorErrors,
} from './harness.js';

afterEach(() => {
  expect(takeActorErrors()).toEqual([]);
});

/** Asserts that the next socket opens exactly `ms` from now, not a millisecond earlier. */
function expectNextSocketAfter(shard: PureShard, ms: number): void {
  const before = shard.sockets.length;
  if (ms > 0) shard.clock.increment(ms - 1);
  expect(shard.sockets).toHaveLength(before);
  shard.clock.increment(1);
  expect(shard.sockets).toHaveLength(before + 1);
}

/** The command types sent to the current socket. */
const onCurrentSocket = (shard: PureShard) =>
  shard.commandsTo(shard.currentSocket()).map((command) => command.type);

describe('op 7 reconnect and resume', () => {
  it('op 7 → reconnecting, holds outbound and closes the socket with 4000 (never 1000)', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.commandsTo(0).slice(-2)).toEqual([
      { type: 'outbound.hold', url: GATEWAY_URL, socket: 0 },
      { type: 'close', code: 4000, url: GATEWAY_URL, socket: 0 },
    ]);
    expect(shard.commands.filter((command) => command.type === 'close' && command.code === 1000)).toEqual([]);
  });

  it('op 7 keeps the session and emits nothing', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    expect(shard.context().session).toEqual({ sessionId: SESSION_ID, resumeUrl: RESUME_URL });
    expect(shard.emitted).toEqual([{ type: 'session.identified', sessionId: SESSION_ID }]);
  });

  it('after the backoff (500 ms for the first reconnect) a new socket opens on the resume url', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    expectNextSocketAfter(shard, 500);
    expect(shard.sockets).toEqual([GATEWAY_URL, RESUME_URL]);
    expect(shard.lifecycle()).toBe('connecting');
  });

  it('HELLO on the new socket → resuming, sends resume with the session id (no identify)', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.hello();
    await flush();
    expect(shard.lifecycle()).toBe('resuming');
    expect(shard.commandsTo(1)).toEqual([
      { type: 'resume', sessionId: SESSION_ID, url: RESUME_URL, socket: 1 },
    ]);
  });

  it('RESUMED → ready: emits session.resumed, sends outbound.open, resets the attempts', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.hello();
    shard.close(4000); // the gateway answers the first RESUME with a close: one failed attempt
    shard.clock.increment(1_000);
    shard.hello();
    expect(shard.context()).toMatchObject({ reconnectAttempts: 2, resumeAttempts: 1 });
    shard.resumed();
    expect(shard.lifecycle()).toBe('ready');
    expect(shard.emitted.at(-1)).toEqual({ type: 'session.resumed', sessionId: SESSION_ID });
    expect(onCurrentSocket(shard)).toEqual(['resume', 'outbound.open']);
    expect(shard.context()).toMatchObject({ reconnectAttempts: 0, resumeAttempts: 0 });
  });

  it('op 7 before HELLO (while connecting) → reconnecting with a 4000 close', () => {
    const shard = startPureShard();
    shard.start();
    shard.send({ type: 'gateway.reconnect' });
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.commands).toEqual([{ type: 'close', code: 4000, url: GATEWAY_URL, socket: 0 }]);
  });

  it('op 7 while resuming → reconnect and resume again', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.hello();
    shard.send({ type: 'gateway.reconnect' });
    expect(shard.lifecycle()).toBe('reconnecting');
    shard.clock.increment(1_000);
    shard.hello();
    expect(shard.sockets).toEqual([GATEWAY_URL, RESUME_URL, RESUME_URL]);
    expect(onCurrentSocket(shard)).toEqual(['resume']);
  });

  it('an undecodable frame (socket.corrupt) → reconnecting with a 4000 close, then resume', async () => {
    const shard = await readyShard();
    shard.send({ type: 'socket.corrupt' });
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.commands.at(-1)).toMatchObject({ type: 'close', code: 4000, socket: 0 });
    shard.clock.increment(500);
    shard.hello();
    expect(onCurrentSocket(shard)).toEqual(['resume']);
  });
});

describe('close codes on a live session', () => {
  it.each([
    [4000, 'gateway'],
    [4001, 'gateway'],
    [4002, 'gateway'],
    [4005, 'gateway'],
    [4008, 'gateway'],
    [1000, 'gateway'],
    [1001, 'gateway'],
    [1011, 'gateway'],
    [4999, 'gateway'],
    [1006, 'transport'],
  ] as const)('close %i from the %s → reconnect on the resume url and resume', async (code, initiator) => {
    const shard = await readyShard();
    shard.close(code, initiator);
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.context().lastCloseCode).toBe(code);
    expect(shard.context().session).toEqual({ sessionId: SESSION_ID, resumeUrl: RESUME_URL });
    expectNextSocketAfter(shard, 500);
    expect(shard.sockets.at(-1)).toBe(RESUME_URL);
    shard.hello();
    expect(onCurrentSocket(shard)).toEqual(['resume']);
    expect(shard.emitted.map((event) => event.type)).toEqual(['session.identified']);
  });

  it('a closed socket is not sent a close command', async () => {
    const shard = await readyShard();
    shard.close(1006, 'transport');
    expect(shard.commandTypes()).toEqual(['identify', 'outbound.open', 'outbound.hold']);
  });

  it.each([4003, 4006, 4007, 4009])(
    'close %i → session forgotten, session.lost emitted, reconnect to the gateway url and identify',
    async (code) => {
      const shard = await readyShard();
      shard.close(code);
      expect(shard.lifecycle()).toBe('reconnecting');
      expect(shard.context().session).toBeNull();
      expect(shard.emitted.at(-1)).toEqual({ type: 'session.lost', sessionId: SESSION_ID });
      shard.clock.increment(500);
      expect(shard.sockets).toEqual([GATEWAY_URL, GATEWAY_URL]);
      shard.hello();
      await flush();
      expect(onCurrentSocket(shard)).toEqual(['identify']);
    },
  );

  it('close 4005 without a session (a second identify) → reconnect and identify', async () => {
    const shard = startPureShard();
    shard.start();
    shard.hello();
    await flush();
    shard.close(4005);
    shard.clock.increment(500);
    shard.hello();
    await flush();
    expect(shard.sockets).toEqual([GATEWAY_URL, GATEWAY_URL]);
    expect(onCurrentSocket(shard)).toEqual(['identify']);
  });

  it('a session-ending close without a session emits no session.lost', async () => {
    const shard = startPureShard();
    shard.start();
    shard.hello();
    await flush();
    shard.close(4009);
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.emitted).toEqual([]);
  });

  it('after a session-ending close the new READY stores the new session and resume url', async () => {
    const shard = await readyShard();
    shard.close(4007);
    shard.clock.increment(500);
    shard.hello();
    await flush();
    shard.ready('session-2', 'ws://resume-2');
    expect(shard.context().session).toEqual({ sessionId: 'session-2', resumeUrl: 'ws://resume-2' });
    shard.close(4000);
    shard.clock.increment(500);
    expect(shard.sockets.at(-1)).toBe('ws://resume-2');
  });

  it.each([
    [4004, 'AuthenticationFailed'],
    [4010, 'InvalidShard'],
    [4011, 'ShardingRequired'],
    [4012, 'InvalidApiVersion'],
    [4013, 'InvalidIntents'],
    [4014, 'DisallowedIntents'],
  ] as const)('close %i → failed (final) with reason %s', async (code, reason) => {
    const shard = await readyShard();
    shard.close(code);
    expect(shard.lifecycle()).toBe('failed');
    expect(shard.snapshot().status).toBe('done');
    expect(shard.context().failure).toEqual({ reason, closeCode: code });
    expect(shard.emitted.at(-1)).toEqual({ type: 'shard.failed', reason, closeCode: code });
  });

  it.each([4004, 4010, 4011, 4012, 4013, 4014])(
    'after close %i no further socket is opened, even after a long clock advance',
    async (code) => {
      const shard = await readyShard();
      shard.close(code);
      shard.clock.increment(24 * 60 * 60 * 1000);
      expect(shard.sockets).toHaveLength(1);
      expect(shard.lifecycle()).toBe('failed');
    },
  );

  it('a fatal close while identifying (before READY) → failed', async () => {
    const shard = startPureShard();
    shard.start();
    shard.hello();
    await flush();
    shard.close(4004);
    expect(shard.context().failure).toEqual({ reason: 'AuthenticationFailed', closeCode: 4004 });
    expect(shard.emitted).toEqual([
      { type: 'shard.failed', reason: 'AuthenticationFailed', closeCode: 4004 },
    ]);
  });

  it('a fatal close before HELLO on the resume url → failed, not a resume-url retry', () => {
    const shard = startPureShard({ session: { sessionId: 'saved', resumeUrl: RESUME_URL } });
    shard.start();
    shard.close(4012);
    expect(shard.lifecycle()).toBe('failed');
    expect(shard.context().failure).toEqual({ reason: 'InvalidApiVersion', closeCode: 4012 });
  });

  it('a fatal close sends nothing more to the socket', async () => {
    const shard = await readyShard();
    shard.close(4014);
    expect(shard.commandTypes()).toEqual(['identify', 'outbound.open', 'outbound.hold']);
  });
});

describe('op 9 invalid session', () => {
  it('op 9 d:true with a session → reconnecting with a 4000 close, then resume', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.invalidSession', resumable: true });
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.commands.at(-1)).toMatchObject({ type: 'close', code: 4000, socket: 0 });
    expect(shard.context().session?.sessionId).toBe(SESSION_ID);
    shard.clock.increment(500);
    shard.hello();
    expect(shard.sockets.at(-1)).toBe(RESUME_URL);
    expect(onCurrentSocket(shard)).toEqual(['resume']);
  });

  it('op 9 d:false forgets the session and identifies again after the cooldown on the same socket', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.invalidSession', resumable: false });
    expect(shard.lifecycle()).toEqual({ identifying: 'cooldown' });
    expect(shard.context().session).toBeNull();
    expect(shard.emitted.at(-1)).toEqual({ type: 'session.lost', sessionId: SESSION_ID });
    shard.clock.increment(2_999);
    await flush();
    expect(shard.commandTypes().filter((type) => type === 'identify')).toHaveLength(1);
    shard.clock.increment(1);
    await flush();
    expect(shard.lifecycle()).toEqual({ identifying: 'awaitingReady' });
    expect(shard.commandTypes().filter((type) => type === 'identify')).toHaveLength(2);
    expect(shard.sockets).toEqual([GATEWAY_URL]);
    expect(shard.commandTypes()).not.toContain('close');
  });

  it('op 9 d:false holds outbound commands until the new READY', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.invalidSession', resumable: false });
    expect(shard.commandTypes().at(-1)).toBe('outbound.hold');
    shard.clock.increment(3_000);
    await flush();
    shard.ready('session-2', 'ws://resume-2');
    expect(shard.lifecycle()).toBe('ready');
    expect(shard.commandTypes().slice(-2)).toEqual(['identify', 'outbound.open']);
    expect(shard.emitted.at(-1)).toEqual({ type: 'session.identified', sessionId: 'session-2' });
  });

  it.each([
    [0, 1_000],
    [0.5, 3_000],
    [0.999, 4_996],
  ])('op 9 d:false with random %d waits %i ms before identifying', async (random, wait) => {
    const shard = await readyShard({}, { random });
    shard.send({ type: 'gateway.invalidSession', resumable: false });
    shard.clock.increment(wait - 1);
    expect(shard.lifecycle()).toEqual({ identifying: 'cooldown' });
    shard.clock.increment(1);
    expect(shard.lifecycle()).toEqual({ identifying: 'waitingForSlot' });
  });

  it('op 9 d:false asks the identify gate again before identifying', async () => {
    let gateCalls = 0;
    const shard = await readyShard(
      {},
      {
        gate: () => {
          gateCalls++;
          return Promise.resolve();
        },
      },
    );
    shard.send({ type: 'gateway.invalidSession', resumable: false });
    shard.clock.increment(3_000);
    await flush();
    expect(gateCalls).toBe(2);
  });

  it('op 9 d:false in answer to a resume → identify on the same socket after the cooldown', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.hello();
    shard.send({ type: 'gateway.invalidSession', resumable: false });
    expect(shard.emitted.at(-1)).toEqual({ type: 'session.lost', sessionId: SESSION_ID });
    shard.clock.increment(3_000);
    await flush();
    expect(shard.sockets).toEqual([GATEWAY_URL, RESUME_URL]);
    expect(onCurrentSocket(shard)).toEqual(['resume', 'identify']);
  });

  it('op 9 d:false in answer to identify (concurrency exceeded) → cooldown, then identify again', async () => {
    const shard = startPureShard();
    shard.start();
    shard.hello();
    await flush();
    shard.send({ type: 'gateway.invalidSession', resumable: false });
    expect(shard.lifecycle()).toEqual({ identifying: 'cooldown' });
    expect(shard.emitted).toEqual([]);
    shard.clock.increment(3_000);
    await flush();
    expect(shard.commandTypes()).toEqual(['identify', 'identify']);
  });

  it('op 9 d:true without a session (in answer to identify) → cooldown and identify again', async () => {
    const shard = startPureShard();
    shard.start();
    shard.hello();
    await flush();
    shard.send({ type: 'gateway.invalidSession', resumable: true });
    expect(shard.lifecycle()).toEqual({ identifying: 'cooldown' });
    expect(shard.sockets).toHaveLength(1);
  });

  it('heartbeats go on during the op 9 cooldown', async () => {
    const shard = await readyShard();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2 - 1_000);
    shard.send({ type: 'gateway.invalidSession', resumable: false });
    shard.clock.increment(1_000);
    expect(shard.lifecycle()).toEqual({ identifying: 'cooldown' });
    expect(shard.commandTypes().at(-1)).toBe('heartbeat');
  });

  it('the ready timeout does not fire during the op 9 cooldown', async () => {
    const shard = startPureShard({ config: { readyTimeoutMs: 2_000 } });
    shard.start();
    shard.hello();
    await flush();
    shard.send({ type: 'gateway.invalidSession', resumable: false });
    shard.clock.increment(2_500);
    expect(shard.lifecycle()).toEqual({ identifying: 'cooldown' });
  });
});

describe('resume failures', () => {
  it('no RESUMED within resumeTimeoutMs (30 s) → reconnecting, and the next connection resumes again', async () => {
    const shard = await readyShard({ config: { resumeTimeoutMs: 10_000 } });
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.hello();
    shard.clock.increment(9_999);
    expect(shard.lifecycle()).toBe('resuming');
    shard.clock.increment(1);
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.commands.at(-1)).toMatchObject({ type: 'close', code: 4000, socket: 1 });
    shard.clock.increment(1_000);
    shard.hello();
    expect(shard.sockets.at(-1)).toBe(RESUME_URL);
    expect(onCurrentSocket(shard)).toEqual(['resume']);
  });

  it('the default resume timeout is 30 s', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.hello();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2);
    shard.alive();
    shard.clock.increment(30_000 - HEARTBEAT_INTERVAL / 2 - 1);
    expect(shard.lifecycle()).toBe('resuming');
    shard.clock.increment(1);
    expect(shard.lifecycle()).toBe('reconnecting');
  });

  it('a socket that closes before HELLO on the resume url → the resume url is forgotten, the session kept', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.close(1006, 'transport');
    expect(shard.context().session).toEqual({ sessionId: SESSION_ID, resumeUrl: null });
    expect(shard.emitted.map((event) => event.type)).toEqual(['session.identified']);
  });

  it('after the resume url failed, the next socket opens on the gateway url and resumes there', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.close(1006, 'transport');
    shard.clock.increment(1_000);
    expect(shard.sockets).toEqual([GATEWAY_URL, RESUME_URL, GATEWAY_URL]);
    shard.hello();
    expect(onCurrentSocket(shard)).toEqual(['resume']);
    expect(shard.commandsTo(2)[0]).toMatchObject({ sessionId: SESSION_ID });
  });

  it('a socket that closes after HELLO on the resume url keeps the resume url', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.hello();
    shard.close(1006, 'transport');
    expect(shard.context().session?.resumeUrl).toBe(RESUME_URL);
  });

  it('after maxResumeAttempts (3) resumes in a row answered by a gateway close, the next HELLO identifies instead', async () => {
    const shard = await readyShard();
    for (let attempt = 1; attempt <= 3; attempt++) {
      shard.close(4000);
      shard.clock.increment(60_000);
      shard.hello();
      expect(onCurrentSocket(shard)).toEqual(['resume']);
      // The close that led here answered the previous RESUME (the first close came while ready).
      expect(shard.context().resumeAttempts).toBe(attempt - 1);
    }
    shard.close(4000);
    shard.clock.increment(60_000);
    expect(shard.sockets.at(-1)).toBe(GATEWAY_URL);
    shard.hello();
    await flush();
    expect(onCurrentSocket(shard)).toEqual(['identify']);
    expect(shard.context().session).toBeNull();
    expect(shard.emitted.at(-1)).toEqual({ type: 'session.lost', sessionId: SESSION_ID });
  });

  it('a RESUME cut off by the transport (1006) before an answer is not a failed attempt: the resume is retried', async () => {
    const shard = await readyShard({ config: { maxResumeAttempts: 1 } });
    for (let drop = 0; drop < 5; drop++) {
      shard.close(1006, 'transport');
      shard.clock.increment(60_000);
      shard.hello();
      expect(onCurrentSocket(shard)).toEqual(['resume']);
      expect(shard.context().resumeAttempts).toBe(0);
    }
    expect(shard.context().session).not.toBeNull();
  });

  it('a zombie connection while resuming is not a failed attempt either', async () => {
    const shard = await readyShard({ config: { maxResumeAttempts: 1, resumeTimeoutMs: 600_000 } });
    shard.close(1006, 'transport');
    shard.clock.increment(60_000);
    shard.hello();
    // No frame at all: the first beat goes out, the next finds nothing arrived since.
    shard.clock.increment(HEARTBEAT_INTERVAL / 2);
    shard.clock.increment(HEARTBEAT_INTERVAL);
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.context().resumeAttempts).toBe(0);
    shard.clock.increment(60_000);
    shard.hello();
    expect(onCurrentSocket(shard)).toEqual(['resume']);
  });

  it('a resume timeout is a failed attempt', async () => {
    const shard = await readyShard({ config: { resumeTimeoutMs: 10_000 } });
    shard.close(1006, 'transport');
    shard.clock.increment(60_000);
    shard.hello();
    shard.alive();
    shard.clock.increment(10_000);
    expect(shard.context().resumeAttempts).toBe(1);
  });

  it('op 9 d:true in answer to a RESUME is a failed attempt, and the next connection resumes again', async () => {
    const shard = await readyShard();
    shard.close(1006, 'transport');
    shard.clock.increment(60_000);
    shard.hello();
    shard.send({ type: 'gateway.invalidSession', resumable: true });
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.context().resumeAttempts).toBe(1);
    shard.clock.increment(60_000);
    shard.hello();
    expect(onCurrentSocket(shard)).toEqual(['resume']);
  });

  it('maxResumeAttempts is configurable: with 1, the second reconnect identifies', async () => {
    const shard = await readyShard({ config: { maxResumeAttempts: 1 } });
    shard.close(4000);
    shard.clock.increment(500);
    shard.hello();
    expect(onCurrentSocket(shard)).toEqual(['resume']);
    shard.close(4000);
    shard.clock.increment(1_000);
    shard.hello();
    await flush();
    expect(onCurrentSocket(shard)).toEqual(['identify']);
  });

  it('op 9 d:true after the last allowed resume is handled as d:false (identify on the same socket)', async () => {
    const shard = await readyShard({ config: { maxResumeAttempts: 1 } });
    shard.close(4000);
    shard.clock.increment(500);
    shard.hello();
    shard.send({ type: 'gateway.invalidSession', resumable: true });
    expect(shard.lifecycle()).toEqual({ identifying: 'cooldown' });
    expect(shard.context().session).toBeNull();
  });

  it('no HELLO within the hello timeout on the resume url → the resume url is forgotten', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.clock.increment(20_000); // hello timeout on ws://resume
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.context().session?.resumeUrl).toBeNull();
  });
});

describe('reconnect back-off', () => {
  it('grows with consecutive reconnects: 500, 1 000, 2 000, 4 000 ms (random 0.5)', async () => {
    const shard = await readyShard();
    for (const delay of [500, 1_000, 2_000, 4_000]) {
      shard.send({ type: 'gateway.reconnect' });
      expectNextSocketAfter(shard, delay);
    }
    expect(shard.context().reconnectAttempts).toBe(4);
  });

  it('reaches the ceiling of backoffMaxMs', async () => {
    const shard = await readyShard({ config: { backoffMaxMs: 3_000 } }, { random: 0.999 });
    for (const delay of [999, 1_998, 2_997, 2_997]) {
      shard.send({ type: 'gateway.reconnect' });
      expectNextSocketAfter(shard, delay);
    }
  });

  it('the first reconnect uses backoffBaseMs as its ceiling', async () => {
    const shard = await readyShard({ config: { backoffBaseMs: 200 } });
    shard.send({ type: 'gateway.reconnect' });
    expectNextSocketAfter(shard, 100);
  });

  it('resets after READY', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(1_000);
    shard.close(4009); // session ends: the next connection identifies
    shard.clock.increment(2_000);
    shard.hello();
    await flush();
    shard.ready('session-2', 'ws://resume-2');
    expect(shard.context().reconnectAttempts).toBe(0);
    shard.send({ type: 'gateway.reconnect' });
    expectNextSocketAfter(shard, 500);
  });

  it('resets after RESUMED', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(1_000);
    shard.hello();
    shard.resumed();
    shard.send({ type: 'gateway.reconnect' });
    expectNextSocketAfter(shard, 500);
  });

  it('does not reset on HELLO alone', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.hello();
    shard.send({ type: 'gateway.reconnect' });
    expectNextSocketAfter(shard, 1_000);
  });

  it('a start after a stop begins the back-off anew', async () => {
    const shard = await readyShard();
    for (const delay of [500, 1_000, 2_000]) {
      shard.send({ type: 'gateway.reconnect' });
      shard.clock.increment(delay);
    }
    shard.send({ type: 'shard.stop', resumable: true });
    shard.start();
    shard.send({ type: 'gateway.reconnect' });
    expectNextSocketAfter(shard, 500);
  });

  it('with random 0 the first reconnect is immediate', async () => {
    const shard = await readyShard({}, { random: 0 });
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(0);
    expect(shard.sockets).toHaveLength(2);
  });
});
