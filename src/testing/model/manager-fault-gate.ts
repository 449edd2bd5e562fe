import { SessionStartGate } from '../../manager/identify/index.js';
import type { SessionStartGateOptions } from '../../manager/identify/index.js';

/**
 * The manager's default identify gate (a {@link SessionStartGate}, so the manager knows its pacing and
 * feeds it `GET /gateway/bot`) with two faults a test can inject, for manager transitions no gateway
 * or REST answer can produce:
 * - {@link failNextPacingRead}: the next read of `intervalMs` throws. The manager reads the gate's
 *   pacing at the end of `prepareStart`, which then rejects with an error that is not a rejected token.
 */
export class FaultInjectingGate extends SessionStartGate {
  #pacingFault: Error | null = null;

  constructor(options: SessionStartGateOptions) {
    super(options);
  }

  /** The next read of `intervalMs` throws `error`. */
  failNextPacingRead(error: Error): void {
    this.#pacingFault = error;
  }

  override get intervalMs(): number {
    const fault = this.#pacingFault;
    this.#pacingFault = null;
    if (fault !== null) throw fault;
    return super.intervalMs;
  }
}
