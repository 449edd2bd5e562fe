import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import { fromCallback } from 'xstate';
import type { VoiceDaveCommand, VoiceDaveEvent, VoiceDaveInput } from '../../../machines/index.js';
import { VoiceE2EEError } from '../../errors.js';
import type { VoiceDaveSession } from './dave-session.js';

/**
 * The `mls` actor of the DAVE region: carries out the machine's commands on the connection's davey session
 * and writes ops 23, 26, 28 and 31 (docs/protocol/voice.md §4.4–§4.5). It decides nothing: every failure
 * becomes a result event (`mls.invalid`) or a warning, never an exception into the process. @internal
 */
export function createDaveMlsLogic(sessionFor: (guildId: string) => VoiceDaveSession | null) {
  return fromCallback<VoiceDaveCommand, VoiceDaveInput, VoiceDaveEvent>(({ input, receive, sendBack }) => {
    // A new voice session (this actor lives as long as one): nothing of the previous one's group is kept.
    sessionFor(input.guildId)?.newVoiceSession();
    receive((command) => {
      const dave = sessionFor(input.guildId);
      if (dave === null) return;
      runCommand(dave, command, sendBack);
    });
    return () => undefined;
  });
}

function warn(dave: VoiceDaveSession, message: string, error: unknown): void {
  dave.hooks.warn(new VoiceE2EEError(message, error), 'DAVE recovers');
}

function runCommand(
  dave: VoiceDaveSession,
  command: VoiceDaveCommand,
  sendBack: (event: VoiceDaveEvent) => void,
): void {
  switch (command.type) {
    case 'start': {
      let keyPackage: Buffer;
      try {
        keyPackage = dave.start(command.version);
      } catch (error) {
        return warn(dave, 'a DAVE session could not start', error);
      }
      dave.writer?.binary(VoiceOpcodes.DaveMlsKeyPackage, keyPackage);
      return;
    }
    case 'stop':
      dave.stop();
      return;
    case 'setExternalSender':
      try {
        dave.setExternalSender(Buffer.from(command.payload));
      } catch (error) {
        warn(dave, 'the external sender (op 25) was refused', error);
      }
      return;
    case 'processProposals': {
      const session = dave.session;
      if (session === null) return;
      const payload = Buffer.from(command.payload);
      let result;
      try {
        // Only users ops 11/13 announced may be added (§4.4); ourselves included for davey's check.
        const recognised = [...dave.recognised, dave.hooks.userId()];
        result = session.processProposals(payload[0]!, payload.subarray(1), recognised);
      } catch (error) {
        // An unknown user's Add, a forged signature, a stale epoch: refused, no commit.
        return warn(dave, 'DAVE proposals (op 27) were refused', error);
      }
      if (result.commit === undefined) return;
      const frame =
        result.welcome === undefined ? result.commit : Buffer.concat([result.commit, result.welcome]);
      dave.writer?.binary(VoiceOpcodes.DaveMlsCommitWelcome, frame);
      sendBack({ type: 'mls.committed' });
      return;
    }
    case 'applyCommit':
    case 'applyWelcome': {
      const session = dave.session;
      if (session === null) return sendBack({ type: 'mls.invalid', transitionId: command.transitionId });
      try {
        if (command.type === 'applyCommit') session.processCommit(Buffer.from(command.payload));
        else session.processWelcome(Buffer.from(command.payload));
      } catch (error) {
        warn(
          dave,
          `a DAVE ${command.type === 'applyCommit' ? 'commit (op 29)' : 'welcome (op 30)'} did not apply`,
          error,
        );
        return sendBack({ type: 'mls.invalid', transitionId: command.transitionId });
      }
      dave.inTransition = command.transitionId !== 0;
      dave.applied();
      sendBack({
        type: 'mls.applied',
        transitionId: command.transitionId,
        epoch: Number(session.epoch ?? 0n),
        members: session.getUserIds(),
      });
      return;
    }
    case 'transitionReady':
      dave.writer?.json(VoiceOpcodes.DaveTransitionReady, { transition_id: command.transitionId });
      return;
    case 'passthrough':
      dave.inTransition = true;
      dave.session?.setPassthroughMode(true, command.expirySec);
      return;
    case 'recover':
      dave.writer?.json(VoiceOpcodes.DaveMlsInvalidCommitWelcome, { transition_id: command.transitionId });
      return;
    case 'changed':
      dave.changed({
        protocolVersion: command.protocolVersion,
        epoch: command.epoch,
        members: command.members,
      });
      return;
  }
}
