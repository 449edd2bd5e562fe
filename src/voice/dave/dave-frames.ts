import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import type { VoiceEvent } from '../../../machines/index.js';
import { VoiceFrameError } from '../../errors.js';
import type { VoiceDaveHooks, VoiceDaveWriter } from '../voice-dave-hooks.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isU16(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff;
}

/** A transition id (u16 BE) and what follows it: ops 29 and 30 (docs/protocol/voice.md §4.3). */
function withTransitionId(op: string, payload: Uint8Array): { transitionId: number; rest: Uint8Array } {
  if (payload.length < 3) throw new VoiceFrameError(`${op} of ${payload.length} bytes`);
  return { transitionId: (payload[0]! << 8) | payload[1]!, rest: payload.subarray(2) };
}

/** A binary DAVE op as a machine event (ops 25, 27, 29, 30); null for ops the client does not handle. */
export function daveBinaryEvent(opcode: number, payload: Uint8Array): VoiceEvent | null {
  // Copied: the WebSocket's buffer may be reused, and the machine handles the event later.
  const own = Uint8Array.from(payload);
  switch (opcode) {
    case Number(VoiceOpcodes.DaveMlsExternalSender):
      return { type: 'dave.externalSender', payload: own };
    case Number(VoiceOpcodes.DaveMlsProposals):
      if (own.length < 2) throw new VoiceFrameError('DAVE proposals (op 27) without a body');
      return { type: 'dave.proposals', payload: own };
    case Number(VoiceOpcodes.DaveMlsAnnounceCommitTransition): {
      const { transitionId, rest } = withTransitionId('DAVE commit (op 29)', own);
      return { type: 'dave.commit', transitionId, payload: rest };
    }
    case Number(VoiceOpcodes.DaveMlsWelcome): {
      const { transitionId, rest } = withTransitionId('DAVE welcome (op 30)', own);
      return { type: 'dave.welcome', transitionId, payload: rest };
    }
    default:
      return null;
  }
}

/** A JSON DAVE op as a machine event (ops 21, 22, 24). */
export function daveJsonEvent(opcode: number, d: unknown): VoiceEvent {
  if (!isRecord(d)) throw new VoiceFrameError(`DAVE op ${opcode} without a payload`);
  const transitionId = d['transition_id'];
  const version = d['protocol_version'];
  switch (opcode) {
    case Number(VoiceOpcodes.DavePrepareTransition):
      if (!isU16(transitionId) || !isU16(version))
        throw new VoiceFrameError('op 21 without transition_id/protocol_version');
      return { type: 'dave.prepareTransition', transitionId, version };
    case Number(VoiceOpcodes.DaveExecuteTransition):
      if (!isU16(transitionId)) throw new VoiceFrameError('op 22 without transition_id');
      return { type: 'dave.executeTransition', transitionId };
    default: {
      const epoch = d['epoch'];
      if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0 || !isU16(version)) {
        throw new VoiceFrameError('op 24 without epoch/protocol_version');
      }
      return { type: 'dave.prepareEpoch', epoch, version };
    }
  }
}

/** The hooks the voice socket calls for DAVE: frames become machine events, the writer goes to the session. */
export function createDaveHooks(session: { writer: VoiceDaveWriter | null }): VoiceDaveHooks {
  return {
    binary(opcode, payload, sendBack) {
      const event = daveBinaryEvent(opcode, payload);
      if (event !== null) sendBack(event);
    },
    json(opcode, data, sendBack) {
      sendBack(daveJsonEvent(opcode, data));
    },
    attach(writer) {
      session.writer = writer;
    },
  };
}
