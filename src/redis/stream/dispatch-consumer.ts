import { InvalidArgumentError, RedisUnavailableError, StatecordError } from '../../errors.js';
import { reportUnheardWarning } from '../../util/process-warning.js';
import { TypedEmitter } from '../../util/typed-emitter.js';
import { backoffMs } from '../backoff.js';
import { consumerSettings } from './consumer-options.js';
import type {
  ConsumeDispatchesOptions,
  ConsumerSettings,
  DispatchConsumerEvents,
  DispatchConsumerStats,
} from './consumer-options.js';
import { DedupeWindow } from './dedupe-window.js';
import type { StreamDispatch } from './stream-dispatch.js';
import { StreamEntryError } from './stream-errors.js';
import { autoclaimReply, entryDispatch, readReplyEntries } from './stream-reply.js';
import type { RawEntry } from './stream-reply.js';

/** Settles when the signal aborts (never without one). */
const ABORTED = Symbol('aborted');

/**
 * Reads the dispatches a `RedisStreamSink` publishes, as one consumer of a consumer group; iterate it
 * once with `for await`. Made by {@link consumeDispatches}.
 *
 * - **Order of reads**: first the entries this consumer read before and did not acknowledge (a
 *   restart), then new ones (`XREADGROUP … >`, blocking up to `blockMs`), and every `claimIdleMs / 2`
 *   one page of entries other consumers left unacknowledged for `claimIdleMs` (`XAUTOCLAIM`).
 * - **Acknowledgement**: an entry is acknowledged (`XACK`, batched) once the loop body that received it
 *   finished, i.e. when the next one is asked for. The entry being handled when the loop ends (`break`,
 *   a throw, the signal) is not: a restart of this consumer (same name) or a claim yields it again.
 * - **Deduplication** by `(sessionId, seq)`: a copy of a dispatch already yielded is acknowledged and
 *   dropped. Memory is bounded: `dedupeWindow` sequences per session, `dedupeSessions` sessions; a
 *   copy more than `dedupeWindow` sequences behind its session's newest counts as seen. The window
 *   lives in this process: across a restart of the consumer, an entry it did not acknowledge may be
 *   yielded once more (at least once), never skipped.
 * - **Faults**: Redis errors are reported as `warning` and retried with backoff; an entry that is not
 *   a sink's dispatch (or was trimmed before it was read) is reported, acknowledged and skipped.
 */
export class DispatchConsumer
  extends TypedEmitter<DispatchConsumerEvents>
  implements AsyncIterable<StreamDispatch>
{
  readonly #settings: ConsumerSettings;
  readonly #dedupe: DedupeWindow;
  readonly #aborted: Promise<typeof ABORTED>;
  #iterated = false;
  #delivered = 0;
  #duplicates = 0;
  #skipped = 0;
  #claimed = 0;

  /** Use {@link consumeDispatches}. @internal */
  constructor(options: ConsumeDispatchesOptions) {
    super();
    this.#settings = consumerSettings(options);
    this.#dedupe = new DedupeWindow(this.#settings.dedupeWindow, this.#settings.dedupeSessions);
    const signal = this.#settings.signal;
    this.#aborted = new Promise((resolve) => {
      if (signal === null) return;
      if (signal.aborted) resolve(ABORTED);
      else signal.addEventListener('abort', () => resolve(ABORTED), { once: true });
    });
  }

  /** Counters: delivered, duplicates dropped, entries skipped, entries claimed. */
  get stats(): DispatchConsumerStats {
    return {
      delivered: this.#delivered,
      duplicates: this.#duplicates,
      skipped: this.#skipped,
      claimed: this.#claimed,
    };
  }

  /** The dispatches, each once; ends when the signal aborts. A consumer is iterated once. */
  [Symbol.asyncIterator](): AsyncIterator<StreamDispatch> {
    if (this.#iterated) throw new InvalidArgumentError('a DispatchConsumer is iterated once');
    this.#iterated = true;
    return this.#run();
  }

  async *#run(): AsyncGenerator<StreamDispatch, void, undefined> {
    const { claimIdleMs } = this.#settings;
    let toAck: string[] = [];
    let ownCursor: string | null = '0';
    let claimCursor = '0-0';
    let nextClaimAt = performance.now() + claimIdleMs / 2;
    let attempt = 0;
    let groupReady = false;
    try {
      while (!this.#isAborted()) {
        let entries: RawEntry[] | typeof ABORTED;
        try {
          if (!groupReady) {
            await this.#createGroup();
            groupReady = true;
          }
          if (toAck.length > 0) {
            await this.#command(['XACK', this.#settings.stream, this.#settings.group, ...toAck]);
            toAck = [];
          }
          if (ownCursor !== null) {
            entries = await this.#read(ownCursor, false);
            if (entries !== ABORTED) ownCursor = entries.length === 0 ? null : entries.at(-1)!.id;
          } else if (claimIdleMs > 0 && performance.now() >= nextClaimAt) {
            const claim = await this.#claim(claimCursor);
            claimCursor = claim.next;
            if (claimCursor === '0-0') nextClaimAt = performance.now() + claimIdleMs / 2;
            entries = claim.entries;
          } else {
            entries = await this.#read('>', true);
          }
          attempt = 0;
        } catch (error) {
          if (this.#isAborted()) return;
          if (String((error as Error).message).includes('NOGROUP')) groupReady = false;
          attempt += 1;
          this.#warn(asStatecordError(error));
          if ((await this.#pause(backoffMs(attempt))) === ABORTED) return;
          continue;
        }
        if (entries === ABORTED) return;
        for (const entry of entries) {
          let dispatch: StreamDispatch;
          try {
            dispatch = entryDispatch(entry);
          } catch (error) {
            this.#skipped += 1;
            this.#warn(asStatecordError(error));
            toAck.push(entry.id);
            continue;
          }
          if (!this.#dedupe.add(dispatch.sessionId, dispatch.seq)) {
            this.#duplicates += 1;
            toAck.push(entry.id);
            continue;
          }
          this.#delivered += 1;
          yield dispatch;
          toAck.push(entry.id);
          if (this.#isAborted()) return;
        }
      }
    } finally {
      // What the loop finished with is acknowledged on the way out (best effort: unacknowledged, it is
      // yielded again after a restart, and deduplicated only within one process).
      if (toAck.length > 0) {
        await this.#command(['XACK', this.#settings.stream, this.#settings.group, ...toAck]).catch(
          () => undefined,
        );
      }
    }
  }

  /** A `warning`, or Node's warning channel when nobody listens. */
  #warn(error: StatecordError): void {
    if (!this.emit('warning', { error })) reportUnheardWarning(error);
  }

  /** Waits `ms`, or less when the signal aborts first. */
  async #pause(ms: number): Promise<typeof ABORTED | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const wait = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
    try {
      return await Promise.race([wait, this.#aborted]);
    } finally {
      clearTimeout(timer);
    }
  }

  #isAborted(): boolean {
    return this.#settings.signal?.aborted ?? false;
  }

  async #createGroup(): Promise<void> {
    const { stream, group, startId } = this.#settings;
    try {
      await this.#command(['XGROUP', 'CREATE', stream, group, startId, 'MKSTREAM']);
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
  }

  /** Entries after `from` (`>`: new ones, blocking; an id: this consumer's unacknowledged ones). */
  async #read(from: string, block: boolean): Promise<RawEntry[] | typeof ABORTED> {
    const { stream, group, consumer, count, blockMs, commandTimeoutMs } = this.#settings;
    const args = ['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count)];
    if (block) args.push('BLOCK', String(blockMs));
    args.push('STREAMS', stream, from);
    const reply = await Promise.race([
      this.#command(args, block ? blockMs + commandTimeoutMs : commandTimeoutMs),
      this.#aborted,
    ]);
    return reply === ABORTED ? ABORTED : readReplyEntries(reply);
  }

  async #claim(cursor: string): Promise<{ next: string; entries: RawEntry[] }> {
    const { stream, group, consumer, count, claimIdleMs } = this.#settings;
    const reply = await this.#command([
      'XAUTOCLAIM',
      stream,
      group,
      consumer,
      String(claimIdleMs),
      cursor,
      'COUNT',
      String(count),
    ]);
    const { next, entries, deleted } = autoclaimReply(reply);
    this.#claimed += entries.length;
    for (const id of deleted) {
      this.#skipped += 1;
      this.#warn(new StreamEntryError(id, 'it was trimmed (MAXLEN) before it was read'));
    }
    return { next, entries };
  }

  /** One command; rejects with `RedisUnavailableError` on an error reply, a failure or no answer in time. */
  async #command(args: string[], timeoutMs = this.#settings.commandTimeoutMs): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RedisUnavailableError(`no answer to ${args[0]} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#settings.redis.sendCommand(args), timeout]);
    } catch (error) {
      throw error instanceof RedisUnavailableError
        ? error
        : new RedisUnavailableError(error instanceof Error ? error.message : String(error), error);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Reads the dispatches a `RedisStreamSink` publishes, as `consumer` of the consumer group `group`
 * (created when missing): each dispatch once, typed by its name. See {@link DispatchConsumer}.
 * Throws `InvalidArgumentError` at once for a wrong option.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { consumeDispatches } from 'statecord/redis';
 *
 * const redis = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * const dispatches = consumeDispatches({ redis, stream: 'mybot:dispatches', group: 'bot', consumer: 'worker-1', signal: stop.signal });
 * for await (const event of dispatches) {
 *   if (event.t === 'MESSAGE_CREATE') console.log(event.shardId, event.d.content);
 * }
 * ```
 */
export function consumeDispatches(options: ConsumeDispatchesOptions): DispatchConsumer {
  return new DispatchConsumer(options);
}

function asStatecordError(error: unknown): StatecordError {
  return error instanceof StatecordError
    ? error
    : new RedisUnavailableError(error instanceof Error ? error.message : String(error), error);
}
