import type { ShardEvent } from '../../machines/index.js';
import type { IdentifyGate } from '../shard/identify-gate.js';

/**
 * A connection's wait at the identify gate (the machine's `identify.wait`). It takes the place of an
 * invoked promise actor per connection, with the same guarantee: a wait that was cancelled (the
 * machine left `waitingForSlot`), replaced by a newer one, or whose connection ended, never answers,
 * so a stale grant cannot make a shard identify. One object per wait, dropped when it answers. @internal
 */
export class IdentifyWait {
  /** Null once the wait answered or was cancelled: a connection keeps its last wait while it lives. */
  #controller: AbortController | null = new AbortController();

  /**
   * Asks `gate` for `shardId` and hands its answer to `toMachine` as
   * `identify.granted` or `identify.refused`, unless the wait was cancelled first. A gate that throws
   * instead of rejecting refuses the same way.
   */
  constructor(
    gate: Pick<IdentifyGate, 'waitForIdentify'>,
    shardId: number,
    toMachine: (event: ShardEvent) => void,
  ) {
    const refuse = (error: unknown): void => {
      if (this.#settle()) toMachine({ type: 'identify.refused', error });
    };
    let answer: Promise<void>;
    try {
      // `Promise.resolve`: a user's gate that returns no promise lets the shard go, as xstate's did.
      answer = Promise.resolve(gate.waitForIdentify(shardId, this.#controller!.signal));
    } catch (error) {
      queueMicrotask(() => refuse(error));
      return;
    }
    answer.then(() => {
      if (this.#settle()) toMachine({ type: 'identify.granted' });
    }, refuse);
  }

  /** Gives the wait up: the gate sees its signal abort, and its answer is dropped. */
  cancel(): void {
    const controller = this.#controller;
    if (controller === null) return;
    this.#controller = null;
    controller.abort();
  }

  /** Whether the answer may go to the machine (the first answer of a wait not cancelled). */
  #settle(): boolean {
    if (this.#controller === null) return false;
    this.#controller = null;
    return true;
  }
}
