import type { ReshardStage } from '../../../machines/index.js';
import { StatecordError } from '../../errors.js';

/**
 * Codes of the resharding errors (part of `StatecordErrorCode`).
 *
 * | code | class | when |
 * | --- | --- | --- |
 * | `STATECORD_ERR_RESHARD_BUDGET` | {@link ReshardBudgetError} | `reshard()` was refused: the remaining session starts of `GET /gateway/bot` cannot cover one IDENTIFY per new shard |
 * | `STATECORD_ERR_RESHARD_STATE` | {@link ReshardStateError} | `reshard()` was refused: the manager is not running, already resharding, or the arguments name no new set |
 * | `STATECORD_ERR_RESHARD_FAILED` | {@link ReshardFailedError} | a reshard failed after it started: a new shard failed or timed out, or the handover failed (`stage`, `cause`) |
 */
export type ReshardErrorCode =
  'STATECORD_ERR_RESHARD_BUDGET' | 'STATECORD_ERR_RESHARD_STATE' | 'STATECORD_ERR_RESHARD_FAILED';

/**
 * A reshard was refused before any new shard identified: the daily session-start budget left
 * (`session_start_limit.remaining` of `GET /gateway/bot`) is smaller than the new set's identifies.
 * Going over would reset the token (docs/protocol/gateway.md §5). Retry after `resetAfterMs`.
 */
export class ReshardBudgetError extends StatecordError {
  /** Identifies the new set needs (one per new shard this process runs). */
  readonly needed: number;
  /** Session starts left in the current window. */
  readonly remaining: number;
  /** Milliseconds until the budget refills (`reset_after`). */
  readonly resetAfterMs: number;

  constructor(needed: number, remaining: number, resetAfterMs: number) {
    super(
      'STATECORD_ERR_RESHARD_BUDGET',
      `resharding needs ${needed} identifies but only ${remaining} session starts are left; ` +
        `the budget refills in ${Math.ceil(resetAfterMs / 1000)} s`,
    );
    this.needed = needed;
    this.remaining = remaining;
    this.resetAfterMs = resetAfterMs;
  }
}

/**
 * `reshard()` cannot run now: the manager's shards are not running, a reshard is already under way, the
 * new count is the current one, or a manager that runs a slice of the shards was not told which new
 * shard ids it runs (`reshard(count, { shardIds })`).
 */
export class ReshardStateError extends StatecordError {
  constructor(detail: string) {
    super('STATECORD_ERR_RESHARD_STATE', `cannot reshard: ${detail}`);
  }
}

/**
 * A reshard failed after it started. Before the handover (`stage: 'start'`: a new shard failed, or its
 * READY did not come in time) the new set is stopped and the old set runs on untouched. In the handover
 * (`stage: 'handover'`) the old set is already stopped: the manager runs the new set as far as it got.
 * `cause` is the error behind it.
 */
export class ReshardFailedError extends StatecordError {
  /** Where it failed. */
  readonly stage: ReshardStage;

  constructor(stage: ReshardStage, cause: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super('STATECORD_ERR_RESHARD_FAILED', `resharding failed in its ${stage} stage${detail}`, { cause });
    this.stage = stage;
  }
}
