import { GatewayDispatchEvents } from 'discord-api-types/v10';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import { GatewayDecodeError } from '../../../src/index.js';
import type { Shard } from '../../../src/index.js';
import type { DispatchLedger, Violations } from './ledger.js';

/** What a watched shard did that is not a violation: recoveries and warnings. */
export class ShardCounters {
  resumed = 0;
  newSessions = 0;
  decodeWarnings = 0;
  /** Warnings by `context [code]`. */
  readonly warnings = new Map<string, number>();
  /**
   * Warning errors by class and code (e.g. `GatewayDecodeError STATECORD_ERR_DECODE`). Only names are
   * kept: a retained error keeps its stack's receivers (sockets) alive, which the memory check would see.
   */
  readonly warningTypes = new Map<string, number>();
}

/**
 * Wires a shard to the ledger: its dispatches (tied to the session it holds as it delivers them),
 * its session announcements and losses; failures and internal errors become violations.
 * Returns a function that unwires it.
 */
export function watchShard(
  shard: Shard,
  ledger: DispatchLedger,
  violations: Violations,
  counters: ShardCounters,
  hooks: { readonly changed?: () => void; readonly sessionLost?: (sessionId: string) => void } = {},
): () => void {
  const changed = hooks.changed ?? (() => undefined);
  const offs = [
    shard.gateway.on('dispatch', (payload: GatewayDispatchPayload) => {
      const sessionId =
        payload.t === GatewayDispatchEvents.Ready ? payload.d.session_id : (shard.session?.sessionId ?? null);
      ledger.clientDispatched(shard.id, sessionId, payload);
    }),
    shard.on('connected', ({ sessionId }) => ledger.announced(shard.id, sessionId)),
    shard.on('reconnected', ({ sessionId, isNewSession }) => {
      if (isNewSession) {
        counters.newSessions += 1;
        ledger.announced(shard.id, sessionId);
      } else counters.resumed += 1;
      changed();
    }),
    shard.on('sessionLost', ({ sessionId, lastSequence }) => {
      ledger.sessionLost(shard.id, sessionId, lastSequence);
      hooks.sessionLost?.(sessionId);
    }),
    shard.on('failure', ({ reason, closeCode }) =>
      violations.add('shard-failed', `shard ${shard.id}: ${reason} (close ${closeCode})`),
    ),
    shard.on('warning', ({ error, context }) => {
      const code = (error as { code?: unknown }).code;
      const key = `${context} [${typeof code === 'string' ? code : error.name}]`;
      counters.warnings.set(key, (counters.warnings.get(key) ?? 0) + 1);
      const type = `${error instanceof GatewayDecodeError ? 'GatewayDecodeError' : error.name} ${String(code)}`;
      counters.warningTypes.set(type, (counters.warningTypes.get(type) ?? 0) + 1);
      if (code === 'STATECORD_ERR_DECODE') counters.decodeWarnings += 1;
      // An undecodable frame must surface as the typed error (GatewayDecodeError, STATECORD_ERR_DECODE).
      if (
        /decod/i.test(context) &&
        !(error instanceof GatewayDecodeError && code === 'STATECORD_ERR_DECODE')
      ) {
        violations.add(
          'untyped-decode-error',
          `shard ${shard.id}: ${error.name} ${String(code)}: ${error.message}`,
        );
      }
      if (/machine stopped with an error|listener/.test(context)) {
        violations.add('shard-error', `shard ${shard.id}: ${context}: ${error.message}`);
      }
      changed();
    }),
    shard.on('stateChange', () => changed()),
  ];
  return () => offs.forEach((off) => off());
}
