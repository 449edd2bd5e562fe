import type { InspectionEvent } from 'xstate';
import type { ManagerSnapshot } from './manager-model-events.js';
import { managerTransitionKey } from './manager-model.js';

/**
 * A start-up wave's timer fired while the run was busy with another step: the run was too slow for
 * its interval (a loaded machine), not wrong. Run the path again with a longer interval.
 */
export class WaveTimingError extends Error {
  /** Always `'WaveTimingError'`. */
  override readonly name = 'WaveTimingError';
}

/**
 * What the manager's own actor did, from the `inspect` stream of its system (which also carries its
 * shards', left out here): the events it received, its microsteps and the transitions they took.
 */
export class ManagerInspection {
  readonly #onTransition: ((key: string) => void) | undefined;
  /** Types of the events the manager's actor received, in order. */
  readonly #received: string[] = [];
  /** The manager's microsteps: event type, when (`performance.now()`), whether it entered a wave. */
  readonly #microsteps: Array<{ readonly type: string; readonly at: number; readonly enteredWave: boolean }> =
    [];
  /** The manager's own actor: the root of the system (its shards are children). */
  #root: { getSnapshot(): unknown } | null = null;
  #inWave = false;
  #recording = true;
  #stepEvent = '';
  #receivedAtStep = 0;
  #microstepsChecked = 0;

  constructor(onTransition?: (key: string) => void) {
    this.#onTransition = onTransition;
  }

  /** The manager's snapshot now. */
  get snapshot(): ManagerSnapshot {
    if (this.#root === null) throw new Error('the manager actor was not seen');
    return this.#root.getSnapshot() as ManagerSnapshot;
  }

  /** The `inspect` option of the manager. */
  readonly inspect = (event: InspectionEvent): void => {
    const actor = event.actorRef;
    if (actor.sessionId !== event.rootId) return;
    this.#root ??= actor;
    if (event.type === '@xstate.event') this.#received.push(event.event.type);
    if (event.type !== '@xstate.microstep') return;
    // A wave is entered when the state becomes one, or by its own `after` (re-entered: the next wave).
    const inWave = JSON.stringify((event.snapshot as ManagerSnapshot).value).includes('"wave"');
    const reentered = event._transitions.some((transition) => transition.reenter);
    this.#microsteps.push({
      type: event.event.type,
      at: performance.now(),
      enteredWave: inWave && (!this.#inWave || reentered),
    });
    this.#inWave = inWave;
    if (!this.#recording) return;
    for (const transition of event._transitions) this.#onTransition?.(managerTransitionKey(transition));
  };

  /** A step begins: what it receives and takes is counted from here. */
  stepStarted(eventType: string): void {
    this.#stepEvent = eventType;
    this.#receivedAtStep = this.#received.length;
  }

  /** The step was checked: later microsteps belong to the next one. */
  stepChecked(): void {
    this.#microstepsChecked = this.#microsteps.length;
  }

  /** Transitions taken from now on are not recorded (the run's own clean-up). */
  stopRecording(): void {
    this.#recording = false;
  }

  /** Whether the manager received an event of this type during the step. */
  received(type: string): boolean {
    return this.#received.slice(this.#receivedAtStep).includes(type);
  }

  /** Whether the manager took a microstep on an event of this type since the last check. */
  took(type: string): boolean {
    return this.#microsteps.slice(this.#microstepsChecked).some((microstep) => microstep.type === type);
  }

  /** How long the last wave lasted before its `after` of this type fired, in ms. */
  waveLasted(type: string): number {
    const fired = this.#microsteps.findLastIndex((microstep) => microstep.type === type);
    const entered = this.#microsteps.slice(0, fired).findLast((microstep) => microstep.enteredWave);
    return (this.#microsteps[fired]?.at ?? 0) - (entered?.at ?? 0);
  }

  /**
   * A wave timer that fired during another step (since the last check) means the run was too slow
   * for its interval: the error to run it again with a longer one, or null.
   */
  waveTimingError(intervalMs: number): WaveTimingError | null {
    const unexpected = this.#microsteps
      .slice(this.#microstepsChecked)
      .find((microstep) => microstep.type.startsWith('xstate.after.') && microstep.type !== this.#stepEvent);
    return unexpected === undefined
      ? null
      : new WaveTimingError(`${unexpected.type} fired during ${this.#stepEvent} (interval ${intervalMs} ms)`);
  }
}
