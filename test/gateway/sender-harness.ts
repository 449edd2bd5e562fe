import {
  ActivityType,
  GatewayOpcodes,
  PresenceUpdateStatus,
  type GatewayHeartbeat,
  type GatewayResume,
  type GatewayUpdatePresence,
} from 'discord-api-types/v10';
import { OutboundSender, type OutboundSenderOptions } from '../../src/gateway/outbound/index.js';
import { FakeSenderClock } from './fake-sender-clock.js';

/** One frame as the socket saw it. */
export interface Written {
  readonly connection: number;
  readonly at: number;
  readonly payload: { op: number; d: unknown };
}

export const heartbeat = (seq: number): GatewayHeartbeat => ({ op: GatewayOpcodes.Heartbeat, d: seq });

export const resume = (seq: number): GatewayResume => ({
  op: GatewayOpcodes.Resume,
  d: { token: 'token', session_id: 'session', seq },
});

/** A presence update tagged `n`, to follow a normal send on the wire. */
export const presence = (n: number, padding = ''): GatewayUpdatePresence => ({
  op: GatewayOpcodes.PresenceUpdate,
  d: {
    since: null,
    activities: [{ name: `n${n}${padding}`, type: ActivityType.Playing }],
    status: PresenceUpdateStatus.Online,
    afk: false,
  },
});

/** The tag of a presence update written by {@link presence}. */
export const presenceTag = (written: Written): number | undefined => {
  const d = written.payload.d as { activities?: { name: string }[] } | null;
  const name = d?.activities?.[0]?.name;
  return name === undefined ? undefined : Number(name.slice(1));
};

/** A sender on a fake clock whose connections record every write. */
export class SenderHarness {
  readonly clock = new FakeSenderClock();
  readonly sender: OutboundSender;
  readonly written: Written[] = [];
  #connection = 0;

  constructor(options: Omit<OutboundSenderOptions, 'clock'> = {}) {
    this.sender = new OutboundSender({ ...options, clock: this.clock });
  }

  /** Attaches a new connection; returns its number. */
  connect(): number {
    const connection = ++this.#connection;
    this.sender.attach((data) => {
      this.written.push({
        connection,
        at: this.clock.now(),
        payload: JSON.parse(data) as Written['payload'],
      });
    });
    return connection;
  }

  /** Ops written so far, in order. */
  ops(): number[] {
    return this.written.map((w) => w.payload.op);
  }
}

/** Lets pending promise callbacks run. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Tracks how a promise settled, without leaving a rejection unhandled. */
export function track(promise: Promise<void>): { state: 'pending' | 'sent' | 'rejected'; error?: unknown } {
  const result: { state: 'pending' | 'sent' | 'rejected'; error?: unknown } = { state: 'pending' };
  promise.then(
    () => {
      result.state = 'sent';
    },
    (error: unknown) => {
      result.state = 'rejected';
      result.error = error;
    },
  );
  return result;
}
