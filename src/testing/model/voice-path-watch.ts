import type { InspectionEvent } from 'xstate';
import { voiceActorId } from '../../../machines/index.js';
import { VOICE_MODEL_GUILD, voiceTransitionKey } from './voice-model.js';

/**
 * What a voice model run learns from the inspection stream of the shard's actor system, to know when
 * the servers have seen a step's effects (not to judge them: the oracles read only the wire): the
 * transitions the voice actor takes (for coverage), the voice sockets it starts (each dials the voice
 * server) and the op 4 it asks its shard to send.
 */
export class VoiceActorWatch {
  /** Voice sockets the connection started (its socket actors). */
  socketsStarted = 0;
  /** op 4 the connection asked its shard to send (its `gateway.updateVoiceState` emits). */
  op4Asked = 0;

  constructor(
    private readonly onTransition: (key: string) => void,
    private readonly onChange: () => void,
  ) {}

  inspect(event: InspectionEvent): void {
    const actorId = (event.actorRef as { id?: string }).id;
    const voice = actorId === voiceActorId(VOICE_MODEL_GUILD);
    if (event.type === '@xstate.microstep' && voice) {
      for (const transition of event._transitions) this.onTransition(voiceTransitionKey(transition));
    }
    // A voice socket actor starts: its input names the endpoint and guild (the shard's names a URL).
    if (event.type === '@xstate.event' && event.event.type === 'xstate.init' && actorId === 'socket') {
      const input = (event.event as { input?: { endpoint?: unknown; guildId?: unknown } }).input;
      if (input?.endpoint !== undefined && input.guildId === VOICE_MODEL_GUILD) this.socketsStarted += 1;
    }
    if (event.type === '@xstate.action' && voice && event.action.type === 'xstate.emit') {
      const emitted = (event.action.params as { event?: { type?: string } } | undefined)?.event;
      if (emitted?.type === 'gateway.updateVoiceState') this.op4Asked += 1;
    }
    if (event.type === '@xstate.snapshot' || event.type === '@xstate.microstep') this.onChange();
  }
}
