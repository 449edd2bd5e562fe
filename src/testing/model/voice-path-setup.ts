import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { initialTransition } from 'xstate';
import { createVoiceDelays, voiceMachine } from '../../../machines/index.js';
import type { ShardTimingConfig } from '../../../machines/index.js';
import { InvalidArgumentError } from '../../errors.js';
import type { FakeGateway } from '../fake-gateway/index.js';
import type { FakeVoiceServer } from '../fake-voice/index.js';
import { VOICE_MODEL_HEARTBEAT_MS, voiceModelInput, voiceModelTiming } from './voice-model.js';
import { VOICE_MODEL_RANDOM } from './voice-path-events.js';
import type { VoicePathTrace } from './voice-path-trace.js';

/**
 * The shard's own timing in voice runs: distinct from every voice delay, so the run can tell pending
 * timers apart (the shard and its voice child share the path's clock).
 */
export const VOICE_RUN_SHARD_TIMING: Partial<ShardTimingConfig> = {
  helloTimeoutMs: 20_001,
  readyTimeoutMs: 30_001,
  resumeTimeoutMs: 35_001,
  invalidSessionMinMs: 3_001,
  invalidSessionMaxMs: 3_003,
};

/** Throws, naming every option the servers lack for the model to decide when each answer goes out. */
export function assertVoiceModelServers(gateway: FakeGateway, voice: FakeVoiceServer): void {
  const missing: string[] = [];
  if (gateway.options.answerVoiceStateUpdates) missing.push('FakeGateway answerVoiceStateUpdates: false');
  const holds = [
    'holdHello',
    'holdUpgrades',
    'holdReady',
    'holdDiscovery',
    'holdSessionDescription',
    'holdResumed',
  ] as const;
  for (const name of holds) if (!voice.options[name]) missing.push(`FakeVoiceServer ${name}: true`);
  if (voice.options.peers.length > 0) missing.push('FakeVoiceServer peers: []');
  if (voice.options.heartbeatIntervalMs !== VOICE_MODEL_HEARTBEAT_MS)
    missing.push(`FakeVoiceServer heartbeatIntervalMs: ${VOICE_MODEL_HEARTBEAT_MS}`);
  if (missing.length === 0) return;
  throw new InvalidArgumentError(
    `runVoicePath needs servers started with ${missing.join(', ')} (the model decides when each answer goes out, ` +
      'and no call member may send messages it cannot foresee)',
    { option: missing.map((entry) => entry.split(' ')[1]!.replace(':', '')).join(', ') },
  );
}

/** Delays only the voice connection arms (the shard's are distinct, see {@link VOICE_RUN_SHARD_TIMING}). */
export function voiceOnlyDelays(): ReadonlySet<number> {
  const delays = new Set([
    voiceModelTiming.signallingTimeoutMs,
    voiceModelTiming.handshakeTimeoutMs,
    VOICE_MODEL_HEARTBEAT_MS,
  ]);
  const backoff = createVoiceDelays(() => VOICE_MODEL_RANDOM).reconnectBackoff;
  const [initial] = initialTransition(voiceMachine, voiceModelInput);
  for (let attempts = 0; attempts < 64; attempts++)
    delays.add(backoff({ context: { ...initial.context, reconnectAttempts: attempts } }));
  return delays;
}

/** UDP sockets this process holds open (Node's active resources). */
export function udpSocketsOpen(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'UDPWRAP').length;
}

/**
 * The run's UDP fence: a datagram of its own to the voice server's media socket. The server reads one
 * queue in arrival order, so once the fence arrived, every datagram the client had sent before it was
 * sent has arrived too.
 */
export class UdpFence {
  #socket: Socket | null = null;

  constructor(
    private readonly trace: VoicePathTrace,
    private readonly port: number,
    private readonly until: (condition: () => boolean, what: string) => Promise<void>,
  ) {}

  /** Sends a fence and waits until the voice server saw it. */
  async pass(): Promise<void> {
    const socket = this.#socket ?? (await this.#open());
    const before = this.trace.fences;
    socket.send(Buffer.from('fence'), this.port, '127.0.0.1');
    await this.until(() => this.trace.fences > before, 'the UDP fence to reach the voice server');
  }

  close(): void {
    this.#socket?.close();
    this.#socket = null;
  }

  async #open(): Promise<Socket> {
    const socket = createSocket('udp4');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    this.trace.fencePort = socket.address().port;
    this.#socket = socket;
    return socket;
  }
}
