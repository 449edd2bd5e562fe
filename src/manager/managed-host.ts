import type { Actor } from 'xstate';
import { shardActorId } from '../../machines/index.js';
import type { managerMachine } from '../../machines/index.js';
import type { ConnectionDeps } from '../gateway/socket-actor.js';
import type { IdentifyGate } from '../shard/identify-gate.js';
import type { ShardActorRef, ShardHost } from '../shard/shard-host.js';
import { VoiceRegistry } from '../voice/voice-logic.js';

/**
 * Hosts a manager's shards in its actor system: the manager machine spawns each shard's actor; this
 * hands the `Shard` its child actor and records the shard's connection dependencies, which the one
 * socket logic of the manager looks up by shard id. @internal
 */
export class ManagedShardHost implements ShardHost {
  readonly #deps = new Map<number, ConnectionDeps>();
  /** Set once the manager actor exists (its logic needs this host first). */
  manager: Actor<typeof managerMachine> | null = null;
  /** The manager's identify gate, told when a shard's IDENTIFY was answered. */
  gate: IdentifyGate | null = null;
  /** Every shard's voice connections (guild ids are unique across shards). */
  readonly voice = new VoiceRegistry();

  /** Where connections wait, when not at `gate` itself (the manager's gate behind its start hold). */
  waitAt: Pick<IdentifyGate, 'waitForIdentify'> | null = null;

  /** The gate the shards' connections wait at: the manager's, whatever it is set to later. */
  readonly identifyGate: Pick<IdentifyGate, 'waitForIdentify'> = {
    waitForIdentify: (shardId, signal) => {
      const gate = this.waitAt ?? this.gate;
      if (gate === null) throw new Error('the manager has no identify gate yet');
      return gate.waitForIdentify(shardId, signal);
    },
  };

  identifyAnswered(shardId: number): void {
    this.gate?.identifyAnswered?.(shardId);
  }

  attach(shard: { readonly shardId: number; readonly deps: ConnectionDeps }): ShardActorRef {
    const ref = this.manager?.system.get(shardActorId(shard.shardId)) as ShardActorRef | undefined;
    if (ref === undefined) throw new Error(`the manager has no actor for shard ${shard.shardId}`);
    this.#deps.set(shard.shardId, shard.deps);
    return ref;
  }

  depsFor(shardId: number): ConnectionDeps {
    const deps = this.#deps.get(shardId);
    if (deps === undefined) throw new Error(`no connection dependencies for shard ${shardId}`);
    return deps;
  }

  forget(shardId: number): void {
    this.#deps.delete(shardId);
  }
}
