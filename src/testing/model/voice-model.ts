import { __unsafe_getAllOwnEventDescriptors } from 'xstate';
import type { AnyStateNode, SnapshotFrom } from 'xstate';
import type { voiceMachine } from '../../../machines/index.js';
import type { VoiceContext, VoiceEvent, VoiceInput, VoiceTimingConfig } from '../../../machines/index.js';
import { transitionKey } from './transitions.js';

/** A snapshot of the voice machine. */
export type VoiceSnapshot = SnapshotFrom<typeof voiceMachine>;

/** An event of the voice model: a machine event, or one of xstate's own (`xstate.after.*`). */
export type VoiceModelEvent =
  | VoiceEvent
  | {
      /** xstate's own event type, e.g. `xstate.after.…` for a delay. */
      type: `xstate.${string}`;
    };

/** The guild of the model's connection: on shard 0 of 1. */
export const VOICE_MODEL_GUILD = '81384788765712384';
/** The channel the model joins (a stage channel on the fake servers, so no DAVE is required). */
export const VOICE_MODEL_CHANNEL = '81384788765712390';
/** The channel `voice.move` moves to. */
export const VOICE_MODEL_OTHER_CHANNEL = '81384788765712391';
/** The voice `session_id` Discord hands out, and the one a "changed session" switches to. */
export const VOICE_MODEL_SESSIONS = ['model-voice-session-a', 'model-voice-session-b'] as const;
/** `heartbeat_interval` of the voice server's HELLO in model runs. */
export const VOICE_MODEL_HEARTBEAT_MS = 13_750;

/**
 * The connection's timing in the model: small retry budgets, so every "exhausted" branch is reachable
 * in a few steps, and distinct delays, so the runner can tell pending timers apart.
 */
export const voiceModelTiming: VoiceTimingConfig = {
  signallingTimeoutMs: 15_000,
  handshakeTimeoutMs: 10_000,
  backoffBaseMs: 500,
  backoffMaxMs: 10_000,
  maxConnectAttempts: 2,
  maxResumeAttempts: 2,
  maxRejoinAttempts: 2,
};

/** Input of the model's machine (what `shard.voice.open` gives the voice actor). */
export const voiceModelInput: VoiceInput = {
  guildId: VOICE_MODEL_GUILD,
  channelId: VOICE_MODEL_CHANNEL,
  selfMute: false,
  selfDeaf: false,
  config: voiceModelTiming,
};

/**
 * Events the model never offers, and why. Their transitions show up as missing in the coverage (they
 * are not excluded from it).
 */
export const voiceModelUnproducibleEvents: Readonly<Record<string, string>> = {};

/** The lifecycle region's state name inside a connection, or the top state's name. */
export function voicePhase(value: VoiceSnapshot['value']): string {
  if (typeof value === 'string') return value;
  const session = (value as { session?: unknown }).session;
  if (typeof session === 'string') return session;
  const connection = (session as { connection?: { lifecycle?: unknown } } | undefined)?.connection;
  const lifecycle = connection?.lifecycle;
  if (typeof lifecycle === 'string') return lifecycle;
  const ready = (lifecycle as { ready?: unknown } | undefined)?.ready;
  return typeof ready === 'string' ? `ready.${ready}` : 'unknown';
}

/** The heartbeat region's state inside a connection; null outside one. */
function heartbeatPhase(value: VoiceSnapshot['value']): string | null {
  if (typeof value === 'string') return null;
  const session = (value as { session?: unknown }).session;
  const heartbeat = (session as { connection?: { heartbeat?: unknown } } | undefined)?.connection?.heartbeat;
  return typeof heartbeat === 'string' ? heartbeat : null;
}

/** The disconnection as the `droppedWithShardSession` rule sees it (docs/protocol/voice.md §2.5). */
function disconnectionKind(context: VoiceContext): 'shardDown' | 'shardSession' | 'other' | null {
  const disconnection = context.disconnection;
  if (disconnection === null) return null;
  // The shard went away (in a run: it was stopped) and is not back yet: nothing reaches the connection
  // through the gateway until it is.
  if (disconnection.reason === 'ShardSessionLost') return 'shardDown';
  const dropped = disconnection.reason === 'CloseCode' && disconnection.closeCode === 4014;
  return dropped ? 'shardSession' : 'other';
}

/**
 * The state as the model sees it: the state value plus the context facts a guard reads, where they
 * matter; facts that cannot matter in a state are left out (the connect budget once the session
 * is established, the resume budget before, the ACK outside `beating`, the signals inside a session, the
 * disconnection outside `disconnected`), and so are the counter that only grows (reconnect attempts),
 * the concrete session id, endpoint and channel, and the mute flags: otherwise the graph would be
 * infinite or needlessly big. Budgets are capped at their maximum (the guards compare with it).
 */
export function abstractVoiceState(snapshot: VoiceSnapshot): string {
  const context: VoiceContext = snapshot.context;
  const config = context.config;
  const phase = voicePhase(snapshot.value);
  const inSession = typeof snapshot.value !== 'string';
  const beating = heartbeatPhase(snapshot.value) === 'beating';
  const fresh = inSession && !context.identified;
  return JSON.stringify({
    value: snapshot.value,
    status: snapshot.status,
    // signalling: `signalled` reads all three; disconnected: `endpointWithSession` reads two.
    signals:
      phase === 'signalling'
        ? `${context.sessionId === null ? '-' : 'S'}${context.endpoint === null ? '-' : 'E'}${context.joinedChannelId === null ? '-' : 'C'}`
        : phase === 'disconnected'
          ? context.sessionId !== null && context.joinedChannelId !== null
          : null,
    identified: inSession ? context.identified : null,
    connects: fresh ? Math.min(context.connectAttempts, config.maxConnectAttempts) : null,
    resumes:
      inSession && context.identified ? Math.min(context.resumeAttempts, config.maxResumeAttempts) : null,
    // Reset when a session is established: it matters until then.
    rejoins:
      fresh || phase === 'signalling' ? Math.min(context.rejoinAttempts, config.maxRejoinAttempts) : null,
    acked: beating ? context.heartbeatAcked : null,
    disconnection: phase === 'disconnected' ? disconnectionKind(context) : null,
  });
}

/** What a path step's abstract state says about the connection (see {@link abstractVoiceState}). */
export interface VoiceStateFacts {
  readonly phase: string;
  readonly heartbeat: string | null;
  readonly identified: boolean;
  /** `ready.speaking`: the connection said Speaking on. */
  readonly speaking: boolean;
  readonly value: unknown;
}

/** Reads the facts the path builders and the runner look at back from an abstract state. */
export function voiceStateFacts(state: string): VoiceStateFacts {
  const parsed = JSON.parse(state) as {
    value: VoiceSnapshot['value'];
    identified: boolean;
  };
  return {
    phase: voicePhase(parsed.value),
    heartbeat: heartbeatPhase(parsed.value),
    identified: parsed.identified,
    speaking: voicePhase(parsed.value) === 'ready.speaking',
    value: parsed.value,
  };
}

/**
 * Events that do not leave the state they are handled in (a stored voice state, op 4 for mute or a
 * move, the player's wish) or that leave every state of a session the same way (a new voice server, a
 * removal, the shard's news, `leave()`). They are offered in the "anchor" states only (a fresh
 * `signalling` and a ready connection whose heartbeats are answered; `disconnected` has its own), so
 * that each is taken without one path per state of a session; the end of every path (`leave()`) still
 * runs from every state.
 */
function isAnchor(snapshot: VoiceSnapshot): boolean {
  const phase = voicePhase(snapshot.value);
  const context = snapshot.context;
  if (phase === 'signalling') {
    return context.sessionId === null && context.endpoint === null && context.rejoinAttempts <= 1;
  }
  return phase.startsWith('ready') && context.heartbeatAcked;
}

/** The `session_id` that differs from `current`. */
function otherSession(current: string | null): string {
  return current === VOICE_MODEL_SESSIONS[0] ? VOICE_MODEL_SESSIONS[1] : VOICE_MODEL_SESSIONS[0];
}

/**
 * Payload variants of one event type in one state: one per guard branch it can take there, restricted
 * to what the servers, the user and the audio player do (the environment of the model):
 * - the voice server sends HELLO first on a new socket (docs/protocol/voice.md §2.3): while it is due,
 *   nothing else happens; heartbeats are let come due, and answered, on a ready connection;
 * - the user starts and stops the audio on a ready connection; the player pauses by itself when media
 *   is held (Speaking off) and goes on when it opens again (Speaking on), see `replayVoiceEvents`;
 * - before the socket opened no close frame can arrive, only a failed connection (1006).
 */
function variants(type: string, snapshot: VoiceSnapshot): readonly VoiceModelEvent[] {
  const context = snapshot.context;
  const phase = voicePhase(snapshot.value);
  const anchor = isAnchor(snapshot);
  const inSession = typeof snapshot.value !== 'string';
  const ready = phase.startsWith('ready');
  const channelId = context.joinedChannelId ?? context.channelId;
  // A stopped shard receives no dispatch, and the user waits for it before rejoining; it comes back
  // as 'shard.sessionReplaced' (the shard resumed or identified anew).
  const shardDown = phase === 'disconnected' && disconnectionKind(context) === 'shardDown';
  if (
    shardDown &&
    (type === 'gateway.voiceState' || type === 'gateway.voiceServer' || type === 'voice.rejoin')
  )
    return [];
  switch (type) {
    case 'gateway.voiceState': {
      const sessionId = context.sessionId ?? VOICE_MODEL_SESSIONS[0];
      const removed = { type, sessionId, channelId: null } as const;
      const same = { type, sessionId, channelId } as const;
      if (!inSession) return [same, removed];
      const changed = { type, sessionId: otherSession(context.sessionId), channelId } as const;
      return anchor ? [removed, changed, same] : [];
    }
    case 'gateway.voiceServer':
      return !inSession || anchor
        ? [
            { type, endpoint: null },
            { type, endpoint: 'model.voice.invalid:443' },
          ]
        : [];
    case 'voice.move':
      return anchor ? [{ type, channelId: VOICE_MODEL_OTHER_CHANNEL }] : [];
    case 'voice.setSelf':
      return anchor || phase === 'disconnected' ? [{ type, selfMute: true, selfDeaf: false }] : [];
    case 'voice.leave':
      return anchor || phase === 'disconnected' ? [{ type }] : [];
    case 'voice.speak':
      // The user starts or stops the audio on a ready connection (docs/protocol/voice.md §3.5); what
      // the player does on its own when media is held or opened is added by the path builder.
      return ready && anchor ? [{ type, speaking: phase === 'ready.silent' }] : [];
    case 'shard.sessionReplaced':
    case 'shard.unavailable':
      return anchor || phase === 'disconnected' ? [{ type }] : [];
    case 'socket.closed':
      if (phase === 'connecting') return [{ type, code: 1006, initiator: 'transport' }];
      return [
        { type, code: 1006, initiator: 'transport' },
        { type, code: 4015, initiator: 'server' },
        { type, code: 4006, initiator: 'server' },
        { type, code: 4014, initiator: 'server' },
        // Fatal for another reason than the gateway session: the same branch, another disconnection.
        ...(ready ? [{ type, code: 4017, initiator: 'server' } as const] : []),
      ];
    case 'voice.hello':
      // HELLO comes on an open socket only.
      return phase === 'connecting' ? [] : [{ type, heartbeatIntervalMs: VOICE_MODEL_HEARTBEAT_MS }];
    case 'voice.ready':
      return [
        { type, ssrc: 1, modeSupported: true },
        { type, ssrc: 1, modeSupported: false },
      ];
    case 'udp.discovered':
      return [{ type, address: '127.0.0.1', port: 50_000 }];
    case 'voice.sessionDescription':
      return [{ type, daveProtocolVersion: 0 }];
    case 'voice.heartbeatAck':
      return ready && !context.heartbeatAcked ? [{ type }] : [];
    case 'dave.*':
      // The model's calls are stage calls joined without DAVE: op 21 (transition 0 to version 0) reaches
      // the dave region, which stays off (its own transitions are covered by voice-dave.model.test.ts).
      return ready ? [{ type: 'dave.prepareTransition', transitionId: 0, version: 0 }] : [];
    default:
      if (type.startsWith('xstate.after.heartbeatInterval.'))
        return ready ? [{ type } as VoiceModelEvent] : [];
      return [{ type } as VoiceModelEvent];
  }
}

/** The events to try in a state: every event the active states handle, with payload variants. */
export function voiceModelEvents(snapshot: VoiceSnapshot): VoiceModelEvent[] {
  const types = __unsafe_getAllOwnEventDescriptors(snapshot) as string[];
  const phase = voicePhase(snapshot.value);
  // A new socket: the voice server's HELLO comes first (docs/protocol/voice.md §2.3).
  if (heartbeatPhase(snapshot.value) === 'awaitingHello' && phase !== 'connecting') {
    return [{ type: 'voice.hello', heartbeatIntervalMs: VOICE_MODEL_HEARTBEAT_MS }];
  }
  return (
    types
      // `dave.*` (the forwarding to the dave region) is the one wildcard the model produces.
      .filter(
        (type) =>
          (type === 'dave.*' || !type.includes('*')) && voiceModelUnproducibleEvents[type] === undefined,
      )
      .flatMap((type) => variants(type, snapshot))
  );
}

/**
 * The key of a transition as `listTransitionKeys` names it. `transitionKey` (transitions.ts) keys an
 * `always` transition by its empty event type; this keys it `--[always][i]`, as the list does.
 */
export function voiceTransitionKey(transition: {
  readonly source: AnyStateNode;
  readonly eventType: string;
}): string {
  const always = transition.source.always ?? [];
  const index = always.findIndex((candidate) => candidate === transition);
  if (index >= 0) return `${transition.source.id} --[always][${index}]`;
  return transitionKey(transition);
}
