import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { FakeGateway, FakeVoiceServer, runVoicePath } from '../../src/testing/index.js';
import type { VoiceModelPath } from '../../src/testing/index.js';

/** Any path: the servers' options are checked before the first step. */
const path: VoiceModelPath = {
  steps: [{ event: { type: 'voice.join' }, state: '{}' }],
  edge: 'a join',
  kind: 'edge',
};

const started: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const server of started.splice(0)) await server.close();
});

async function servers(voiceOptions: Parameters<typeof FakeVoiceServer.start>[0], answer: boolean) {
  const voiceServer = await FakeVoiceServer.start(voiceOptions);
  const gateway = await FakeGateway.start({ answerVoiceStateUpdates: answer });
  started.push(gateway, voiceServer);
  return { gateway, voiceServer };
}

describe('runVoicePath with servers that do not let the model decide', () => {
  it('throws InvalidArgumentError naming every missing option, before connecting', async () => {
    const { gateway, voiceServer } = await servers({}, true);
    const error: unknown = await runVoicePath({ gateway, voiceServer, path }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const message = (error as Error).message;
    for (const option of [
      'FakeGateway answerVoiceStateUpdates: false',
      'FakeVoiceServer holdHello: true',
      'FakeVoiceServer holdUpgrades: true',
      'FakeVoiceServer holdReady: true',
      'FakeVoiceServer holdDiscovery: true',
      'FakeVoiceServer holdSessionDescription: true',
      'FakeVoiceServer holdResumed: true',
      'FakeVoiceServer peers: []',
    ]) {
      expect(message).toContain(option);
    }
    expect(gateway.stats.connections).toBe(0);
  });

  it('names only what is missing', async () => {
    const { gateway, voiceServer } = await servers(
      {
        holdHello: true,
        holdUpgrades: true,
        holdReady: true,
        holdDiscovery: true,
        holdSessionDescription: true,
        peers: [],
        heartbeatIntervalMs: 13_750,
      },
      false,
    );
    const error: unknown = await runVoicePath({ gateway, voiceServer, path }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).option).toBe('holdResumed');
    expect((error as Error).message).toMatch(/started with FakeVoiceServer holdResumed: true \(/);
  });
});
