import { initialTransition, transition } from 'xstate';
import type { ActorLogic } from 'xstate';
import { voiceMachine } from '../../../machines/index.js';
import type { VoiceInput } from '../../../machines/index.js';
import { abstractVoiceState, voicePhase, voiceModelInput, voiceStateFacts } from './voice-model.js';
import type { VoiceModelEvent, VoiceSnapshot } from './voice-model.js';
import { continueFrom as genericContinueFrom } from './model-continuation.js';
import type { ContinuationRules as GenericContinuationRules } from './model-continuation.js';

/*
 * The pieces the voice model's path builders share: the types of steps, edges and paths, the
 * continuation search over the abstract graph, and the replay that makes a path's states exact.
 */

/** One step of a path: the event, and the abstract state the machine must be in after it. */
export interface VoiceModelStep {
  /** The event taken (a machine event or an xstate-internal one). */
  readonly event: VoiceModelEvent;
  /** The abstract state after it. */
  readonly state: string;
  /**
   * `player`: the audio player sends it by itself, reacting to the step before (media held: it pauses
   * and Speaking goes off; media open again: it goes on); the run only waits for it.
   */
  readonly by?: 'player';
}

/**
 * How a path was made: `edge` runs one edge of the graph (and, where it leaves the connection waiting
 * to reconnect or to rejoin, on to the next connection's first frame); the probes continue from a
 * state with what the servers do when things keep going wrong (see `voice-model-probes.ts`).
 */
export type VoiceModelPathKind =
  | 'edge'
  | 'refused-resumes-4015'
  | 'refused-resumes-drop'
  | 'refused-resumes-timeout'
  | 'refused-connections'
  | 'resumed-while-playing'
  | 'unanswered-joins';

/** A path from the initial state, ending with the edge (or the probe) it was made for. */
export interface VoiceModelPath {
  /** The steps from the initial state; the last ones take the edge (or run the probe). */
  readonly steps: readonly VoiceModelStep[];
  /** `from --event--> to` of the edge, in abstract states (for a probe: `<kind> from <state>`). */
  readonly edge: string;
  /** How the path was made: an edge path or one of the probes. */
  readonly kind: VoiceModelPathKind;
}

/** An edge of the abstract graph. */
export interface VoiceModelEdge {
  /** The event the edge takes. */
  readonly event: VoiceModelEvent;
  /** The abstract state it leaves. */
  readonly from: string;
  /** The abstract state it reaches. */
  readonly to: string;
  /** The edge ends its path (see `changesSession`). */
  readonly final: boolean;
}

// xstate/graph's traversal functions are typed for machines without emitted events (see xstate.md §3).
export const graphLogic = voiceMachine as unknown as ActorLogic<VoiceSnapshot, VoiceModelEvent, VoiceInput>;

/** Whether the edge is the named timer coming due. */
export const isTimer = (edge: VoiceModelEdge, name: string) =>
  edge.event.type.startsWith(`xstate.after.${name}.`);
/** The lifecycle phase of an abstract state (see `voicePhase`). */
export const phaseOf = (state: string) => voiceStateFacts(state).phase;
/** The close code of a `socket.closed` edge. */
export const code = (edge: VoiceModelEdge) => ('code' in edge.event ? edge.event.code : null);

/**
 * A VOICE_STATE_UPDATE with another `session_id` during a session: the connection identifies with the
 * new id and the token it holds, which no voice server issued for that id (it answers 4004, as Discord
 * would before the VOICE_SERVER_UPDATE that follows). The model cannot foresee that answer, so such an
 * edge ends its path and is never part of a prefix.
 */
export function changesSession(snapshot: VoiceSnapshot, event: VoiceModelEvent): boolean {
  return (
    event.type === 'gateway.voiceState' &&
    event.channelId !== null &&
    typeof snapshot.value !== 'string' &&
    event.sessionId !== snapshot.context.sessionId
  );
}

/** Which edges a continuation may take, where it ends, and what it counts on the way. */
export type ContinuationRules = GenericContinuationRules<VoiceModelEdge>;

/** {@link genericContinueFrom} over the voice model's edges. */
export function continueFrom(
  outgoing: ReadonlyMap<string, readonly VoiceModelEdge[]>,
  from: string,
  rules: ContinuationRules,
): VoiceModelStep[] | null {
  return genericContinueFrom(outgoing, from, rules);
}

/**
 * The steps of an event sequence as the machine takes them: each state is computed from the concrete
 * snapshot the events lead to, not from the representative the abstract graph keeps for it (an abstract
 * state leaves facts out, and a fact left out in one state may matter later). The audio player is part
 * of the environment and is simulated alongside: when a step holds media (leaves `ready`) while it
 * sounds, it pauses, which sends Speaking off; when a step opens media again, it goes on, which sends
 * Speaking on (src/voice/voice-media.ts); those events are inserted as `player` steps, and the graph's
 * own stand-ins for the pause are dropped. A sequence is cut after a VOICE_STATE_UPDATE that changes the
 * session (see `changesSession`).
 */
export function replayVoiceEvents(events: readonly VoiceModelEvent[]): VoiceModelStep[] {
  let [snapshot] = initialTransition(voiceMachine, voiceModelInput);
  const steps: VoiceModelStep[] = [];
  let player: 'idle' | 'sounding' | 'paused' = 'idle';
  const ready = () => voicePhase(snapshot.value).startsWith('ready');
  const apply = (event: VoiceModelEvent, by?: 'player') => {
    [snapshot] = transition(graphLogic, snapshot, event);
    steps.push({ event, state: abstractVoiceState(snapshot), ...(by === undefined ? {} : { by }) });
  };
  for (const event of events) {
    const wasReady = ready();
    if (event.type === 'voice.speak' && !wasReady) continue;
    // The graph's representative of a state may differ from where these events lead in a fact it
    // leaves out: where the machine would ignore the next event, the sequence has left the graph.
    if (!snapshot.can(event as never)) break;
    const changed = changesSession(snapshot, event);
    apply(event);
    if (event.type === 'voice.speak') player = event.speaking ? 'sounding' : 'idle';
    if (snapshot.status !== 'active') break;
    if (wasReady && !ready() && player === 'sounding') {
      apply({ type: 'voice.speak', speaking: false }, 'player');
      player = 'paused';
    } else if (!wasReady && ready() && player === 'paused') {
      apply({ type: 'voice.speak', speaking: true }, 'player');
      player = 'sounding';
    }
    if (changed) break;
  }
  return steps;
}
