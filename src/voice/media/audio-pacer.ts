import { sharedFrameScheduler, type FrameScheduler, type SchedulerSlot } from './frame-scheduler.js';

/** Length of one Opus frame in ms (docs/protocol/voice.md §3.5). */
export const FRAME_DURATION_MS = 20;

/** Options of an {@link AudioPacer}. */
export interface AudioPacerOptions {
  /** Default: the process-wide {@link sharedFrameScheduler} on real time. */
  readonly scheduler?: FrameScheduler;
  /** Most ticks run back to back to catch up after a stall (default 5). */
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
 * event loop stalls, the ticks owed run back to back, at most `maxBurst` of them; if more were owed,
 * the schedule re-anchors at now instead of flooding the receivers (whose jitter buffers absorb a few
 * frames, not seconds). The first tick is due at `start()`.
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
    const generation = this.#generation;
    const frameMs = this.#frameMs;
    const due = this.#anchor + this.#count * frameMs;
    const owed = now > due ? 1 + Math.floor((now - due) / frameMs) : 1;
    const burst = Math.min(owed, this.#maxBurst);
    for (let i = 0; i < burst; i++) {
      this.#ticks++;
      this.#tick(due + i * frameMs);
      // A tick stopped (or stopped and restarted) this pacer: this run is over.
      if (this.#generation !== generation) return null;
    }
    if (owed > burst) {
      this.#reanchors++;
      this.#anchor = now;
      this.#count = 1;
    } else {
      this.#count += burst;
    }
    return this.#anchor + this.#count * frameMs;
  }
}
