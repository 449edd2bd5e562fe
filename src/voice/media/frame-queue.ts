/**
 * A fixed-capacity FIFO ring of frames: no allocation per push or shift, no `Array#shift` copying.
 * Pushing into a full queue drops the oldest frame (the caller counts it).
 *
 * @internal
 */
export class FrameQueue<T> {
  readonly capacity: number;
  readonly #items: (T | undefined)[];
  #head = 0;
  #length = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
    this.#items = new Array<T | undefined>(this.capacity);
  }

  get length(): number {
    return this.#length;
  }

  get full(): boolean {
    return this.#length === this.capacity;
  }

  /** Appends `item`; returns the oldest item it pushed out when full, else undefined. */
  push(item: T): T | undefined {
    let dropped: T | undefined;
    if (this.#length === this.capacity) {
      dropped = this.shift();
    }
    this.#items[(this.#head + this.#length) % this.capacity] = item;
    this.#length++;
    return dropped;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#length--;
    return item;
  }

  clear(): void {
    this.#items.fill(undefined);
    this.#head = 0;
    this.#length = 0;
  }
}
