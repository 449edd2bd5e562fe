import { describe, expect, it } from 'vitest';
import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import type { FakeVoiceServer } from '../../../src/testing/index.js';
import type { RawVoiceClient } from './raw-voice-client.js';
import { useFakeVoice } from './voice-harness.js';

/**
 * The fake's ordering control for DAVE's op 25 (docs/protocol/voice.md §4.4: the external sender may arrive
 * before Session Description), checked on the wire with a raw client offering DAVE in a normal channel.
 */

const { start, identified, openUdp } = useFakeVoice();

/** Identify (DAVE offered) → IP discovery → Select Protocol; resolves once both op 4 and op 25 arrived. */
async function describedWithDave(server: FakeVoiceServer): Promise<RawVoiceClient> {
  const { client, ready } = await identified(server, { identify: { max_dave_protocol_version: 1 } });
  const udp = await openUdp();
  const discovered = await udp.discover(ready.ssrc, ready.port);
  client.selectProtocol(discovered.address, discovered.port, 'aead_aes256_gcm_rtpsize');
  await client.waitForOp(VoiceOpcodes.SessionDescription);
  await client.waitForOp(VoiceOpcodes.DaveMlsExternalSender);
  return client;
}

function opsIn(client: RawVoiceClient): number[] {
  return client.messages.map((message) => message.op);
}

describe('FakeVoiceServer: the order of op 25 and op 4', () => {
  it('by default sends the external sender (op 25) after Session Description (op 4)', async () => {
    const server = await start({ defaultChannelKind: 'voice' });
    const ops = opsIn(await describedWithDave(server));
    expect(ops.indexOf(VoiceOpcodes.DaveMlsExternalSender)).toBeGreaterThan(
      ops.indexOf(VoiceOpcodes.SessionDescription),
    );
  });

  it('with sendExternalSenderBeforeSessionDescription(), sends op 25 before op 4, in sequence order', async () => {
    const server = await start({ defaultChannelKind: 'voice' });
    server.dave.sendExternalSenderBeforeSessionDescription();
    const client = await describedWithDave(server);
    const ops = opsIn(client);
    const sender = ops.indexOf(VoiceOpcodes.DaveMlsExternalSender);
    const description = ops.indexOf(VoiceOpcodes.SessionDescription);
    expect(sender).toBeLessThan(description);
    expect(client.messages[description]!.seq).toBe(client.messages[sender]!.seq! + 1);
  });
});
