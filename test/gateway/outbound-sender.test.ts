import { describe, expect, it } from 'vitest';
import { GatewayOpcodes } from 'discord-api-types/v10';
import {
  ConnectionClosedError,
  InvalidArgumentError,
  PayloadTooLargeError,
  ShardStoppedError,
} from '../../src/errors.js';
import { OutboundSender } from '../../src/gateway/outbound/index.js';
import { heartbeat, presence, presenceTag, resume, SenderHarness, settle, track } from './sender-harness.js';

/** Normal sends allowed per window by default: 120 - 3 (heartbeat reserve) - 1 (handshake). */
const NORMAL_SHARE = 116;

function openHarness(options: ConstructorParameters<typeof SenderHarness>[0] = {}) {
  const harness = new SenderHarness(options);
  harness.connect();
  harness.sender.open();
  return harness;
}

function sendNormal(harness: SenderHarness, count: number, from = 0) {
  return Array.from({ length: count }, (_, i) => track(harness.sender.send(presence(from + i))));
}

describe('OutboundSender: writing', () => {
  it('writes a normal send at once when the connection is open, and resolves', async () => {
    const harness = openHarness();
    const sent = track(harness.sender.send(presence(1)));
    expect(harness.written).toHaveLength(1);
    await settle();
    expect(sent.state).toBe('sent');
  });

  it('holds normal sends until open()', () => {
    const harness = new SenderHarness();
    harness.connect();
    void harness.sender.send(presence(1));
    expect(harness.written).toHaveLength(0);
    expect(harness.sender.queued).toBe(1);
    harness.sender.open();
    expect(harness.written.map(presenceTag)).toEqual([1]);
    expect(harness.sender.queued).toBe(0);
  });

  it('writes heartbeats and handshakes before open()', () => {
    const harness = new SenderHarness();
    harness.connect();
    void harness.sender.send(heartbeat(0), 'heartbeat');
    void harness.sender.send(resume(5), 'handshake');
    expect(harness.ops()).toEqual([GatewayOpcodes.Heartbeat, GatewayOpcodes.Resume]);
  });

  it('holds normal sends again after hold(), while heartbeats still flow', () => {
    const harness = openHarness();
    harness.sender.hold();
    void harness.sender.send(presence(1));
    void harness.sender.send(heartbeat(3), 'heartbeat');
    expect(harness.ops()).toEqual([GatewayOpcodes.Heartbeat]);
    harness.sender.open();
    expect(harness.ops()).toEqual([GatewayOpcodes.Heartbeat, GatewayOpcodes.PresenceUpdate]);
  });
});

describe('OutboundSender: the 120 per 60 s budget', () => {
  it('lets normal sends use only limit - heartbeatReserve - 1 slots of the window', () => {
    const harness = openHarness();
    sendNormal(harness, NORMAL_SHARE + 4);
    expect(harness.written).toHaveLength(NORMAL_SHARE);
    expect(harness.sender.queued).toBe(4);
    expect(harness.sender.sentInWindow).toBe(NORMAL_SHARE);
  });

  it('sends queued normal sends as the oldest records leave the window', () => {
    const harness = openHarness();
    sendNormal(harness, NORMAL_SHARE);
    harness.clock.advance(1000);
    sendNormal(harness, 2, NORMAL_SHARE);
    harness.clock.advance(58_999);
    expect(harness.written).toHaveLength(NORMAL_SHARE);
    harness.clock.advance(1);
    expect(harness.written).toHaveLength(NORMAL_SHARE + 2);
    expect(harness.written.slice(-2).map((w) => w.at)).toEqual([60_000, 60_000]);
  });

  it('writes heartbeats even when normal traffic used up its share', () => {
    const harness = openHarness();
    sendNormal(harness, NORMAL_SHARE + 10);
    void harness.sender.send(heartbeat(1), 'heartbeat');
    void harness.sender.send(heartbeat(2), 'heartbeat');
    void harness.sender.send(heartbeat(3), 'heartbeat');
    expect(harness.ops().slice(-3)).toEqual([1, 1, 1]);
    expect(harness.sender.queued).toBe(10);
  });

  it('writes a Resume even when normal traffic and heartbeats used up their slots', () => {
    const harness = openHarness();
    sendNormal(harness, NORMAL_SHARE + 1);
    for (let i = 0; i < 3; i++) void harness.sender.send(heartbeat(i), 'heartbeat');
    void harness.sender.send(resume(9), 'handshake');
    expect(harness.ops().at(-1)).toBe(GatewayOpcodes.Resume);
    expect(harness.sender.sentInWindow).toBe(120);
  });

  it('makes heartbeats wait (never dropped) when the whole window is full, then sends them first', async () => {
    const harness = openHarness({ heartbeatReserve: 0 });
    sendNormal(harness, 119); // 120 - 0 - 1
    void harness.sender.send(resume(1), 'handshake'); // the 120th frame
    sendNormal(harness, 1, 500);
    const handshake = track(harness.sender.send(resume(2), 'handshake'));
    const beat = track(harness.sender.send(heartbeat(7), 'heartbeat'));
    expect(harness.written).toHaveLength(120);
    harness.clock.advance(60_000);
    await settle();
    expect(beat.state).toBe('sent');
    expect(handshake.state).toBe('sent');
    expect(harness.ops().slice(120)).toEqual([
      GatewayOpcodes.Heartbeat,
      GatewayOpcodes.Resume,
      GatewayOpcodes.PresenceUpdate,
    ]);
    expect(harness.written.slice(120).map(presenceTag)).toEqual([undefined, undefined, 500]);
  });

  it('orders waiting frames heartbeat, then handshake, then normal', () => {
    const harness = new SenderHarness({ limit: 4, heartbeatReserve: 0 });
    harness.connect();
    harness.sender.open();
    sendNormal(harness, 3); // normal share: 4 - 0 - 1
    void harness.sender.send(resume(0), 'handshake'); // fills the window
    sendNormal(harness, 1, 10);
    void harness.sender.send(resume(1), 'handshake');
    void harness.sender.send(heartbeat(1), 'heartbeat');
    harness.clock.advance(60_000);
    expect(harness.ops().slice(4)).toEqual([
      GatewayOpcodes.Heartbeat,
      GatewayOpcodes.Resume,
      GatewayOpcodes.PresenceUpdate,
    ]);
  });

  it('keeps FIFO order within a lane across window waits', () => {
    const harness = openHarness();
    sendNormal(harness, 300);
    for (let minute = 0; minute < 4; minute++) harness.clock.advance(60_000);
    expect(harness.written.map(presenceTag)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('arms at most one timer however many sends wait', () => {
    const harness = openHarness();
    sendNormal(harness, 500);
    expect(harness.clock.pendingTimers).toBe(1);
  });

  it('recomputes the heartbeat reserve from the HELLO interval', () => {
    const harness = openHarness();
    harness.sender.setHeartbeatInterval(10_000); // ceil(60 / 10) + 1 = 7
    expect(harness.sender.heartbeatReserve).toBe(7);
    sendNormal(harness, 120);
    expect(harness.written).toHaveLength(112);
  });

  it('keeps a heartbeat reserve given in the options', () => {
    const sender = new OutboundSender({ heartbeatReserve: 5 });
    sender.setHeartbeatInterval(10_000);
    expect(sender.heartbeatReserve).toBe(5);
  });

  it('caps the computed reserve so normal sends keep a slot', () => {
    const sender = new OutboundSender({ limit: 10 });
    sender.setHeartbeatInterval(1);
    expect(sender.heartbeatReserve).toBe(8);
  });
});

describe('OutboundSender: connections', () => {
  it('starts every connection with a fresh window', () => {
    const harness = openHarness();
    sendNormal(harness, NORMAL_SHARE + 5);
    harness.sender.detach();
    harness.connect();
    expect(harness.sender.sentInWindow).toBe(0);
    harness.sender.open();
    expect(harness.written.filter((w) => w.connection === 2)).toHaveLength(5);
  });

  it('keeps normal sends queued across detach() and attach(), and flushes them after open()', () => {
    const harness = new SenderHarness();
    harness.connect();
    sendNormal(harness, 3);
    harness.sender.detach();
    sendNormal(harness, 2, 3);
    harness.connect();
    expect(harness.written).toHaveLength(0);
    harness.sender.open();
    expect(harness.written.map(presenceTag)).toEqual([0, 1, 2, 3, 4]);
    expect(harness.written.every((w) => w.connection === 2)).toBe(true);
  });

  it('rejects heartbeats and handshakes still waiting on detach() with ConnectionClosedError', async () => {
    const harness = new SenderHarness({ limit: 2, heartbeatReserve: 0 });
    harness.connect();
    void harness.sender.send(resume(1), 'handshake');
    void harness.sender.send(heartbeat(1), 'heartbeat');
    const beat = track(harness.sender.send(heartbeat(2), 'heartbeat'));
    const handshake = track(harness.sender.send(resume(2), 'handshake'));
    harness.sender.detach();
    await settle();
    expect(beat.error).toBeInstanceOf(ConnectionClosedError);
    expect(handshake.error).toBeInstanceOf(ConnectionClosedError);
    harness.connect();
    harness.clock.advance(120_000);
    expect(harness.written.filter((w) => w.connection === 2)).toHaveLength(0);
  });

  it('rejects a heartbeat sent while no connection is attached', async () => {
    const harness = new SenderHarness();
    const beat = track(harness.sender.send(heartbeat(1), 'heartbeat'));
    await settle();
    expect(beat.error).toBeInstanceOf(ConnectionClosedError);
    expect((beat.error as ConnectionClosedError).code).toBe('STATECORD_ERR_CONNECTION_CLOSED');
  });

  it('cancels its timer on detach()', () => {
    const harness = openHarness();
    sendNormal(harness, NORMAL_SHARE + 1);
    harness.sender.detach();
    expect(harness.clock.pendingTimers).toBe(0);
  });

  it('rejects a send whose socket write throws, and carries on with the next one', async () => {
    const harness = new SenderHarness();
    let failNext = true;
    const written: string[] = [];
    harness.sender.attach((data) => {
      if (failNext) {
        failNext = false;
        throw new Error('socket not open');
      }
      written.push(data);
    });
    harness.sender.open();
    const first = track(harness.sender.send(presence(1)));
    const second = track(harness.sender.send(presence(2)));
    await settle();
    expect(first.error).toBeInstanceOf(ConnectionClosedError);
    expect(second.state).toBe('sent');
    expect(written).toHaveLength(1);
    expect(harness.sender.sentInWindow).toBe(1);
  });
});

describe('OutboundSender: payload size', () => {
  it('rejects a payload over 4096 bytes with PayloadTooLargeError and writes nothing', async () => {
    const harness = openHarness();
    const big = track(harness.sender.send(presence(1, 'x'.repeat(4096))));
    await settle();
    expect(big.error).toBeInstanceOf(PayloadTooLargeError);
    expect(harness.written).toHaveLength(0);
    expect(harness.sender.sentInWindow).toBe(0);
  });

  it('carries on normally after rejecting a payload that is too large', () => {
    const harness = openHarness();
    void harness.sender.send(presence(1, 'x'.repeat(5000))).catch(() => undefined);
    void harness.sender.send(presence(2));
    expect(harness.written.map(presenceTag)).toEqual([2]);
  });

  it('counts the payload size in UTF-8 bytes', async () => {
    const harness = openHarness();
    const multibyte = track(harness.sender.send(presence(1, 'é'.repeat(2040))));
    await settle();
    expect(multibyte.error).toBeInstanceOf(PayloadTooLargeError);
  });
});

describe('OutboundSender: stopping', () => {
  it('rejects every queued send with the close() error', async () => {
    const harness = new SenderHarness();
    harness.connect();
    const queued = sendNormal(harness, 3);
    const stopped = new ShardStoppedError();
    harness.sender.close(stopped);
    await settle();
    expect(queued.map((q) => q.error)).toEqual([stopped, stopped, stopped]);
    expect(harness.sender.queued).toBe(0);
  });

  it('rejects later sends with the close() error and ignores a later attach()', async () => {
    const harness = new SenderHarness();
    const stopped = new ShardStoppedError();
    harness.sender.close(stopped);
    harness.connect();
    const later = track(harness.sender.send(presence(1)));
    await settle();
    expect(later.error).toBe(stopped);
    expect(harness.written).toHaveLength(0);
  });

  it('clear() rejects waiting sends but stays usable', async () => {
    const harness = new SenderHarness();
    harness.connect();
    const queued = track(harness.sender.send(presence(1)));
    harness.sender.clear(new ShardStoppedError());
    harness.sender.open();
    void harness.sender.send(presence(2));
    await settle();
    expect(queued.error).toBeInstanceOf(ShardStoppedError);
    expect(harness.written.map(presenceTag)).toEqual([2]);
  });
});

describe('OutboundSender: options', () => {
  it.each([
    [{ limit: 1 }],
    [{ limit: 2.5 }],
    [{ windowMs: 0 }],
    [{ maxPayloadBytes: 0 }],
    [{ heartbeatReserve: -1 }],
    [{ heartbeatReserve: 119 }],
  ])('rejects %j with InvalidArgumentError', (options) => {
    expect(() => new OutboundSender(options)).toThrow(InvalidArgumentError);
  });

  it('keeps 3 slots for heartbeats before HELLO (the usual 41 250 ms interval)', () => {
    expect(new OutboundSender().heartbeatReserve).toBe(3);
  });

  it('rejects a non-positive heartbeat interval', () => {
    expect(() => new OutboundSender().setHeartbeatInterval(0)).toThrow(InvalidArgumentError);
  });
});
