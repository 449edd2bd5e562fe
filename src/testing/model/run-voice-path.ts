import { GatewayIntentBits } from 'discord-api-types/v10';
import { initialTransition } from 'xstate';
import { voiceMachine } from '../../../machines/index.js';
import { Shard } from '../../shard/shard.js';
import type { VoiceConnection } from '../../voice/voice-connection.js';
import type { FakeGateway } from '../fake-gateway/index.js';
import type { FakeVoiceConnection, FakeVoiceServer } from '../fake-voice/index.js';
import { ManualIdentifyGate } from './manual-identify-gate.js';
import { ShardPathClock } from './shard-path-clock.js';
import { abstractVoiceState, voiceModelInput, voiceModelTiming, voicePhase } from './voice-model.js';
import type { VoiceModelPath, VoiceModelStep } from './voice-model-paths.js';
import { produceVoiceModelEvent, VOICE_MODEL_RANDOM } from './voice-path-events.js';
import { VoicePlayer } from './voice-path-player.js';
import {
  assertVoiceModelServers,
  UdpFence,
  udpSocketsOpen,
  VOICE_RUN_SHARD_TIMING,
  voiceOnlyDelays,
} from './voice-path-setup.js';
import { VoicePathTrace } from './voice-path-trace.js';
import { PathWaiter } from './path-waiter.js';
import { VoiceActorWatch } from './voice-path-watch.js';
import { checkVoiceProtocol, VoiceProtocolViolationError } from './voice-protocol-oracles.js';
import type { VoiceOracleConfig } from './voice-protocol-oracles.js';
import type { VoiceTraceEntry } from './voice-protocol-trace.js';

/** Options of {@link runVoicePath}. */
export interface RunVoicePathOptions {
  /** A gateway started with `answerVoiceStateUpdates: false` (the run sends the voice dispatches). */
  readonly gateway: FakeGateway;
  /** A voice server started with every `hold*` option, `peers: []` and `heartbeatIntervalMs` of the model. */
  readonly voiceServer: FakeVoiceServer;
  /** The path to run (from `voiceModelPaths`). */
  readonly path: VoiceModelPath;
  /** Called with the key of every transition the voice machine takes (for coverage). */
  readonly onTransition?: (key: string) => void;
  /** Called after each step, once the connection reached the step's state. */
  readonly afterStep?: (step: VoiceModelStep, trace: readonly VoiceTraceEntry[]) => void | Promise<void>;
  /** How long a step may take to reach its state (and the servers to see its effects). Default 10 s. */
  readonly stepTimeoutMs?: number;
}

/**
 * Runs one voice model path on a real {@link Shard} (its actor system on the path's manual clock, so
 * every timer of the shard and of its voice child fires when the run says) against a real
 * {@link FakeGateway} and {@link FakeVoiceServer}, with a real `VoiceConnection` from
 * `shard.voice.open()`. Each model event is produced the way production would see it (see
 * `voice-path-events.ts`), and after each step the voice machine must be in the state the model
 * predicts. After each step, and once more at the end (after `leave()`, when the connection is
 * destroyed and the servers saw everything), the voice protocol oracles (`voice-protocol-oracles.ts`)
 * judge what was observable: they do not come from the machine, so they also catch a machine that is
 * wrong. Throws, naming the step, when anything fails; an oracle's verdict comes first.
 *
 * @throws InvalidArgumentError when a server was not started with the options the model needs.
 */
export async function runVoicePath(options: RunVoicePathOptions): Promise<void> {
  assertVoiceModelServers(options.gateway, options.voiceServer);
  const run = new VoicePathRun(options);
  const where = (index: number, type: string) =>
    index < options.path.steps.length
      ? `step ${index + 1}/${options.path.steps.length} (${type}) of path ${options.path.edge}`
      : `the end of path ${options.path.edge}`;
  try {
    try {
      await run.begin();
    } catch (error) {
      throw new Error(`the start of path ${options.path.edge}: ${run.explain(error)}`, { cause: error });
    }
    for (const [index, step] of options.path.steps.entries()) {
      try {
        await run.step(step, options.path.steps[index + 1]);
        await options.afterStep?.(step, run.trace.entries);
      } catch (error) {
        throw new Error(`${where(index, step.event.type)}: ${run.explain(error)}`, { cause: error });
      }
    }
    try {
      await run.finish();
    } catch (error) {
      throw new Error(`${where(options.path.steps.length, '')}: ${run.explain(error)}`, { cause: error });
    }
  } finally {
    await run.dispose();
  }
}

class VoicePathRun {
  readonly clock = new ShardPathClock();
  readonly gate = new ManualIdentifyGate();
  readonly player = new VoicePlayer();
  readonly trace: VoicePathTrace;
  readonly shard: Shard;
  readonly oracleConfig: VoiceOracleConfig = {
    maxResumeAttempts: voiceModelTiming.maxResumeAttempts,
    maxRejoinAttempts: voiceModelTiming.maxRejoinAttempts,
  };
  /** Warnings of the shard and the connection (recovered faults), for the failure message. */
  readonly warnings: string[] = [];
  readonly waiter: PathWaiter;
  readonly watch: VoiceActorWatch;
  readonly fence: UdpFence;
  readonly #kept: Array<Promise<unknown>> = [];
  #connection: VoiceConnection | null = null;
  #udpBaseline = 0;
  #previous = '';
  #beatsBefore = 0;

  constructor(private readonly options: RunVoicePathOptions) {
    const { gateway, voiceServer } = options;
    this.waiter = new PathWaiter(options.stepTimeoutMs ?? 10_000, () => `previous ${this.#previous}`);
    this.watch = new VoiceActorWatch(
      (key) => options.onTransition?.(key),
      () => this.waiter.notify(),
    );
    this.trace = new VoicePathTrace(gateway, voiceServer, this.clock, () => this.waiter.notify());
    this.fence = new UdpFence(this.trace, voiceServer.udpPort, (condition, what) =>
      this.#until(condition, what),
    );
    // Heartbeats are the model's to answer: every connection stops the automatic ACKs at once.
    this.trace.onConnection = (connection) => connection.stopHeartbeatAcks();
    try {
      this.shard = new Shard({
        token: gateway.options.token,
        gatewayUrl: gateway.url,
        intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildVoiceStates,
        compress: 'none',
        identifyGate: this.gate,
        random: () => VOICE_MODEL_RANDOM,
        clock: this.clock,
        timing: VOICE_RUN_SHARD_TIMING,
        inspect: (event) => this.watch.inspect(event),
      });
    } catch (error) {
      this.trace.detach();
      throw error;
    }
    this.shard.on('warning', ({ error, context }) =>
      this.warnings.push(`shard: ${context}: ${error.message}`),
    );
  }

  /** Starts the shard (a fresh gateway session) before the first step. */
  async begin(): Promise<void> {
    // An upgrade an earlier run left held must not be taken for this run's.
    while (this.options.voiceServer.refuseUpgrade());
    const started = this.shard.start();
    await this.gate.whenWaiting();
    this.gate.grant();
    await started;
    this.#udpBaseline = udpSocketsOpen();
  }

  /**
   * One step: produce the event (a player step is the adapter's own: nothing to do), wait for the
   * model's state and the wire, then ask the oracles. When the next step is the player's reaction, it
   * may already have happened: its state is accepted too.
   */
  async step(step: VoiceModelStep, next?: VoiceModelStep): Promise<void> {
    await this.#settle();
    this.#previous = this.#state();
    this.#beatsBefore = this.#beats();
    if (step.by !== 'player') {
      await produceVoiceModelEvent(step.event, {
        shard: this.shard,
        gateway: this.options.gateway,
        voice: this.options.voiceServer,
        gate: this.gate,
        clock: this.clock,
        trace: this.trace,
        player: this.player,
        connection: () => this.#connection,
        opened: (connection) => {
          this.#connection = connection;
          // Faults the connection recovers from are expected here (failed sockets, time-outs): keep them.
          connection.on('warning', ({ error, context }) =>
            this.warnings.push(`${context}: ${error.message}`),
          );
        },
        socket: () => this.#socket(),
        until: (condition, what) => this.#until(condition, what),
        checkProtocol: () => this.checkProtocol(),
        keep: (promise) => this.#kept.push(promise.catch(() => undefined)),
      });
    }
    const accepted = next?.by === 'player' ? [step.state, next.state] : [step.state];
    await this.#until(
      () => accepted.includes(this.#state()),
      `state ${step.state}${accepted.length > 1 ? ` (or, the player having reacted already, ${next!.state})` : ''}`,
      () => this.#state(),
    );
    await this.#checkWire(step);
    await this.#settle();
    // Audio goes on in real time: let it show what it does in this state before the oracles judge.
    const ticked = this.player.ticked();
    if (ticked !== null) await this.#until(ticked, 'two frames of the playing audio');
    // Datagrams the client sent during the step have all arrived once the fence has.
    await this.fence.pass();
    this.checkProtocol();
  }

  /**
   * After the last step: leave (as a user would) unless the connection is gone, wait until it is
   * destroyed, fence the UDP stream, wait until the voice server saw every connection close and the
   * process let go of the UDP socket, note what is left, and let the oracles judge the whole run.
   */
  async finish(): Promise<void> {
    const connection = this.#connection;
    if (connection !== null) {
      if (connection.state !== 'destroyed') {
        this.trace.user('leave');
        this.#kept.push(connection.leave());
      }
      await this.#until(() => connection.state === 'destroyed', 'the connection to be destroyed');
      await connection.destroyed;
      // Left while its shard was stopped: the op 4 goes out once the shard is back.
      if (this.shard.state === 'stopped') {
        this.trace.user('startShard');
        this.#kept.push(this.shard.start());
      }
      // Left while playing, as users do: the player stops with the connection and sends nothing.
      await this.player.finish();
      this.trace.fenceAfter = 'destroyed';
      await this.#until(
        () => this.#op4Sent() >= this.watch.op4Asked,
        'the op 4 of leave() to reach the gateway',
      );
      await this.fence.pass();
      await this.#until(
        () => this.trace.connections.every((socket) => this.trace.isClosed(socket.id)),
        'the voice server to see every connection closed',
      );
      await this.#until(
        () => udpSocketsOpen() <= this.#udpBaseline + 1,
        'the UDP socket of the connection to close',
      ).catch(() => undefined);
      const voiceDelays = voiceOnlyDelays();
      this.trace.note({
        kind: 'resources',
        extraUdpSockets: Math.max(0, udpSocketsOpen() - this.#udpBaseline - 1),
        voiceTimers: this.clock.pendingDelays.filter((delay) => voiceDelays.has(delay)),
      });
      await this.fence.pass();
    }
    this.checkProtocol();
  }

  /** Throws a {@link VoiceProtocolViolationError} if an oracle objects to what was observable so far. */
  checkProtocol(): void {
    const violations = checkVoiceProtocol(this.trace.entries, this.oracleConfig);
    if (violations.length > 0) throw new VoiceProtocolViolationError(violations);
  }

  /** The message for a failed step: the oracles' verdict first, since it names the protocol rule broken. */
  explain(error: unknown): string {
    const warned = this.warnings.length === 0 ? '' : `\n(warnings: ${this.warnings.slice(-5).join('; ')})`;
    const message = (error instanceof Error ? error.message : String(error)) + warned;
    if (error instanceof VoiceProtocolViolationError) return message;
    const violations = checkVoiceProtocol(this.trace.entries, this.oracleConfig);
    if (violations.length === 0) return message;
    return `${new VoiceProtocolViolationError(violations).message}\n(the step itself failed with: ${message})`;
  }

  async dispose(): Promise<void> {
    await this.player.finish().catch(() => undefined);
    if (this.#connection !== null && this.#connection.state !== 'destroyed')
      this.#kept.push(this.#connection.leave());
    await Promise.race([
      Promise.allSettled(this.#kept),
      new Promise((resolve) => setTimeout(resolve, 2_000)),
    ]);
    if (this.shard.state !== 'stopped' && this.shard.state !== 'idle' && this.shard.state !== 'failed')
      await this.shard.stop().catch(() => undefined);
    this.trace.detach();
    for (const socket of this.trace.connections) socket.terminate();
    while (this.options.voiceServer.refuseUpgrade());
    this.fence.close();
  }

  #op4Sent(): number {
    return this.trace.entries.filter((entry) => entry.kind === 'op4').length;
  }

  /** Heartbeats the voice server received in this run. */
  #beats(): number {
    return this.trace.entries.filter((entry) => entry.kind === 'received' && entry.op === 3).length;
  }

  /** The connection's abstract state; before it exists, the model's initial one (idle). */
  #state(): string {
    if (this.#connection === null)
      return abstractVoiceState(initialTransition(voiceMachine, voiceModelInput)[0]);
    return abstractVoiceState(this.#connection.snapshot);
  }

  /** The server side of the client's current voice socket: the last one the server accepted. */
  async #socket(): Promise<FakeVoiceConnection> {
    await this.#until(() => this.trace.connections.length > 0, 'a voice connection');
    return this.trace.connections.at(-1)!;
  }

  /**
   * Waits until the servers saw the step's effects: every op 4 the connection asked for reached the
   * gateway, every dial the client made reached the voice server, and every connection the client left
   * is closed on the server's side (the current one may stay).
   */
  #settle(): Promise<void> {
    const live = this.#connection !== null && typeof this.#connection.snapshot.value !== 'string';
    const phase = this.#connection === null ? null : voicePhase(this.#connection.snapshot.value);
    const current =
      live && phase !== 'reconnecting' && phase !== 'connecting' ? this.trace.connections.at(-1) : undefined;
    return this.#until(
      () =>
        this.#op4Sent() >= this.watch.op4Asked &&
        this.trace.dials >= this.watch.socketsStarted &&
        this.trace.upgrades >= this.trace.dials &&
        this.trace.connections.every((socket) => socket === current || this.trace.isClosed(socket.id)),
      'every op 4 to reach the gateway, every dial the voice server, and every connection the client left to close',
      () =>
        `op 4 ${this.#op4Sent()} of ${this.watch.op4Asked}, sockets ${this.watch.socketsStarted}, dials ${this.trace.dials}, upgrades ${this.trace.upgrades}, open: ${this.trace.connections
          .filter((socket) => socket !== current && !this.trace.isClosed(socket.id))
          .map((socket) => `#${socket.id}`)
          .join(', ')}`,
    );
  }

  /** What the step must have put on the wire, beyond the machine's state. */
  async #checkWire(step: VoiceModelStep): Promise<void> {
    const type = step.event.type;
    const to = voicePhase((JSON.parse(step.state) as { value: never }).value);
    const from = voicePhase((JSON.parse(this.#previous) as { value: never }).value);
    const received = (
      conn: number,
      op: number,
      match: (d: Record<string, unknown>) => boolean = () => true,
    ) =>
      this.trace.entries.some(
        (entry) =>
          entry.kind === 'received' &&
          entry.conn === conn &&
          entry.op === op &&
          match((entry.d ?? {}) as never),
      );
    const socket = this.trace.connections.at(-1);
    if (type === 'socket.opened' && socket !== undefined) {
      await this.#until(
        () => received(socket.id, 0) || received(socket.id, 7),
        'IDENTIFY or RESUME on the new socket',
      );
    }
    if (type === 'udp.discovered' && socket !== undefined)
      await this.#until(() => received(socket.id, 1), 'Select Protocol');
    if (type.startsWith('xstate.after.heartbeatInterval.') && to.startsWith('ready'))
      await this.#until(() => this.#beats() > this.#beatsBefore, 'the heartbeat (op 3)');
    // A ready connection that speaks sent Speaking on (the oracles' grace for RTP ends with the step).
    if (to === 'ready.speaking' && socket !== undefined)
      await this.#until(
        () => received(socket.id, 5, (d) => d['speaking'] !== 0),
        'Speaking (op 5) on the ready connection',
      );
    if (type === 'voice.speak' && from === 'ready.speaking' && to === 'ready.silent' && socket !== undefined)
      await this.#until(() => received(socket.id, 5, (d) => d['speaking'] === 0), 'Speaking off (op 5)');
    if (type === 'voice.leave')
      await this.#until(
        () => this.trace.entries.some((entry) => entry.kind === 'op4' && entry.channelId === null),
        'op 4 leaving the channel',
      );
  }

  #until(condition: () => boolean, what: string, actual?: () => string): Promise<void> {
    return this.waiter.until(condition, what, actual);
  }
}
