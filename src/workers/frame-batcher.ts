/**
 * Collects a worker's outgoing frames into batches: one `postMessage` carries every frame that arrived
 * in one turn of the event loop (or `maxItems`), as runs of `[conn, length, ...items]` (see
 * `FromWorker` in protocol.ts). Strings in one array cost about 0.2 µs per event to move between
 * threads against about 5.6 µs for cloned objects (measured in BENCHMARKS.md, worker threads). @internal
 */
export class FrameBatcher {
  readonly #post: (items: Array<number | string>) => void;
  readonly #maxItems: number;
  #items: Array<number | string> = [];
  #runConn = -1;
  #runLengthAt = -1;
  #scheduled = false;

  constructor(post: (items: Array<number | string>) => void, maxItems: number) {
    this.#post = post;
    this.#maxItems = maxItems;
  }

  /** Queues one item (a frame's text or a checkpoint sequence) of a connection. */
  push(conn: number, item: number | string): void {
    const items = this.#items;
    if (conn !== this.#runConn) {
      this.#runConn = conn;
      items.push(conn, 0);
      this.#runLengthAt = items.length - 1;
    }
    items.push(item);
    items[this.#runLengthAt] = (items[this.#runLengthAt] as number) + 1;
    if (items.length >= this.#maxItems) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      // After the I/O phase: every frame read in this turn goes in the same batch.
      setImmediate(this.#onImmediate);
    }
  }

  /**
   * Queues a connection's sequence after dispatches dropped unparsed. Consecutive checkpoints of one
   * connection collapse into the last: only the highest matters.
   */
  pushCheckpoint(conn: number, sequence: number): void {
    const items = this.#items;
    if (
      conn === this.#runConn &&
      typeof items[items.length - 1] === 'number' &&
      items.length - 1 > this.#runLengthAt
    ) {
      items[items.length - 1] = sequence;
      return;
    }
    this.push(conn, sequence);
  }

  /** Posts what is queued now (before a control message, which must not overtake frames). */
  flush(): void {
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.#runConn = -1;
    this.#runLengthAt = -1;
    this.#post(items);
  }

  readonly #onImmediate = () => {
    this.#scheduled = false;
    this.flush();
  };
}
