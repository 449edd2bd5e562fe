import { randomBytes } from 'node:crypto';
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import type { APIVoiceState, GatewayVoiceServerUpdateDispatchData } from 'discord-api-types/v10';
import { createShardDelays, createVoiceDelays } from '../../../machines/index.js';
import type { VoiceDelays } from '../../../machines/index.js';
import type { Shard } from '../../shard/shard.js';
import type { VoiceConnection } from '../../voice/voice-connection.js';
import type { FakeGateway } from '../fake-gateway/index.js';
import type { FakeVoiceConnection, FakeVoiceServer, VoiceGrant } from '../fake-voice/index.js';
import type { ManualIdentifyGate } from './manual-identify-gate.js';
import type { ShardPathClock } from './shard-path-clock.js';
import {
  VOICE_MODEL_CHANNEL,
  VOICE_MODEL_GUILD,
  VOICE_MODEL_OTHER_CHANNEL,
  VOICE_MODEL_SESSIONS,
  voiceModelTiming,
  voicePhase,
} from './voice-model.js';
import type { VoiceModelEvent } from './voice-model.js';
import type { VoicePathTrace } from './voice-path-trace.js';
import type { VoicePlayer } from './voice-path-player.js';

/** The value `random` returns in model runs, so every delay is known in advance. */
export const VOICE_MODEL_RANDOM = 0.5;

/** A mode no client implements (discontinued 2024-11-18, docs/protocol/voice.md §3.3): Ready's "no usable mode". */
const UNUSABLE_MODE = 'xsalsa20_poly1305';

/** What producing a voice model event needs from the path run. */
export interface VoiceEventStage {
  readonly shard: Shard;
  readonly gateway: FakeGateway;
  readonly voice: FakeVoiceServer;
  readonly gate: ManualIdentifyGate;
  readonly clock: ShardPathClock;
  readonly trace: VoicePathTrace;
  readonly player: VoicePlayer;
  /** The connection under test (null before `voice.join`). */
  connection(): VoiceConnection | null;
  opened(connection: VoiceConnection): void;
  /** The server side of the client's current voice socket (waits for it). */
  socket(): Promise<FakeVoiceConnection>;
  /** Waits until `condition` holds (rejects after the step timeout, naming `what`). */
  until(condition: () => boolean, what: string): Promise<void>;
  /** Throws if an oracle objects to what was observable so far. */
  checkProtocol(): void;
  /** Keeps a promise for the end of the run (a leave, a shard restart). */
  keep(promise: Promise<unknown>): void;
}

/**
 * Produces one voice model event the way production would see it: a dispatch of the main gateway, a
 * user call, the shard's own news (a new gateway session, a stop), the voice server letting an answer
 * out, closing or dropping a socket, or a timer coming due. What the run makes the gateway dispatch and
 * what the user calls is noted in the trace; the servers' own events record the rest.
 */
export async function produceVoiceModelEvent(event: VoiceModelEvent, stage: VoiceEventStage): Promise<void> {
  const { trace } = stage;
  const connection = () => {
    const current = stage.connection();
    if (current === null) throw new Error(`the model sends ${event.type} before the connection exists`);
    return current;
  };
  switch (event.type) {
    case 'voice.join':
      trace.user('join');
      stage.opened(
        // A stage call without DAVE: the DAVE region is modelled on its own (voice-dave.model.test.ts).
        stage.shard.voice.open(VOICE_MODEL_GUILD, VOICE_MODEL_CHANNEL, {
          timing: voiceModelTiming,
          daveEncryption: false,
        }),
      );
      return;
    case 'voice.leave':
      trace.user('leave');
      stage.keep(connection().leave());
      if (stage.shard.state === 'stopped') {
        // Left while the shard was stopped: its op 4 goes out once the shard is back.
        trace.user('startShard');
        stage.keep(stage.shard.start());
      }
      return;
    case 'voice.rejoin':
      trace.user('rejoin');
      stage.keep(
        connection()
          .rejoin()
          .catch(() => undefined),
      );
      return;
    case 'voice.move':
      trace.user('move');
      connection().move(VOICE_MODEL_OTHER_CHANNEL);
      return;
    case 'voice.setSelf':
      trace.user('setSelf');
      connection().setSelf({ selfMute: event.selfMute, selfDeaf: event.selfDeaf });
      return;
    case 'voice.speak':
      if (event.speaking) {
        trace.user('play');
        stage.player.play(connection());
      } else {
        trace.user('endPlay');
        stage.player.stop();
      }
      return;
    case 'gateway.voiceState':
      await dispatchVoiceState(stage, event.sessionId, event.channelId);
      return;
    case 'gateway.voiceServer':
      await dispatchVoiceServer(stage, connection(), event.endpoint !== null);
      return;
    case 'shard.sessionReplaced':
      if (stage.shard.state === 'stopped') {
        // Back after a stop: the shard resumes its gateway session, and its voice connections rejoin.
        trace.user('startShard');
        stage.keep(stage.shard.start());
        await stage.until(() => stage.shard.state === 'ready', 'the shard to resume its gateway session');
        return;
      }
      await replaceShardSession(stage);
      return;
    case 'shard.unavailable':
      // A stop keeps the gateway session (resumable): the shard comes back by 'shard.sessionReplaced'.
      trace.user('stopShard');
      await stage.shard.stop({ resumable: true });
      return;
    case 'socket.opened':
      await untilOneUpgradeWaits(stage);
      if (!stage.voice.releaseUpgrade()) throw new Error('no held upgrade to release');
      return;
    case 'socket.closed': {
      const code = 'code' in event ? event.code : 1006;
      if (voicePhase(connection().snapshot.value) === 'connecting') {
        // The socket is still connecting: only a failed connection can happen.
        await untilOneUpgradeWaits(stage);
        trace.note({ kind: 'upgrade', url: '(refused by the run)', refused: true });
        if (!stage.voice.refuseUpgrade()) throw new Error('no held upgrade to refuse');
        return;
      }
      const socket = await stage.socket();
      trace.inject(socket.id, code);
      if (code === 1006) socket.terminate();
      else socket.close(code);
      return;
    }
    case 'voice.hello':
      (await stage.socket()).sendHello();
      return;
    case 'voice.ready': {
      const socket = await stage.socket();
      await stage.until(() => socket.held === 'ready', 'the IDENTIFY whose Ready the server holds');
      socket.releaseReady(event.modeSupported ? {} : { modes: [UNUSABLE_MODE] });
      return;
    }
    case 'udp.discovered': {
      const socket = await stage.socket();
      await stage.until(() => socket.session?.discoveryHeld === true, 'the IP discovery request');
      socket.session!.releaseDiscovery();
      return;
    }
    case 'voice.sessionDescription': {
      const socket = await stage.socket();
      await stage.until(
        () => socket.held === 'sessionDescription',
        'the Select Protocol whose answer is held',
      );
      socket.releaseSessionDescription();
      return;
    }
    case 'voice.resumed': {
      const socket = await stage.socket();
      await stage.until(() => socket.held === 'resumed', 'the RESUME whose Resumed is held');
      socket.releaseResumed();
      return;
    }
    case 'voice.heartbeatAck': {
      const socket = await stage.socket();
      const last = stage.voice.heartbeats.filter((beat) => beat.connectionId === socket.id).at(-1);
      socket.sendPayload({ op: 6, d: { t: last?.t ?? 0 } });
      return;
    }
    case 'dave.prepareTransition': {
      const socket = await stage.socket();
      socket.sendPayload({ op: 21, d: { transition_id: 0, protocol_version: 0 }, sequenced: true });
      return;
    }
    default:
      fireVoiceTimer(event.type, stage);
  }
}

/** Waits until exactly one upgrade is held: the client's current dial (an abandoned one has left). */
function untilOneUpgradeWaits(stage: VoiceEventStage): Promise<void> {
  return stage.until(
    () => stage.voice.heldUpgrades === 1,
    'exactly one held upgrade (the socket being opened)',
  );
}

/** The bot's VOICE_STATE_UPDATE, as the main gateway sends it (docs/protocol/voice.md §1.2). */
async function dispatchVoiceState(
  stage: VoiceEventStage,
  sessionId: string,
  channelId: string | null,
): Promise<void> {
  const data: APIVoiceState = {
    guild_id: VOICE_MODEL_GUILD,
    channel_id: channelId,
    user_id: botUserId(stage),
    session_id: sessionId,
    deaf: false,
    mute: false,
    self_deaf: false,
    self_mute: false,
    self_video: false,
    suppress: false,
    request_to_speak_timestamp: null,
  };
  let seen = false;
  const off = stage.shard.gateway.on(GatewayDispatchEvents.VoiceStateUpdate, (got) => {
    if (got.session_id === sessionId && got.channel_id === channelId) seen = true;
  });
  try {
    stage.trace.note({ kind: 'voiceState', sessionId, channelId });
    delivered(stage.gateway.dispatch(GatewayDispatchEvents.VoiceStateUpdate, data), 'VOICE_STATE_UPDATE');
    // The connection may stay in its state: wait until the shard handed the dispatch over.
    await stage.until(() => seen, 'the shard to receive VOICE_STATE_UPDATE');
  } finally {
    off();
  }
}

/**
 * A VOICE_SERVER_UPDATE: with an endpoint, a fresh grant of the voice server for the session id and
 * channel the client holds (the model's first session id while it holds none yet: the
 * VOICE_STATE_UPDATE that follows brings it), as the gateway registers it before dispatching; a null
 * endpoint withdraws the current grant (docs/protocol/voice.md §1.2).
 */
async function dispatchVoiceServer(
  stage: VoiceEventStage,
  connection: VoiceConnection,
  withEndpoint: boolean,
): Promise<void> {
  const { voice } = stage;
  const context = connection.snapshot.context;
  let token = randomBytes(8).toString('hex');
  let endpoint: string | null = null;
  if (withEndpoint) {
    const grant: VoiceGrant = voice.authorize({
      guildId: VOICE_MODEL_GUILD,
      channelId: context.joinedChannelId ?? context.channelId,
      userId: botUserId(stage),
      sessionId: context.sessionId ?? VOICE_MODEL_SESSIONS[0],
      channelKind: 'stage',
    });
    token = grant.token;
    endpoint = grant.endpoint;
  } else {
    for (const grant of voice.grants) voice.revoke(grant, null);
  }
  let seen = false;
  const off = stage.shard.gateway.on(GatewayDispatchEvents.VoiceServerUpdate, (got) => {
    if (got.token === token) seen = true;
  });
  try {
    const data: GatewayVoiceServerUpdateDispatchData = { token, guild_id: VOICE_MODEL_GUILD, endpoint };
    stage.trace.note({ kind: 'voiceServer', token, endpoint });
    delivered(stage.gateway.dispatch(GatewayDispatchEvents.VoiceServerUpdate, data), 'VOICE_SERVER_UPDATE');
    await stage.until(() => seen, 'the shard to receive VOICE_SERVER_UPDATE');
  } finally {
    off();
  }
}

function delivered(records: readonly { delivered: boolean }[], what: string): void {
  if (!records.some((record) => record.delivered))
    throw new Error(`the gateway could not deliver ${what} to the shard`);
}

function botUserId(stage: VoiceEventStage): string {
  const id = stage.shard.userId;
  if (id === null) throw new Error('the shard has no user id (no READY yet)');
  return id;
}

/**
 * The shard's gateway session ends (op 9 d:false, the session expired) and the shard identifies a new
 * one, which tells its voice connections (docs/protocol/voice.md §1.2): the shard's wait before
 * identifying is a timer of the path's clock, and the identify gate is the run's.
 */
async function replaceShardSession(stage: VoiceEventStage): Promise<void> {
  const { shard, gateway, clock, trace } = stage;
  const sessionId = shard.session?.sessionId;
  if (sessionId === undefined || !gateway.expireSession(sessionId))
    throw new Error('the shard has no gateway session');
  await stage.until(
    () => JSON.stringify(shard.stateValue).includes('"cooldown"'),
    'the shard to wait before identifying anew',
  );
  const wait = createShardDelays(() => VOICE_MODEL_RANDOM).invalidSessionWait({
    context: shard.snapshot.context,
  });
  clock.fire(wait, () => trace.time(wait));
  await stage.gate.whenWaiting();
  stage.gate.grant();
  // The connection may stay in its state: wait until the shard's new session told it.
  await stage.until(
    () => shard.state === 'ready' && shard.session !== null && shard.session.sessionId !== sessionId,
    'the shard to start a new gateway session',
  );
}

/** A timer of the voice machine comes due: the clock fires the one pending with the model's delay. */
function fireVoiceTimer(type: string, stage: VoiceEventStage): void {
  if (!type.startsWith('xstate.after.'))
    throw new Error(`the voice model runner cannot produce event ${type}`);
  const name = type.split('.')[2] as keyof VoiceDelays;
  const connection = stage.connection();
  if (connection === null) throw new Error(`timer ${name} before the connection exists`);
  const delay = createVoiceDelays(() => VOICE_MODEL_RANDOM)[name]({ context: connection.snapshot.context });
  const { clock, trace } = stage;
  if (clock.pendingWithDelay(delay) === 0) {
    // The model says this timer comes due, but the connection never armed it. Let the time pass all
    // the same: the oracles judge what the client did, or failed to do, meanwhile.
    clock.pass(delay);
    trace.time(delay);
    stage.checkProtocol();
    throw new Error(
      `the model's timer ${name} (${delay} ms) is not pending in the connection (pending: ${clock.pendingDelays.join(', ') || 'none'})`,
    );
  }
  clock.fire(delay, () => trace.time(delay));
}
