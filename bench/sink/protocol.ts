/** Messages between the sink benchmark's orchestrator and its bot child (`sink-bot.ts`). */

/** What the bot runs besides its MESSAGE_CREATE listener. */
export type SinkBenchMode = 'listener' | 'sink';

/** The bot child's JSON argument. */
export interface SinkBotArgs {
  readonly mode: SinkBenchMode;
  readonly gatewayUrl: string;
  readonly restUrl: string;
  readonly token: string;
  readonly redisUrl: string;
  readonly stream: string;
}

/** From the orchestrator: measure the next `count` MESSAGE_CREATEs. */
export interface SinkBotMeasure {
  readonly type: 'measure';
  readonly count: number;
}

/** From the bot. */
export type SinkBotMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'measuring' }
  | {
      readonly type: 'measured';
      /** CPU (user + system) of the bot process over the window, µs. */
      readonly cpuUs: number;
      /** Wall time of the window, ms. */
      readonly wallMs: number;
      /** Dispatches the sink published (0 without a sink). */
      readonly published: number;
      /** Round trips the sink made. */
      readonly batches: number;
      /** Dispatches the sink dropped (must be 0). */
      readonly dropped: number;
    };
