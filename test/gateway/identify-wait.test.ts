import { describe, expect, it } from 'vitest';
import { createActor, setup } from 'xstate';
import type { ShardEvent } from '../../machines/index.js';
import { IdentifyWait } from '../../src/gateway/identify-wait.js';
import { OutboundSender } from '../../src/gateway/outbound/index.js';
import { SequenceTracker } from '../../src/gateway/sequence.js';
import { createSocketLogic } from '../../src/gateway/socket-actor.js';
import type { ConnectionDeps } from '../../src/gateway/socket-actor.js';

/** A gate that answers only when the test says so, and shows each wait's signal. */
function heldGate() {
  const waits: Array<{
    shardId: number;
    signal: AbortSignal;
    grant: () => void;
    refuse: (e: Error) => void;
  }> = [];
  const gate = {
    waitForIdentify: (shardId: number, signal: AbortSignal) =>
      new Promise<void>((resolve, reject) => waits.push({ shardId, signal, grant: resolve, refuse: reject })),
  };
  return { gate, waits };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('a wait at the identify gate (IdentifyWait)', () => {
  it('asks the gate for its shard and hands the grant to the machine once', async () => {
    const { gate, waits } = heldGate();
    const events: ShardEvent[] = [];
    new IdentifyWait(gate, 7, (event) => events.push(event));
    expect(waits.map((wait) => wait.shardId)).toEqual([7]);
    waits[0]!.grant();
    await settled();
    expect(events).toEqual([{ type: 'identify.granted' }]);
  });

  it('hands a refusal to the machine with the gate’s error', async () => {
    const { gate, waits } = heldGate();
    const events: ShardEvent[] = [];
    new IdentifyWait(gate, 0, (event) => events.push(event));
    const error = new Error('store unreachable');
    waits[0]!.refuse(error);
    await settled();
    expect(events).toEqual([{ type: 'identify.refused', error }]);
  });

  it('treats a gate that throws instead of rejecting as a refusal', async () => {
    const error = new Error('thrown');
    const events: ShardEvent[] = [];
    new IdentifyWait(
      {
        waitForIdentify: () => {
          throw error;
        },
      },
      0,
      (event) => events.push(event),
    );
    await settled();
    expect(events).toEqual([{ type: 'identify.refused', error }]);
  });

  it('once cancelled, aborts the gate’s signal and drops a grant that comes after', async () => {
    const { gate, waits } = heldGate();
    const events: ShardEvent[] = [];
    const wait = new IdentifyWait(gate, 0, (event) => events.push(event));
    wait.cancel();
    expect(waits[0]!.signal.aborted).toBe(true);
    waits[0]!.grant();
    await settled();
    expect(events).toEqual([]);
  });
});

describe('a socket actor waiting at the identify gate', () => {
  function deps(gate: ConnectionDeps['identifyGate']): ConnectionDeps {
    return {
      identity: {
        token: 'token',
        intents: 0,
        shard: [3, 4],
        properties: { os: 'x', browser: 'x', device: 'x' },
      },
      compression: 'none',
      sequence: new SequenceTracker(null),
      sender: new OutboundSender({}),
      dispatches: { deliver: () => undefined, wants: () => true, wantsAll: () => true },
      observe: () => undefined,
      identifyAnswered: () => undefined,
      identifyGate: gate,
      now: () => 0,
    };
  }

  /** A parent holding the socket actor in `open` (as the shard machine holds it in `connection`). */
  function parentOf(gate: ConnectionDeps['identifyGate']) {
    const events: ShardEvent[] = [];
    const machine = setup({
      types: { events: {} as ShardEvent | { type: 'wait' } | { type: 'cancel' } | { type: 'leave' } },
      actors: { socket: createSocketLogic(() => deps(gate)) },
    }).createMachine({
      initial: 'open',
      states: {
        open: {
          // Port 9 (discard) on loopback: the connect fails, which does not matter to the wait.
          invoke: { id: 'socket', src: 'socket', input: { url: 'ws://127.0.0.1:9', shardId: 3 } },
          on: {
            wait: {
              actions: ({ self }) => self.getSnapshot().children['socket']?.send({ type: 'identify.wait' }),
            },
            cancel: {
              actions: ({ self }) => self.getSnapshot().children['socket']?.send({ type: 'identify.cancel' }),
            },
            leave: 'away',
          },
        },
        away: {},
      },
      on: { '*': { actions: ({ event }) => events.push(event as ShardEvent) } },
    });
    return { actor: createActor(machine).start(), events };
  }

  const gateEvents = (events: ShardEvent[]) => events.filter((event) => event.type.startsWith('identify.'));

  it('answers identify.wait with identify.granted when the gate lets the shard go', async () => {
    const { gate, waits } = heldGate();
    const { actor, events } = parentOf(gate);
    actor.send({ type: 'wait' });
    expect(waits.map((wait) => wait.shardId)).toEqual([3]);
    waits[0]!.grant();
    await settled();
    expect(gateEvents(events)).toEqual([{ type: 'identify.granted' }]);
    actor.stop();
  });

  it('never answers a cancelled wait, nor one a newer wait replaced', async () => {
    const { gate, waits } = heldGate();
    const { actor, events } = parentOf(gate);
    actor.send({ type: 'wait' });
    actor.send({ type: 'cancel' });
    actor.send({ type: 'wait' });
    actor.send({ type: 'wait' });
    expect(waits.map((wait) => wait.signal.aborted)).toEqual([true, true, false]);
    for (const wait of waits) wait.grant();
    await settled();
    expect(gateEvents(events)).toEqual([{ type: 'identify.granted' }]);
    actor.stop();
  });

  it('cancels its wait when it is stopped: a grant after the stop never reaches the machine', async () => {
    const { gate, waits } = heldGate();
    const { actor, events } = parentOf(gate);
    actor.send({ type: 'wait' });
    actor.send({ type: 'leave' });
    expect(waits[0]!.signal.aborted).toBe(true);
    waits[0]!.grant();
    await settled();
    expect(gateEvents(events)).toEqual([]);
    actor.stop();
  });
});
