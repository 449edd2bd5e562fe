import { sharedFrameScheduler, type FrameScheduler, type SchedulerSlot } from './frame-scheduler.js';

/** Length of one Opus frame in ms (docs/protocol/voice.md §3.5). */
export const FRAME_DURATION_MS = 20;

/** Options of an {@link AudioPacer}. */
export interface AudioPacerOptions {
  /** Default: the process-wide {@link sharedFrameScheduler} on real time. */
  readonly scheduler?: FrameScheduler;
  /** Most ticks still sent after a stall, one per scheduler wake (default 5); the rest are skipped. */
  readonly maxBurst?: number;
  /** Tick period in ms (default 20). */
  readonly frameMs?: number;
}

/** What an {@link AudioPacer} has done since it was made. */
export interface AudioPacerStats {
  /** Ticks run. */
  readonly ticks: number;
  /** Times the schedule was re-anchored because a stall left more than `maxBurst` ticks owed. */
  readonly reanchors: number;
}

/**
 * Calls `tick` every 20 ms on a drift-free schedule (docs/protocol/voice.md §3.5): tick n is due at
 * `anchor + n × 20` on the monotonic clock, so lateness of one tick never shifts the next. When the
 * event loop stalls, the ticks owed run one per scheduler wake (the other pacers' ticks in between), at
 * most `maxBurst` of them; if more were owed, the schedule re-anchors so that only `maxBurst` are,
 * instead of flooding the receivers (whose jitter buffers absorb a few frames, not seconds). The first
 * tick is due at `start()`.
 *
 * Pacers share one {@link FrameScheduler} (one timer for all connections) unless given their own.
 */
export class AudioPacer {
  readonly #tick: (due: number) => void;
  readonly #slot: SchedulerSlot;
  readonly #scheduler: FrameScheduler;
  readonly #maxBurst: number;
  readonly #frameMs: number;
  #anchor = 0;
  #count = 0;
  #running = false;
  /** Bumped by start/stop, so a run can tell it was stopped (or restarted) by one of its ticks. */
  #generation = 0;
  #ticks = 0;
  #reanchors = 0;

  /** `tick` gets the time the tick was due (clock ms), e.g. to measure lateness. */
  constructor(tick: (due: number) => void, options: AudioPacerOptions = {}) {
    this.#tick = tick;
    this.#scheduler = options.scheduler ?? sharedFrameScheduler();
    this.#maxBurst = Math.max(1, options.maxBurst ?? 5);
    this.#frameMs = options.frameMs ?? FRAME_DURATION_MS;
    this.#slot = this.#scheduler.slot((now) => this.#run(now));
  }

  /** Whether it is ticking. */
  get running(): boolean {
    return this.#running;
  }

  /** Counters since it was made. */
  get stats(): AudioPacerStats {
    return { ticks: this.#ticks, reanchors: this.#reanchors };
  }

  /** Starts ticking, the first tick due now (no-op when running). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#generation++;
    this.#anchor = this.#scheduler.clock.now();
    this.#count = 0;
    this.#slot.schedule(this.#anchor);
  }

  /** Stops ticking (no-op when stopped); a later `start()` anchors afresh. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#generation++;
    this.#slot.cancel();
  }

  #run(now: number): number | null {
    const frameMs = this.#frameMs;
    let due = this.#anchor + this.#count * frameMs;
    const owed = now > due ? 1 + Math.floor((now - due) / frameMs) : 1;
    if (owed > this.#maxBurst) {
      // Too far behind: keep maxBurst ticks owed (this one included) and skip the rest.
      this.#reanchors++;
      this.#anchor = now - (this.#maxBurst - 1) * frameMs;
      this.#count = 0;
      due = this.#anchor;
    }
    const generation = this.#generation;
    this.#ticks++;
    this.#tick(due);
    // The tick stopped (or stopped and restarted) this pacer: its slot is not ours to schedule.
    if (this.#generation !== generation) return null;
    this.#count++;
    // One tick per run: a tick still owed is due at once, and the scheduler serves every other
    // connection's due tick before it (one run per slot per wake), so catching up never sends one
    // connection's frames in a burst while the others wait.
    return this.#anchor + this.#count * frameMs;
  }
}
