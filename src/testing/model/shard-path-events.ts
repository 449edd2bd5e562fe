import { GatewayOpcodes } from 'discord-api-types/v10';
import type { ShardDelays } from '../../../machines/index.js';
import { HttpUnauthorizedError } from '../../errors.js';
import type { GatewayCompression } from '../../gateway/gateway-url.js';
import type { Shard } from '../../shard/shard.js';
import type { FakeGateway, FakeGatewayConnection } from '../fake-gateway/index.js';
import type { ManualIdentifyGate } from './manual-identify-gate.js';
import { REJECTED_TOKEN_CODE } from './shard-model.js';
import type { ShardModelEvent } from './shard-model.js';
import type { ShardPathClock } from './shard-path-clock.js';
import type { ShardPathTrace } from './shard-path-trace.js';

/** What producing a model event needs from the path run. */
export interface ShardEventStage {
  readonly shard: Shard;
  readonly gateway: FakeGateway;
  readonly compress: GatewayCompression;
  readonly gate: ManualIdentifyGate;
  readonly clock: ShardPathClock;
  readonly delays: ShardDelays;
  readonly trace: ShardPathTrace;
  /** The gateway side of the shard's current socket (waits for its upgrade). */
  connection(): Promise<FakeGatewayConnection>;
  /** Keeps a stop's promise for the end of the run. */
  stopping(stopped: Promise<void>): void;
  /** Throws if an oracle objects to what was observable so far. */
  checkProtocol(): void;
}

/**
 * Produces one model event the way production would see it: a frame or a close from the gateway, a
 * timer coming due, the identify gate opening or refusing, a user call. What the gateway is made to
 * send is recorded in the trace as it goes out (READY, the replay and RESUMED are recorded from the
 * gateway's own events).
 */
export async function produceShardModelEvent(event: ShardModelEvent, stage: ShardEventStage): Promise<void> {
  const { shard, trace } = stage;
  /** Records a payload the gateway is about to send (nothing goes out on a closing connection). */
  const sent = (connection: FakeGatewayConnection, op: number | null, d?: unknown) => {
    if (connection.open) trace.sent(connection.id, op, d);
  };
  switch (event.type) {
    case 'shard.start':
      trace.user('start');
      shard.start().catch(() => undefined);
      return;
    case 'shard.adoptSession':
      trace.user('dropSession');
      shard.adoptSession(null);
      return;
    case 'shard.stop': {
      const resumable = 'resumable' in event && event.resumable === true;
      trace.user('stop', resumable);
      stage.stopping(shard.stop({ resumable }));
      return;
    }
    case 'gateway.hello': {
      const connection = await stage.connection();
      sent(connection, GatewayOpcodes.Hello, {
        heartbeat_interval: stage.gateway.options.heartbeatIntervalMs,
      });
      connection.sendHello();
      return;
    }
    case 'gateway.ready':
    case 'gateway.resumed':
      // READY, or the replay and RESUMED: the trace records them from the gateway's own events.
      (await stage.connection()).releaseHandshake();
      return;
    case 'gateway.reconnect': {
      const connection = await stage.connection();
      sent(connection, GatewayOpcodes.Reconnect, null);
      connection.sendReconnect({ closeAfterMs: null });
      return;
    }
    case 'gateway.invalidSession': {
      const connection = await stage.connection();
      const resumable = 'resumable' in event && event.resumable === true;
      sent(connection, GatewayOpcodes.InvalidSession, resumable);
      connection.invalidateSession(resumable);
      return;
    }
    case 'gateway.heartbeatRequest': {
      const connection = await stage.connection();
      sent(connection, GatewayOpcodes.Heartbeat, null);
      connection.requestHeartbeat();
      return;
    }
    case 'socket.alive': {
      // A heartbeat ACK: a frame that is not a lifecycle event.
      const connection = await stage.connection();
      sent(connection, GatewayOpcodes.HeartbeatAck, null);
      connection.sendPayload({ op: GatewayOpcodes.HeartbeatAck });
      return;
    }
    case 'socket.corrupt': {
      // Invalid JSON (json) or bytes that are no zlib data but end with the flush suffix (zlib-stream).
      const connection = await stage.connection();
      sent(connection, null);
      connection.sendRaw(
        stage.compress === 'zlib-stream'
          ? Buffer.from([0x13, 0x37, 0x00, 0x00, 0xff, 0xff])
          : '{"op": 0, "t": "MESSAGE_CREATE", "d": {',
        { bypassCompression: true },
      );
      return;
    }
    case 'socket.closed': {
      const connection = await stage.connection();
      const code = 'code' in event ? event.code : 4000;
      if (connection.open) trace.closedByGateway(connection.id, code);
      connection.close(code);
      return;
    }
    default:
      await produceXstateEvent(event, stage);
  }
}

/** A timer coming due (`xstate.after.*`), or the identify gate answering (`identify.granted/refused`). */
async function produceXstateEvent(event: ShardModelEvent, stage: ShardEventStage): Promise<void> {
  const { clock, gate, trace } = stage;
  const type = event.type;
  if (type.startsWith('xstate.after.')) {
    const name = type.split('.')[2] as keyof ShardDelays;
    const delay = stage.delays[name]({ context: stage.shard.snapshot.context });
    if (clock.pendingWithDelay(delay) === 0) {
      // The model says this timer comes due, but the shard never armed it. Let the time pass all the
      // same: the oracles judge what the client did, or failed to do, meanwhile.
      clock.pass(delay);
      trace.time(delay);
      stage.checkProtocol();
      throw new Error(
        `the model's timer ${name} (${delay} ms) is not pending in the shard (pending: ${clock.pendingDelays.join(', ') || 'none'})`,
      );
    }
    clock.fire(delay, () => trace.time(delay));
    return;
  }
  if (type === 'identify.granted') {
    await gate.whenWaiting();
    gate.grant();
    return;
  }
  if (type === 'identify.refused') {
    await gate.whenWaiting();
    const rejectsToken =
      'error' in event && (event.error as { code?: unknown } | undefined)?.code === REJECTED_TOKEN_CODE;
    gate.refuse(
      rejectsToken
        ? new HttpUnauthorizedError({ method: 'GET', path: '/gateway/bot', attempts: 1, status: 401 })
        : undefined,
    );
    return;
  }
  throw new Error(`the model runner cannot produce event ${type}`);
}
