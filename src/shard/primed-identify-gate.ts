import type { RESTGetAPIGatewayBotResult } from 'discord-api-types/v10';
import { HttpUnauthorizedError } from '../errors.js';
import { configureFromGatewayBot } from '../manager/identify/default-gate.js';
import type { SessionStartGate } from '../manager/identify/session-start-gate.js';
import type { IdentifyGate } from './identify-gate.js';

/** Asks `GET /gateway/bot`; aborts with the signal. */
export type GatewayBotFetcher = (signal: AbortSignal) => Promise<RESTGetAPIGatewayBotResult>;

/**
 * The default identify gate of a standalone `Shard`: the manager's default gate (a
 * `SessionStartGate`), fed with fresh `GET /gateway/bot` numbers (`max_concurrency`, the daily
 * session-start budget) before the first identify after each start, as a manager does before it starts
 * its shards. Without those numbers a shard in a reconnect storm could overrun the budget, which
 * Discord answers by resetting the token (docs/protocol/gateway.md §5).
 *
 * A 401/403 rejects the wait with `HttpUnauthorizedError` (the shard machine fails the shard as
 * `AuthenticationFailed` without identifying); other REST failures are reported and the shard
 * identifies with what the gate knows. @internal
 */
export class PrimedIdentifyGate implements IdentifyGate {
  /** The gate that decides; exposed for its events and counters. */
  readonly gate: SessionStartGate;
  readonly #fetch: GatewayBotFetcher | null;
  readonly #onError: (error: unknown) => void;
  #primed: Promise<void> | null = null;

  constructor(gate: SessionStartGate, fetch: GatewayBotFetcher | null, onError: (error: unknown) => void) {
    this.gate = gate;
    this.#fetch = fetch;
    this.#onError = onError;
  }

  /** The next identify asks `GET /gateway/bot` first (called on each start). */
  refresh(): void {
    this.#primed = null;
  }

  async waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
    const fetch = this.#fetch;
    if (fetch !== null) {
      const primed = (this.#primed ??= this.#prime(fetch, signal));
      try {
        await primed;
      } catch (error) {
        // An aborted fetch is asked again by the next waiter; a rejected token stays rejected.
        if (!(error instanceof HttpUnauthorizedError) && this.#primed === primed) this.#primed = null;
        throw error;
      }
    }
    return this.gate.waitForIdentify(shardId, signal);
  }

  identifyAnswered(shardId: number): void {
    this.gate.identifyAnswered(shardId);
  }

  async #prime(fetch: GatewayBotFetcher, signal: AbortSignal): Promise<void> {
    try {
      configureFromGatewayBot(this.gate, await fetch(signal));
    } catch (error) {
      if (error instanceof HttpUnauthorizedError || signal.aborted) throw error;
      this.#onError(error);
    }
  }
}
