/**
 * The sender's side of pacing: when each RTP packet was handed to `dgram` `Socket.send` (the
 * prototype is wrapped, so every socket of the process counts, statecord's own included), per socket.
 * Gaps between consecutive sends of a socket, next to the gaps at the receiver, tell the scheduler's
 * lateness from what happens after `send()` (dgram's address lookup defers the actual `sendmsg` to
 * `process.nextTick`, the kernel, the receiver's own delays). Costs one `performance.now()` and a map
 * lookup per packet.
 */
import { Socket } from 'node:dgram';
import type { Percentiles } from './protocol.js';

const FRAME_MS = 20;

export interface SendClock {
  /** Starts recording (gaps need two sends of a socket inside the window). */
  start(): void;
  stop(): void;
  /** |gap − 20 ms| between consecutive RTP sends of each socket inside the window. */
  deviation(): Percentiles;
}

export function installSendClock(): SendClock {
  const last = new Map<Socket, number>();
  let deviations = new Float64Array(1 << 16);
  let count = 0;
  let recording = false;
  // Called with the socket as `this` below.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = Socket.prototype.send;
  // dgram's overloads differ only in the arguments after the buffer; the wrapper passes them on.
  Socket.prototype.send = function (this: Socket, ...args: unknown[]): void {
    const packet = args[0];
    if (recording && packet instanceof Uint8Array && packet[0] === 0x80 && (packet[1]! & 0x7f) === 0x78) {
      const now = performance.now();
      const previous = last.get(this);
      if (previous !== undefined) {
        if (count === deviations.length) {
          const grown = new Float64Array(count * 2);
          grown.set(deviations);
          deviations = grown;
        }
        deviations[count++] = Math.abs(now - previous - FRAME_MS);
      }
      last.set(this, now);
    }
    (original as (...rest: unknown[]) => void).apply(this, args);
  } as typeof Socket.prototype.send;
  return {
    start: () => {
      recording = true;
    },
    stop: () => {
      recording = false;
    },
    deviation: () => percentiles(deviations.subarray(0, count)),
  };
}

export function percentiles(values: Float64Array): Percentiles {
  const sorted = values.slice().sort();
  const at = (q: number) =>
    sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    p999: at(0.999),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
    count: sorted.length,
  };
}
