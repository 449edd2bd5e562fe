import type { GatewayDispatchPayload } from 'discord-api-types/v10';

/**
 * One dispatch as a `RedisStreamSink` publishes it and `consumeDispatches` yields it, typed by its
 * name: a union over every dispatch of discord-api-types, so checking `t` narrows `d`
 * (`if (e.t === 'MESSAGE_CREATE') e.d.content`). A type Discord added after the installed
 * discord-api-types arrives as sent, with its own `t`.
 */
export type StreamDispatch = GatewayDispatchPayload extends infer P
  ? P extends GatewayDispatchPayload
    ? {
        /** The stream entry's id (`<ms>-<n>`), as Redis assigned it. */
        readonly id: string;
        /** The shard that received the dispatch. */
        readonly shardId: number;
        /** The gateway session it arrived on. */
        readonly sessionId: string;
        /** Its sequence number `s` in that session: `(sessionId, seq)` identifies a dispatch. */
        readonly seq: number;
        /** The dispatch's name (`MESSAGE_CREATE`, …). */
        readonly t: `${P['t']}`;
        /** Its data, as Discord sent it. */
        readonly d: P['d'];
      }
    : never
  : never;
