import { reportUnheardWarning } from '../../util/process-warning.js';
import { realMediaClock, type MediaClock } from './media-clock.js';

/** Options of a {@link FrameScheduler}. */
export interface FrameSchedulerOptions {
  /** Default {@link realMediaClock}. */
  readonly clock?: MediaClock;
  /**
   * How early a task may run, in ms (default 1). A wake serves every task due within this much of
   * now, so tasks whose times fall close together share a wake instead of each costing one; Node's
   * timers have 1 ms resolution anyway.
   */
  readonly earlyMs?: number;
}

/**
 * What a {@link SchedulerSlot} runs when due: gets the current time, returns its next due time, or
 * null to leave the schedule.
 */
export type ScheduledRun = (now: number) => number | null;

/**
 * One task's place in a {@link FrameScheduler}: made by {@link FrameScheduler.slot}, scheduled and
 * cancelled by its owner (e.g. an `AudioPacer`).
 */
export class SchedulerSlot {
  /** @internal */ due = 0;
  /** @internal Position in the heap; -1 when not scheduled. */ index = -1;
  /** @internal The wake that last ran it. */ pass = 0;
  readonly #scheduler: FrameScheduler;
  /** @internal */ readonly run: ScheduledRun;

  /** @internal */
  constructor(scheduler: FrameScheduler, run: ScheduledRun) {
    this.#scheduler = scheduler;
    this.run = run;
  }

  /** Whether it waits to run. */
  get scheduled(): boolean {
    return this.index !== -1;
  }

  /** Runs it at `due` (clock ms), moving it if already scheduled. */
  schedule(due: number): void {
    this.#scheduler.schedule(this, due);
  }

  /** Takes it off the schedule (no-op when not scheduled). */
  cancel(): void {
    this.#scheduler.cancel(this);
  }
}

/**
 * Runs many periodic tasks from one timer (docs/protocol/voice.md §3.5): a binary min-heap of slots
 * keyed by due time, and a single unref'ed `setTimeout` armed for the earliest. A wake runs every slot
 * due within `earlyMs`, each at most once, then re-arms. With 1000 connections at 50 frames/s this is
 * one timer and ~20 wakes per 20 ms in all, not 1000 timers; a heap (O(log n) per frame) keeps exact
 * due times instead of rounding them to wheel slots.
 *
 * A task that throws is taken off the schedule and reported as a process warning; the others run on.
 */
export class FrameScheduler {
  readonly clock: MediaClock;
  readonly earlyMs: number;
  readonly #heap: SchedulerSlot[] = [];
  #timer: unknown = null;
  /** Clock time the armed timer was aimed at. */
  #armedFor = Infinity;
  #pass = 0;
  #waking = false;

  constructor(options: FrameSchedulerOptions = {}) {
    this.clock = options.clock ?? realMediaClock;
    this.earlyMs = options.earlyMs ?? 1;
  }

  /** A new slot for `run`; it runs once scheduled. */
  slot(run: ScheduledRun): SchedulerSlot {
    return new SchedulerSlot(this, run);
  }

  /** Number of scheduled slots. */
  get size(): number {
    return this.#heap.length;
  }

  /** @internal Use {@link SchedulerSlot.schedule}. */
  schedule(slot: SchedulerSlot, due: number): void {
    if (slot.index !== -1) this.#remove(slot);
    slot.due = due;
    this.#insert(slot);
    if (!this.#waking) this.#arm();
  }

  /** @internal Use {@link SchedulerSlot.cancel}. */
  cancel(slot: SchedulerSlot): void {
    if (slot.index === -1) return;
    this.#remove(slot);
    if (!this.#waking) this.#arm();
  }

  readonly #wake = (): void => {
    this.#timer = null;
    this.#armedFor = Infinity;
    this.#waking = true;
    const pass = ++this.#pass;
    const heap = this.#heap;
    try {
      let now = this.clock.now();
      // Only what was due when the wake began: what falls due while it runs waits for the next wake,
      // so a wake that finds everyone late ends after one round and lets I/O in.
      const horizon = now + this.earlyMs;
      for (let top = heap[0]; top !== undefined && top.due <= horizon; top = heap[0]) {
        // Ran in this wake and due again: the loop is overloaded. Yield to I/O, come back at once.
        if (top.pass === pass) break;
        top.pass = pass;
        this.#remove(top);
        let next: number | null;
        try {
          next = top.run(now);
        } catch (error) {
          next = null;
          reportUnheardWarning(error instanceof Error ? error : new Error(String(error)));
        }
        // A run that scheduled its slot itself (stopped and restarted) is already back in the heap.
        if (next !== null && top.index === -1) {
          top.due = next;
          this.#insert(top);
        }
        now = this.clock.now();
      }
    } finally {
      this.#waking = false;
      this.#arm();
    }
  };

  #arm(): void {
    const first = this.#heap[0];
    if (first === undefined) {
      if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
      this.#timer = null;
      this.#armedFor = Infinity;
      return;
    }
    if (this.#timer !== null && this.#armedFor <= first.due) return;
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
    const now = this.clock.now();
    this.#armedFor = first.due;
    // Whole milliseconds, rounded down: a timer fires at or after its delay, and `earlyMs` lets the
    // wake serve what is due within the next millisecond.
    this.#timer = this.clock.setTimeout(this.#wake, Math.max(0, Math.floor(first.due - now)));
  }

  #insert(slot: SchedulerSlot): void {
    slot.index = this.#heap.length;
    this.#heap.push(slot);
    this.#up(slot.index);
  }

  #remove(slot: SchedulerSlot): void {
    const heap = this.#heap;
    const index = slot.index;
    const last = heap.pop();
    slot.index = -1;
    if (last === undefined || last === slot) return;
    heap[index] = last;
    last.index = index;
    this.#down(index);
    this.#up(last.index);
  }

  #up(start: number): void {
    const heap = this.#heap;
    let index = start;
    const slot = heap[index];
    if (slot === undefined) return;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex];
      if (parent === undefined || parent.due <= slot.due) break;
      heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    heap[index] = slot;
    slot.index = index;
  }

  #down(start: number): void {
    const heap = this.#heap;
    let index = start;
    const slot = heap[index];
    if (slot === undefined) return;
    for (;;) {
      const leftIndex = 2 * index + 1;
      const left = heap[leftIndex];
      if (left === undefined) break;
      const right = heap[leftIndex + 1];
      const useRight = right !== undefined && right.due < left.due;
      const child = useRight ? right : left;
      const childIndex = useRight ? leftIndex + 1 : leftIndex;
      if (child.due >= slot.due) break;
      heap[index] = child;
      child.index = index;
      index = childIndex;
    }
    heap[index] = slot;
    slot.index = index;
  }
}

let shared: FrameScheduler | undefined;

/** The process-wide scheduler on real time that pacers use by default (created on first use). */
export function sharedFrameScheduler(): FrameScheduler {
  return (shared ??= new FrameScheduler());
}
