import { StatecordError } from '../../errors.js';

/**
 * Codes of the event-sink errors of `statecord/redis` (part of `StatecordErrorCode`).
 *
 * | code | class | when |
 * | --- | --- | --- |
 * | `STATECORD_ERR_SINK_OVERFLOW` | {@link SinkOverflowError} | a `RedisStreamSink`'s buffer was full: dispatches were dropped (its `overflow` event) |
 * | `STATECORD_ERR_STREAM_ENTRY` | {@link StreamEntryError} | `consumeDispatches` read a stream entry that is not a dispatch of a `RedisStreamSink`, or one trimmed before it was read (its `warning`; the entry is acknowledged and skipped) |
 */
export type StreamErrorCode = 'STATECORD_ERR_SINK_OVERFLOW' | 'STATECORD_ERR_STREAM_ENTRY';

/**
 * A `RedisStreamSink`'s in-memory buffer was full (Redis too slow or unreachable): the dispatch that did
 * not fit, and every later one until the buffer has room again, is dropped (drop-newest), counted in
 * `sink.stats.dropped`. Carried by the sink's `overflow` event, once per overflow episode.
 */
export class SinkOverflowError extends StatecordError {
  /** Dispatches in the buffer when it overflowed. */
  readonly buffered: number;
  /** Bytes of `d` in the buffer when it overflowed. */
  readonly bufferedBytes: number;

  constructor(buffered: number, bufferedBytes: number) {
    super(
      'STATECORD_ERR_SINK_OVERFLOW',
      `the event sink's buffer is full (${buffered} dispatches, ${bufferedBytes} bytes): dispatches are dropped until Redis catches up`,
    );
    this.buffered = buffered;
    this.bufferedBytes = bufferedBytes;
  }
}

/**
 * A stream entry `consumeDispatches` cannot yield: its fields are not those a `RedisStreamSink` writes
 * (`shard`, `session`, `seq`, `t`, `d`), or it was trimmed (`MAXLEN`) while pending, before this group
 * read it. Reported as the consumer's `warning`; the entry is acknowledged and skipped.
 */
export class StreamEntryError extends StatecordError {
  /** The entry's stream id. */
  readonly entryId: string;

  constructor(entryId: string, reason: string) {
    super('STATECORD_ERR_STREAM_ENTRY', `stream entry ${entryId} was skipped: ${reason}`);
    this.entryId = entryId;
  }
}
