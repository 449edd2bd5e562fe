import type { GatewayDispatchEvents, GatewayDispatchPayload } from 'discord-api-types/v10';

/**
 * The data of the dispatch named `K`, typed by discord-api-types. `K` is the event's name
 * (`DispatchData<'MESSAGE_CREATE'>`) or its `GatewayDispatchEvents` member.
 */
export type DispatchData<K extends GatewayDispatchEvents | `${GatewayDispatchEvents}`> = Extract<
  GatewayDispatchPayload,
  {
    /** The dispatch's event name. */
    t: K;
  }
>['d'];

/**
 * Events of `shard.gateway`: every dispatch under its Discord name (`MESSAGE_CREATE`, …) with its data,
 * and `dispatch` with the whole payload (`t`, `s`, `d`) for code that handles every event.
 */
export type ShardDispatchEvents = { [K in GatewayDispatchEvents as `${K}`]: DispatchData<K> } & {
  /** Every dispatch, as the whole payload (`op`, `t`, `s`, `d`), after its named event. */
  dispatch: GatewayDispatchPayload;
};
