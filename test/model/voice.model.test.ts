import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voiceMachine } from '../../machines/index.js';
import { FakeGateway, FakeVoiceServer } from '../../src/testing/index.js';
import {
  listTransitionKeys,
  runVoicePath,
  VOICE_MODEL_CHANNEL,
  VOICE_MODEL_GUILD,
  VOICE_MODEL_HEARTBEAT_MS,
  VOICE_MODEL_OTHER_CHANNEL,
  voiceModelPaths,
  voiceModelUnproducibleEvents,
} from '../../src/testing/model/index.js';

const model = voiceModelPaths();
const allTransitions = listTransitionKeys(voiceMachine);
const taken = new Set<string>();
let gateway: FakeGateway;
let voice: FakeVoiceServer;

beforeAll(async () => {
  // The model decides when each answer goes out; no call member sends what it cannot foresee.
  voice = await FakeVoiceServer.start({
    holdHello: true,
    holdUpgrades: true,
    holdReady: true,
    holdDiscovery: true,
    holdSessionDescription: true,
    holdResumed: true,
    peers: [],
    heartbeatIntervalMs: VOICE_MODEL_HEARTBEAT_MS,
    // Heartbeats are driven by the model's clock; the server's watchdog must not interfere.
    heartbeatGraceMs: 600_000,
    defaultChannelKind: 'stage',
  });
  gateway = await FakeGateway.start({
    answerVoiceStateUpdates: false,
    identifyIntervalMs: 0,
    heartbeatGraceMs: 600_000,
    sessionStartLimit: { total: 1_000_000, remaining: 1_000_000, resetAfter: 86_400_000 },
    guilds: [
      {
        id: VOICE_MODEL_GUILD,
        channels: [
          { id: VOICE_MODEL_CHANNEL, type: 13, name: 'stage' },
          { id: VOICE_MODEL_OTHER_CHANNEL, type: 13, name: 'other stage' },
        ],
      },
    ],
  });
});

afterAll(async () => {
  await gateway.close();
  await voice.close();
  const covered = allTransitions.filter((key) => taken.has(key));
  console.log(`voice transition coverage: ${covered.length}/${allTransitions.length}`);
  const missing = allTransitions.filter((key) => !taken.has(key));
  if (missing.length > 0) console.log(`voice transitions not taken:\n  ${missing.join('\n  ')}`);
});

describe('the voice model', () => {
  it('explores the machine without reaching an error state, and reaches every state it finds', () => {
    expect(model.errors).toEqual([]);
    expect(model.unreachable).toEqual([]);
    expect(model.paths.length).toBe(model.edges.length);
  });

  it('can refuse RESUMEs and connections, resume while audio plays, and leave op 4 unanswered', () => {
    expect(model.probeErrors).toEqual([]);
    expect(model.probes.map((probe) => probe.kind)).toEqual([
      'refused-resumes-4015',
      'refused-resumes-drop',
      'refused-resumes-timeout',
      'refused-connections',
      'resumed-while-playing',
      'unanswered-joins',
    ]);
  });

  it('offers every event of the machine (the adapter produces each)', () => {
    expect(Object.keys(voiceModelUnproducibleEvents)).toEqual([]);
  });
});

// Edge paths first, then the probes; the voice protocol oracles judge every one of them (runVoicePath).
const allPaths = [...model.paths, ...model.probes];

describe('every path of the voice model, run on a real Shard and VoiceConnection against the fakes', () => {
  it.for(allPaths.map((path, index) => [index, path] as const))('path %i', async ([, path]) => {
    await runVoicePath({ gateway, voiceServer: voice, path, onTransition: (key) => taken.add(key) });
  });

  it('took every transition the machine defines', () => {
    const missing = allTransitions.filter((key) => !taken.has(key));
    expect(missing).toEqual([]);
  });
});
