import { createVoiceDelays, voiceDaveMachine, voiceMachine } from '../../machines/index.js';
import { createDaveMlsLogic } from './dave/mls-actor.js';
import type { VoiceConnectionDeps } from './voice-deps.js';
import { createVoiceSocketLogic } from './voice-socket-actor.js';
import { createVoiceUdpLogic } from './voice-udp-actor.js';

/** Where a shard's voice actors find their dependencies, by guild id. @internal */
export class VoiceRegistry {
  readonly #deps = new Map<string, VoiceConnectionDeps>();

  set(guildId: string, deps: VoiceConnectionDeps | null): void {
    if (deps === null) this.#deps.delete(guildId);
    else this.#deps.set(guildId, deps);
  }

  /** The dependencies of a guild's connection, or undefined when it has none (any more). */
  find(guildId: string): VoiceConnectionDeps | undefined {
    return this.#deps.get(guildId);
  }

  get(guildId: string): VoiceConnectionDeps {
    const deps = this.#deps.get(guildId);
    if (deps === undefined) throw new Error(`no voice dependencies for guild ${guildId}`);
    return deps;
  }
}

/** The voice machine wired to real sockets: the `voice` actor of a shard machine. @internal */
export function createVoiceLogic(registry: VoiceRegistry, random: () => number) {
  const depsFor = (guildId: string) => registry.get(guildId);
  return voiceMachine.provide({
    actors: {
      socket: createVoiceSocketLogic(depsFor),
      udp: createVoiceUdpLogic(depsFor),
      dave: voiceDaveMachine.provide({
        actors: { mls: createDaveMlsLogic((guildId) => registry.find(guildId)?.daveSession ?? null) },
      }),
    },
    delays: createVoiceDelays(random),
  });
}
