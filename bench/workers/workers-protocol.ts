import type { GatewayEndpoints } from '../lib/protocol.js';

/** Arguments of `workers-client.ts`. */
export interface WorkersArgs extends GatewayEndpoints {
  /** Worker threads; 0 runs every shard in the main thread (the baseline). */
  readonly workers: number;
  readonly shards: number;
  readonly listen: 'all' | 'typical';
  /** Listened dispatches each shard receives in all, and before the measured window. */
  readonly perShard: number;
  readonly warmupPerShard: number;
  /** Dispatches (listened or not) all shards receive in the measured window. */
  readonly dispatchesInWindow: number;
}

export interface WorkersResult {
  readonly type: 'result';
  readonly workers: number;
  readonly listen: 'all' | 'typical';
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly dispatchesInWindow: number;
}
