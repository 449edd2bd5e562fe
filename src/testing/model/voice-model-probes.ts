import { voiceModelTiming } from './voice-model.js';
import { code, continueFrom, isTimer, phaseOf, replayVoiceEvents } from './voice-model-graph.js';
import type {
  ContinuationRules,
  VoiceModelEdge,
  VoiceModelPath,
  VoiceModelPathKind,
  VoiceModelStep,
} from './voice-model-graph.js';

/** A RESUME that failed in a probe's way: refused by `refuse`, in `resuming`. */
const resumeRefusal = (refuse: (edge: VoiceModelEdge) => boolean) => (edge: VoiceModelEdge) =>
  phaseOf(edge.from) === 'resuming' && refuse(edge);

/**
 * Edge coverage cannot see a budget that is never used up; the probes continue from a ready
 * connection (or a fresh join) with what the servers do when things keep going wrong, long enough for
 * the oracles to judge:
 * - `refused-resumes-4015` / `-drop` / `-timeout`: every RESUME is answered with a 4015 close, a TCP
 *   drop, or nothing, until the connection gives the session up (IDENTIFY or a rejoin) or resumes once
 *   more than `maxResumeAttempts` allow;
 * - `refused-connections`: after the voice server crashed, no new socket ever opens (refused, or
 *   given up by the connection), until the connection gives the session up or opens one after more
 *   failed attempts than `maxResumeAttempts` allow;
 * - `resumed-while-playing`: while the user's audio plays, the voice server crashes (4015) and the
 *   session is resumed: the player pauses and goes on, and Speaking must precede the audio again;
 * - `unanswered-joins`: op 4 is never answered, until the connection gives up or asks once more than
 *   `maxRejoinAttempts` allow.
 * `probeErrors` names probes the model cannot build.
 */
export function voiceModelProbes(
  outgoing: ReadonlyMap<string, readonly VoiceModelEdge[]>,
  shortest: ReadonlyMap<string, readonly VoiceModelStep[]>,
): { probes: VoiceModelPath[]; probeErrors: string[] } {
  const probes: VoiceModelPath[] = [];
  const probeErrors: string[] = [];
  const probe = (kind: VoiceModelPathKind, from: string | undefined, rules: ContinuationRules) => {
    const prefix = from === undefined ? undefined : shortest.get(from);
    const rest = from === undefined ? null : continueFrom(outgoing, from, rules);
    if (prefix === undefined || rest === null)
      probeErrors.push(`no ${kind} probe from ${from ?? '(no state)'}`);
    else
      probes.push({
        steps: replayVoiceEvents([...prefix, ...rest].map((step) => step.event)),
        edge: `${kind} from ${from}`,
        kind,
      });
  };

  // From the first ready connection the shortest paths reach: refuse every RESUME, one way per probe.
  const ready = [...shortest.keys()].find((state) => phaseOf(state) === 'ready.silent');
  const maxResumes = voiceModelTiming.maxResumeAttempts;
  const refusals: Array<[VoiceModelPathKind, (edge: VoiceModelEdge) => boolean]> = [
    ['refused-resumes-4015', (edge) => edge.event.type === 'socket.closed' && code(edge) === 4015],
    ['refused-resumes-drop', (edge) => edge.event.type === 'socket.closed' && code(edge) === 1006],
    ['refused-resumes-timeout', (edge) => isTimer(edge, 'handshakeTimeout')],
  ];
  for (const [kind, refuses] of refusals) {
    const refusal = resumeRefusal(refuses);
    probe(kind, ready, {
      allowed: (edge) =>
        refusal(edge) ||
        isTimer(edge, 'reconnectBackoff') ||
        edge.event.type === 'socket.opened' ||
        edge.event.type === 'voice.hello' ||
        // The session is established: the voice server crashes (4015), and the connection resumes.
        (phaseOf(edge.from).startsWith('ready') &&
          edge.event.type === 'socket.closed' &&
          code(edge) === 4015),
      count: (edge, count) => Math.min(count + (refusal(edge) ? 1 : 0), maxResumes + 1),
      goal: (edge, count) =>
        (edge.event.type === 'socket.opened' && phaseOf(edge.to) === 'identifying') ||
        phaseOf(edge.to) === 'signalling' ||
        phaseOf(edge.to) === 'disconnected' ||
        (edge.event.type === 'socket.opened' && phaseOf(edge.to) === 'resuming' && count >= maxResumes),
    });
  }

  // From the first ready connection: the voice server crashes (4015), then no new socket ever opens.
  const failedDial = (edge: VoiceModelEdge) =>
    phaseOf(edge.from) === 'connecting' &&
    ((edge.event.type === 'socket.closed' && code(edge) === 1006) || isTimer(edge, 'handshakeTimeout'));
  probe('refused-connections', ready, {
    allowed: (edge) =>
      failedDial(edge) ||
      isTimer(edge, 'reconnectBackoff') ||
      edge.event.type === 'socket.opened' ||
      (phaseOf(edge.from).startsWith('ready') && edge.event.type === 'socket.closed' && code(edge) === 4015),
    count: (edge, count) => Math.min(count + (failedDial(edge) ? 1 : 0), maxResumes + 1),
    goal: (edge, count) =>
      phaseOf(edge.to) === 'signalling' ||
      phaseOf(edge.to) === 'disconnected' ||
      (edge.event.type === 'socket.opened' && count >= maxResumes),
  });

  // From the first ready connection that plays audio: the voice server crashes, the session resumes.
  const playing = [...shortest.keys()].find((state) => phaseOf(state) === 'ready.speaking');
  probe('resumed-while-playing', playing, {
    allowed: (edge) =>
      isTimer(edge, 'reconnectBackoff') ||
      edge.event.type === 'socket.opened' ||
      edge.event.type === 'voice.hello' ||
      edge.event.type === 'voice.resumed' ||
      // What stands for the player's pause in the graph (the replay puts the real one in).
      (edge.event.type === 'voice.speak' && !phaseOf(edge.from).startsWith('ready')) ||
      (phaseOf(edge.from) === 'ready.speaking' && edge.event.type === 'socket.closed' && code(edge) === 4015),
    goal: (edge) => edge.event.type === 'voice.resumed',
  });

  // From the first op 4: nobody answers it.
  const signalling = [...shortest.keys()].find((state) => phaseOf(state) === 'signalling');
  const maxRejoins = voiceModelTiming.maxRejoinAttempts;
  probe('unanswered-joins', signalling, {
    allowed: (edge) => isTimer(edge, 'signallingTimeout'),
    count: (_edge, count) => Math.min(count + 1, maxRejoins + 1),
    goal: (edge, count) => phaseOf(edge.to) !== 'signalling' || count >= maxRejoins,
  });

  return { probes, probeErrors };
}
