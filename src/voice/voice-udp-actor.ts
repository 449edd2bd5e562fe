import { fromCallback } from 'xstate';
import type { VoiceEvent, VoiceUdpCommand, VoiceUdpInput } from '../../machines/index.js';
import type { VoiceConnectionDeps } from './voice-deps.js';

/**
 * The UDP actor of a voice session (invoked on the machine's `session` state, so it outlives a resume
 * and ends with the session, docs/protocol/voice.md §2.4): runs IP discovery when told (§3.1) and
 * opens or holds media. The datagrams themselves are `VoiceMedia`'s: the hot path stays out of the
 * machine.
 */
export function createVoiceUdpLogic(depsFor: (guildId: string) => VoiceConnectionDeps) {
  return fromCallback<VoiceUdpCommand, VoiceUdpInput, VoiceEvent>(({ input, sendBack, receive }) => {
    const { media } = depsFor(input.guildId);
    let live = true;
    receive((command) => {
      switch (command.type) {
        case 'udp.discover':
          media.discover((address, port) => {
            if (live) sendBack({ type: 'udp.discovered', address, port });
          });
          return;
        case 'media.open':
          media.openMedia();
          return;
        case 'media.hold':
          media.holdMedia();
          return;
      }
    });
    return () => {
      live = false;
      media.closeSocket();
    };
  });
}
