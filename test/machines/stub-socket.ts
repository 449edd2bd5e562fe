import { fromCallback } from 'xstate';
import type { ShardEvent, SocketCommand, SocketInput } from '../../machines/index.js';
import { IdentifyWait } from '../../src/gateway/identify-wait.js';

/** What a stub socket does; the identify gate is answered for it. */
export interface StubSocketOptions {
  /** The identify gate (default: lets the shard identify at once). */
  readonly gate?: (input: { shardId: number }) => Promise<void>;
  /** A socket opens (one socket actor per connection). */
  readonly onOpen?: (input: SocketInput) => void;
  /** Every command but the gate's `identify.wait` / `identify.cancel`, which the stub answers itself. */
  readonly onCommand?: (command: SocketCommand, input: SocketInput) => void;
  /** The socket actor stops. */
  readonly onStop?: () => void;
}

/**
 * The shard machine's socket for pure machine tests: no I/O, and the identify wait of a real
 * connection (`IdentifyWait`: answered by `gate`, cancelled by `identify.cancel` or the socket's stop).
 */
export function stubSocket(options: StubSocketOptions = {}) {
  const gate = options.gate ?? (() => Promise.resolve());
  return fromCallback<SocketCommand, SocketInput, ShardEvent>(({ input, receive, sendBack }) => {
    options.onOpen?.(input);
    let wait: IdentifyWait | null = null;
    const identifyGate = { waitForIdentify: (shardId: number) => gate({ shardId }) };
    receive((command) => {
      if (command.type === 'identify.wait') {
        wait?.cancel();
        wait = new IdentifyWait(identifyGate, input.shardId, sendBack);
      } else if (command.type === 'identify.cancel') {
        wait?.cancel();
        wait = null;
      } else options.onCommand?.(command, input);
    });
    return () => {
      wait?.cancel();
      options.onStop?.();
    };
  });
}
