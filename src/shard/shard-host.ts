import { createActor } from 'xstate';
import type { ActorRefFromLogic } from 'xstate';
import { createShardDelays, shardMachine } from '../../machines/index.js';
import type { ShardInput } from '../../machines/index.js';
import { createSocketLogic } from '../gateway/socket-actor.js';
import type { ConnectionDeps } from '../gateway/socket-actor.js';
import { createVoiceLogic, VoiceRegistry } from '../voice/voice-logic.js';
import type { IdentifyGate } from './identify-gate.js';
import type { ShardOptions } from './shard-options.js';

/** A running shard machine: a root actor, or a child spawned in a manager's actor system. */
export type ShardActorRef = ActorRefFromLogic<typeof shardMachine>;

/**
 * Where a shard's actor lives. A standalone `Shard` creates its own root actor; a `ShardManager`
 * spawns every shard in its one actor system (one inspection stream for all of them). @internal
 */
export interface ShardHost {
  attach(shard: {
    readonly shardId: number;
    readonly deps: ConnectionDeps;
    readonly input: ShardInput;
  }): ShardActorRef;
  /** Tells the shard's identify gate that the gateway answered its IDENTIFY (see {@link IdentifyGate}). */
  identifyAnswered(shardId: number): void;
  /** The identify gate the shard's connections wait at (`ConnectionDeps.identifyGate`). */
  readonly identifyGate: Pick<IdentifyGate, 'waitForIdentify'>;
  /** Where the shard's voice actors find their sockets' dependencies, by guild id. */
  readonly voice: VoiceRegistry;
}

/** A root actor of its own, wired with `provide()`: the default for `new Shard(...)`. @internal */
export function standaloneHost(options: ShardOptions, gate: IdentifyGate): ShardHost {
  const voice = new VoiceRegistry();
  const random = options.random ?? Math.random;
  return {
    voice,
    identifyGate: gate,
    identifyAnswered: (shardId) => gate.identifyAnswered?.(shardId),
    attach: ({ deps, input }) => {
      const logic = shardMachine.provide({
        actors: {
          socket: createSocketLogic(() => deps),
          voice: createVoiceLogic(voice, random),
        },
        delays: createShardDelays(random),
      });
      const actor = createActor(logic, {
        input,
        ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      });
      actor.start();
      return actor;
    },
  };
}
