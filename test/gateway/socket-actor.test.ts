import { afterEach, describe, expect, it } from 'vitest';
import { createActor, setup } from 'xstate';
import type { ShardEvent } from '../../machines/index.js';
import { OutboundSender } from '../../src/gateway/outbound/index.js';
import { SequenceTracker } from '../../src/gateway/sequence.js';
import { createSocketLogic } from '../../src/gateway/socket-actor.js';
import type { ConnectionDeps, ConnectionObservation } from '../../src/gateway/socket-actor.js';
import { FakeGateway } from '../../src/testing/index.js';
import type { GatewayCompression } from '../../src/gateway/gateway-url.js';
import { expectNoConnectionWithin } from '../shard/harness.js';

let gateway: FakeGateway | null = null;
afterEach(async () => {
  await gateway?.close();
  gateway = null;
});

function depsWith(compression: GatewayCompression, observations: ConnectionObservation[]): ConnectionDeps {
  return {
    identity: {
      token: 'token',
      intents: 0,
      shard: [0, 1],
      properties: { os: 'x', browser: 'x', device: 'x' },
    },
    compression,
    sequence: new SequenceTracker(null),
    sender: new OutboundSender({}),
    dispatches: { deliver: () => undefined, wants: () => true, wantsAll: () => true },
    observe: (observation) => observations.push(observation),
    identifyAnswered: () => undefined,
    identifyGate: { waitForIdentify: () => Promise.resolve() },
    now: () => 0,
  };
}

describe('the socket actor', () => {
  // Regression: the decoder was created after the ws socket, so a bad compression threw with a socket
  // that had no 'error' listener; its next ECONNRESET or HTTP 400 crashed the process.
  it('reports a decoder it cannot create as a failed connect (1006) and opens no socket', async () => {
    gateway = await FakeGateway.start();
    const observations: ConnectionObservation[] = [];
    const logic = createSocketLogic(() => depsWith('gzip' as GatewayCompression, observations));
    const events: ShardEvent[] = [];
    const closed = new Promise<void>((resolve) => {
      // A parent that invokes the socket actor, as the shard machine does, and records what it sends back.
      const parent = setup({ types: { events: {} as ShardEvent }, actors: { socket: logic } }).createMachine({
        invoke: { src: 'socket', input: { url: gateway!.url, shardId: 0 } },
        on: {
          '*': {
            actions: ({ event }) => {
              events.push(event);
              if (event.type === 'socket.closed') resolve();
            },
          },
        },
      });
      createActor(parent).start();
    });
    await closed;

    expect(events).toEqual([{ type: 'socket.closed', code: 1006, initiator: 'transport' }]);
    expect(observations).toMatchObject([
      { type: 'socket.error', error: { code: 'STATECORD_ERR_GATEWAY_CONNECTION' } },
    ]);
    await expectNoConnectionWithin(gateway, 300);
  });
});

describe('a stopped socket actor', () => {
  it('closes its connection with 4000, and nothing the gateway sends after the stop reaches the machine', async () => {
    gateway = await FakeGateway.start();
    const server = gateway;
    const logic = createSocketLogic(() => depsWith('zlib-stream', []));
    const afterStop: ShardEvent[] = [];
    let helloReceived!: () => void;
    const hello = new Promise<void>((resolve) => (helloReceived = resolve));
    // A parent that holds the socket actor in `open` (as the shard machine holds it in `connection`).
    const parent = setup({
      types: { events: {} as ShardEvent | { type: 'leave' } },
      actors: { socket: logic },
    }).createMachine({
      initial: 'open',
      states: {
        open: {
          invoke: { src: 'socket', input: { url: server.url, shardId: 0 } },
          on: { leave: 'away', 'gateway.hello': { actions: () => helloReceived() } },
        },
        away: { on: { '*': { actions: ({ event }) => afterStop.push(event as ShardEvent) } } },
      },
    });
    const connected = server.waitFor('connection');
    const actor = createActor(parent).start();
    const connection = await connected;
    await hello;
    const closed = server.waitFor('close');
    actor.send({ type: 'leave' });
    // A frame already on its way when the actor stopped.
    connection.requestHeartbeat();
    const close = await closed;
    expect(close.code).toBe(4000);
    expect(afterStop).toEqual([]);
    actor.stop();
  });
});
