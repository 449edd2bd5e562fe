/** Helpers of the event-sink tests: a dispatch source standing in for a manager, and stream reads. */
import { GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { Shard } from '../../../src/index.js';
import type { SourceDispatch } from '../../../src/redis/index.js';
import { TypedEmitter } from '../../../src/util/typed-emitter.js';
import type { TestRedis } from '../helpers.js';

/** Emits `dispatch` events as a `ShardManager` does, for shards that hold a given session. */
export class TestSource extends TypedEmitter<{ dispatch: SourceDispatch }> {
  readonly #shards = new Map<
    number,
    { id: number; snapshot: { context: { session: { sessionId: string } } } }
  >();

  /** Sets the session shard `id` runs. */
  session(id: number, sessionId: string): void {
    this.#shards.set(id, { id, snapshot: { context: { session: { sessionId } } } });
  }

  /** Emits a TYPING_START with sequence `s` on shard `id`. */
  typing(id: number, s: number): void {
    if (!this.#shards.has(id)) this.session(id, `session-${id}`);
    const payload = {
      op: GatewayOpcodes.Dispatch,
      t: GatewayDispatchEvents.TypingStart,
      s,
      d: { channel_id: '1', user_id: String(s), timestamp: s },
    } as GatewayDispatchPayload;
    this.emit('dispatch', { shard: this.#shards.get(id) as unknown as Shard, payload });
  }

  /** Emits any dispatch. */
  send(id: number, payload: GatewayDispatchPayload): void {
    if (!this.#shards.has(id)) this.session(id, `session-${id}`);
    this.emit('dispatch', { shard: this.#shards.get(id) as unknown as Shard, payload });
  }
}

/** Every entry of a stream as `{ shard, session, seq, t, d }` (XRANGE). */
export async function readStream(
  redis: TestRedis,
  stream: string,
): Promise<{ shard: string; session: string; seq: string; t: string; d: string }[]> {
  const entries = await redis.sendCommand<[string, string[]][]>(['XRANGE', stream, '-', '+']);
  return entries.map(([, fields]) => {
    const record: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
    return record as { shard: string; session: string; seq: string; t: string; d: string };
  });
}

/** XLEN. */
export async function streamLength(redis: TestRedis, stream: string): Promise<number> {
  return Number(await redis.sendCommand(['XLEN', stream]));
}
