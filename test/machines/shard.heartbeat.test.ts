import { afterEach, describe, expect, it } from 'vitest';
import { flush, HEARTBEAT_INTERVAL, readyShard, startPureShard, takeActorErrors } from './harness.js';

afterEach(() => {
  expect(takeActorErrors()).toEqual([]);
});

const heartbeats = (shard: { commandTypes: () => string[] }) =>
  shard.commandTypes().filter((type) => type === 'heartbeat').length;

describe('heartbeating', () => {
  it('no heartbeat is sent before HELLO', () => {
    const shard = startPureShard();
    shard.start();
    shard.clock.increment(19_999);
    expect(heartbeats(shard)).toBe(0);
  });

  it('the first heartbeat is sent after interval × random (0.5 → 20 625 ms)', async () => {
    const shard = await readyShard();
    shard.clock.increment(20_624);
    expect(heartbeats(shard)).toBe(0);
    shard.clock.increment(1);
    expect(heartbeats(shard)).toBe(1);
  });

  it('the first heartbeat jitter follows the injected random value (0.1 → 4 125 ms)', async () => {
    const shard = await readyShard({}, { random: 0.1 });
    shard.clock.increment(4_124);
    expect(heartbeats(shard)).toBe(0);
    shard.clock.increment(1);
    expect(heartbeats(shard)).toBe(1);
  });

  it('after the first heartbeat one is sent every interval', async () => {
    const shard = await readyShard();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2);
    for (let beat = 2; beat <= 5; beat++) {
      shard.alive(); // the ACK of the previous heartbeat
      shard.clock.increment(HEARTBEAT_INTERVAL - 1);
      expect(heartbeats(shard)).toBe(beat - 1);
      shard.clock.increment(1);
      expect(heartbeats(shard)).toBe(beat);
    }
    expect(shard.lifecycle()).toBe('ready');
    expect(shard.sockets).toHaveLength(1);
  });

  it('uses the interval from HELLO', async () => {
    const shard = startPureShard();
    shard.start();
    shard.hello(10_000);
    await flush();
    shard.ready();
    shard.clock.increment(5_000);
    expect(heartbeats(shard)).toBe(1);
    shard.alive();
    shard.clock.increment(10_000);
    expect(heartbeats(shard)).toBe(2);
  });

  it('heartbeats run while identifying, before READY (independent of identify)', () => {
    const shard = startPureShard({}, { gate: () => new Promise<void>(() => undefined) });
    shard.start();
    shard.hello();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2);
    expect(heartbeats(shard)).toBe(1);
  });

  it('heartbeats go to the current socket', async () => {
    const shard = await readyShard();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2);
    expect(shard.commands.at(-1)).toEqual({ type: 'heartbeat', url: 'ws://gateway', socket: 0 });
  });

  it('socket.alive between heartbeats keeps the connection', async () => {
    const shard = await readyShard();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2);
    shard.alive();
    shard.clock.increment(HEARTBEAT_INTERVAL);
    expect(shard.lifecycle()).toBe('ready');
    expect(shard.commandTypes()).not.toContain('terminate');
    expect(shard.commandTypes()).not.toContain('close');
  });

  it('no frame between two heartbeats → terminate (no close handshake) and reconnecting (zombie)', async () => {
    const shard = await readyShard();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2);
    shard.clock.increment(HEARTBEAT_INTERVAL);
    expect(shard.lifecycle()).toBe('reconnecting');
    expect(shard.commandTypes()).toEqual([
      'identify',
      'outbound.open',
      'heartbeat',
      'outbound.hold',
      'terminate',
    ]);
    expect(shard.commandTypes()).not.toContain('close');
  });

  it('a zombie is not sent another heartbeat', async () => {
    const shard = await readyShard();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2);
    shard.clock.increment(HEARTBEAT_INTERVAL);
    expect(heartbeats(shard)).toBe(1);
  });

  it('after a zombie the shard reconnects to the resume url and resumes', async () => {
    const shard = await readyShard();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2);
    shard.clock.increment(HEARTBEAT_INTERVAL);
    shard.clock.increment(500);
    expect(shard.sockets).toEqual(['ws://gateway', 'ws://resume']);
    shard.hello();
    expect(shard.commandsTo(1).map((command) => command.type)).toEqual(['resume']);
  });

  it('a frame only before the previous heartbeat does not count: the next is a zombie', async () => {
    const shard = await readyShard();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2 - 1);
    shard.alive();
    shard.clock.increment(1); // heartbeat 1
    shard.clock.increment(HEARTBEAT_INTERVAL);
    expect(shard.lifecycle()).toBe('reconnecting');
  });

  it('a server heartbeat request sends a heartbeat at once', async () => {
    const shard = await readyShard();
    shard.clock.increment(1_000);
    shard.send({ type: 'gateway.heartbeatRequest' });
    expect(shard.commandTypes().at(-1)).toBe('heartbeat');
    expect(heartbeats(shard)).toBe(1);
  });

  it('a server heartbeat request does not reset the heartbeat timer', async () => {
    const shard = await readyShard();
    shard.clock.increment(HEARTBEAT_INTERVAL / 2); // scheduled heartbeat 1
    shard.alive();
    shard.clock.increment(20_000);
    shard.send({ type: 'gateway.heartbeatRequest' }); // heartbeat 2, unscheduled
    shard.alive();
    shard.clock.increment(HEARTBEAT_INTERVAL - 20_000); // scheduled heartbeat 2, on time
    expect(heartbeats(shard)).toBe(3);
    expect(shard.lifecycle()).toBe('ready');
  });

  it('a server heartbeat request before the first scheduled heartbeat does not move it', async () => {
    const shard = await readyShard();
    shard.clock.increment(10_000);
    shard.send({ type: 'gateway.heartbeatRequest' });
    shard.clock.increment(HEARTBEAT_INTERVAL / 2 - 10_000);
    expect(heartbeats(shard)).toBe(2);
  });

  it('a new connection restarts heartbeating from the first jittered beat', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.hello();
    const before = heartbeats(shard);
    shard.clock.increment(HEARTBEAT_INTERVAL / 2 - 1);
    expect(heartbeats(shard)).toBe(before);
    shard.clock.increment(1);
    expect(heartbeats(shard)).toBe(before + 1);
    expect(shard.commands.at(-1)).toMatchObject({ type: 'heartbeat', socket: 1 });
  });

  it('heartbeats stop with the connection: none is sent while reconnecting', async () => {
    const shard = await readyShard({ config: { backoffBaseMs: 1_000_000, backoffMaxMs: 1_000_000 } });
    shard.send({ type: 'gateway.reconnect' });
    const before = heartbeats(shard);
    shard.clock.increment(HEARTBEAT_INTERVAL * 3);
    expect(heartbeats(shard)).toBe(before);
  });
});
