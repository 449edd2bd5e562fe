/**
 * A first-in first-out queue with O(1) `shift` (an array with a moving head, compacted now and then),
 * since `Array.prototype.shift` copies the whole array once it grows large.
 *
 * @internal
 */
export class FifoQueue<T> {
  /** Null while empty: most lanes of an idle shard never hold anything (BENCHMARKS.md, memory). */
  #items: (T | undefined)[] | null = null;
  #head = 0;

  get length(): number {
    return this.#items === null ? 0 : this.#items.length - this.#head;
  }

  push(item: T): void {
    (this.#items ??= []).push(item);
  }

  /** The oldest item, or undefined when empty. */
  peek(): T | undefined {
    return this.#items?.[this.#head];
  }

  shift(): T | undefined {
    const items = this.#items;
    if (items === null || this.#head >= items.length) return undefined;
    const item = items[this.#head];
    items[this.#head] = undefined;
    this.#head++;
    if (this.#head === items.length) {
      this.#items = null;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Empties the queue and returns what it held, oldest first. */
  takeAll(): T[] {
    const items = this.#items === null ? [] : (this.#items.slice(this.#head) as T[]);
    this.#items = null;
    this.#head = 0;
    return items;
  }
}
