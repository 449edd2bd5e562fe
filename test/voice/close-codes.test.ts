import { describe, expect, it } from 'vitest';
import { GatewayOpcodes } from 'discord-api-types/v10';
import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import { voiceCloseCodeRules } from '../../machines/index.js';
import type { FakeVoiceServer } from '../../src/testing/index.js';
import type { VoiceConnection } from '../../src/voice/voice-connection.js';
import { GUILD_ID, STAGE_ID, VOICE_TEST_TIMING, useVoiceRigs } from './voice-rig.js';

const { rig } = useVoiceRigs();

/** Resolves with the next `event` of a connection. */
function next<K extends 'reconnected' | 'disconnected'>(connection: VoiceConnection, event: K) {
  return new Promise<unknown>((resolve) => connection.once(event, resolve));
}

function ops(server: FakeVoiceServer, op: VoiceOpcodes): number {
  return server.received.filter((frame) => Number(frame.op) === Number(op)).length;
}

const cases = [
  ...voiceCloseCodeRules.map((rule) => [rule.code, rule.outcome.action] as const),
  [1006, 'resume'] as const,
  [4999, 'rejoin'] as const,
];

// Each code of the table (docs/protocol/voice.md §2.5) sent by the voice server to a ready connection,
// and what the client does on the wire.
describe('a voice close code on the wire', () => {
  it.for(cases)('%i → %s', async ([code, action]) => {
    const { shard, voice, gateway } = await rig();
    const connection = await shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });
    const joinsBefore = gateway.received.filter(
      (frame) => frame.op === GatewayOpcodes.VoiceStateUpdate,
    ).length;
    const open = voice.connections.find((candidate) => candidate.open)!;

    if (action === 'fail') {
      const disconnected = next(connection, 'disconnected');
      open.close(code);
      expect(await disconnected).toMatchObject({ reason: 'CloseCode', closeCode: code });
      expect(connection.state).toBe('disconnected');
      // No new voice connection: wait a window longer than the back-off.
      await expect(voice.waitFor('connection', undefined, { timeoutMs: 400 })).rejects.toThrow(/timed out/);
      return;
    }
    const reconnected = next(connection, 'reconnected');
    if (code === 1006) open.terminate();
    else open.close(code);
    expect(await reconnected).toEqual({ resumed: action === 'resume' });
    const joins = gateway.received.filter((frame) => frame.op === GatewayOpcodes.VoiceStateUpdate).length;
    if (action === 'resume') {
      expect([
        ops(voice, VoiceOpcodes.Resume),
        ops(voice, VoiceOpcodes.Identify),
        joins - joinsBefore,
      ]).toEqual([1, 1, 0]);
    } else {
      // Rejoin: op 4 again on the main gateway, then a fresh IDENTIFY with the new token.
      expect([
        ops(voice, VoiceOpcodes.Resume),
        ops(voice, VoiceOpcodes.Identify),
        joins - joinsBefore,
      ]).toEqual([0, 2, 1]);
    }
    expect(connection.state).toBe('ready');
  });
});
