import type { IdentifyGate } from '../../shard/identify-gate.js';
import type { SessionStartGateConfig, SessionStartGateEvents } from './types.js';

/**
 * An {@link IdentifyGate} a `ShardManager` treats as its own: it hands it `max_concurrency` and the
 * daily `session_start_limit` from `GET /gateway/bot` (`configure`), plans its start-up waves by its
 * pacing (`maxConcurrency`, `intervalMs`) and relays its `budgetExhausted` event. The manager's default
 * `SessionStartGate` is one; so is `RedisIdentifyGate` of `statecord/redis`.
 */
export interface ConfigurableIdentifyGate extends IdentifyGate {
  /** `max_concurrency`: the number of buckets (`shard_id % max_concurrency`). */
  readonly maxConcurrency: number;
  /** Time between two identifies of one bucket, as the gate paces them. */
  readonly intervalMs: number;
  /** Takes fresh `GET /gateway/bot` numbers: buckets and/or the daily budget. Never throws for I/O. */
  configure(config: SessionStartGateConfig): void;
  /** Subscribes to the budget hold (the manager re-emits it as its own `budgetExhausted`). */
  on(
    event: 'budgetExhausted',
    listener: (payload: SessionStartGateEvents['budgetExhausted']) => unknown,
  ): () => void;
  /**
   * Optional: subscribes to recoverable faults of the gate (e.g. its shared store unreachable); a
   * manager reports them as its `warning`. Returns a function that unsubscribes.
   */
  onWarning?(listener: (error: Error, context: string) => void): () => void;
}

/** Whether a gate is a {@link ConfigurableIdentifyGate} (has `configure`, `on` and its pacing). */
export function isConfigurableGate(gate: IdentifyGate): gate is ConfigurableIdentifyGate {
  const candidate = gate as Partial<ConfigurableIdentifyGate>;
  // `in`, not a read: the pacing getters are read once, where the manager plans its waves.
  return (
    typeof candidate.configure === 'function' &&
    typeof candidate.on === 'function' &&
    'maxConcurrency' in candidate &&
    'intervalMs' in candidate
  );
}
