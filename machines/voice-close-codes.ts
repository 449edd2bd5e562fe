/**
 * What a voice connection does when its voice WebSocket closes: one row per close code of Discord's
 * "Voice Close Event Codes" table (docs/protocol/voice.md §2.5), read by one guard of the voice machine
 * and rendered into `diagrams/voice.md`. A test checks it covers every `VoiceCloseCodes` member of
 * discord-api-types.
 *
 * - `resume`: the voice session survives; reconnect to the same endpoint and RESUME (op 7).
 * - `rejoin`: the voice session is gone; ask the main gateway again (op 4), which answers with a new
 *   token (and maybe a new endpoint), then identify afresh.
 * - `fail`: retrying cannot help (a client bug, or Discord said not to reconnect): the connection is
 *   `disconnected` with the reason, until the user rejoins or a VOICE_SERVER_UPDATE says otherwise.
 */

/** Why a voice connection stopped for good on a close code. */
export type VoiceFailureReason =
  'ProtocolError' | 'Disconnected' | 'E2EERequired' | 'RateLimited' | 'CallTerminated';

/** The outcome of a voice close. */
export type VoiceCloseOutcome =
  | {
      /** Reconnect and resume the session. */
      readonly action: 'resume';
    }
  | {
      /** Give up the voice session and rejoin with op 4. */
      readonly action: 'rejoin';
    }
  | {
      /** Stop for good. */
      readonly action: 'fail';
      /** The failure reason reported. */
      readonly reason: VoiceFailureReason;
    };

/** A row of the table: the code, Discord's name for it, what we do, and why. */
export interface VoiceCloseCodeRule {
  /** The voice close code. */
  readonly code: number;
  /** Discord's name for it. */
  readonly name: string;
  /** What we do after it. */
  readonly outcome: VoiceCloseOutcome;
  /** Why, citing Discord's docs or observed behaviour. */
  readonly why: string;
}

const resume = { action: 'resume' } as const;
const rejoin = { action: 'rejoin' } as const;
const fail = (reason: VoiceFailureReason): VoiceCloseOutcome => ({ action: 'fail', reason });

/** Every voice close code Discord documents (4001–4022). */
export const voiceCloseCodeRules: readonly VoiceCloseCodeRule[] = [
  {
    code: 4001,
    name: 'UnknownOpcode',
    outcome: rejoin,
    why: 'We sent an opcode the server does not know; a fresh session may not repeat it.',
  },
  {
    code: 4002,
    name: 'FailedToDecode',
    outcome: fail('ProtocolError'),
    why: 'We sent a payload the server cannot decode: a bug that a retry would repeat.',
  },
  {
    code: 4003,
    name: 'NotAuthenticated',
    outcome: rejoin,
    why: 'A payload before Identify: the session is not established; start over.',
  },
  {
    code: 4004,
    name: 'AuthenticationFailed',
    outcome: rejoin,
    why: 'The voice token was refused: ask the gateway for a new one (op 4).',
  },
  {
    code: 4005,
    name: 'AlreadyAuthenticated',
    outcome: fail('ProtocolError'),
    why: 'We identified twice on one socket: a bug that a retry would repeat.',
  },
  {
    code: 4006,
    name: 'SessionNoLongerValid',
    outcome: rejoin,
    why: 'The voice session is gone (also: a RESUME the server cannot replay): rejoin.',
  },
  {
    code: 4009,
    name: 'SessionTimeout',
    outcome: rejoin,
    why: 'The voice session timed out: rejoin.',
  },
  {
    code: 4011,
    name: 'ServerNotFound',
    outcome: rejoin,
    why: 'The voice server is unknown: the gateway will hand out another.',
  },
  {
    code: 4012,
    name: 'UnknownProtocol',
    outcome: fail('ProtocolError'),
    why: 'Select Protocol named a protocol the server does not know: a bug.',
  },
  {
    code: 4014,
    name: 'Disconnected',
    outcome: fail('Disconnected'),
    why: 'Kicked, the channel was deleted, or the main gateway session dropped: Discord says not to reconnect (a re-identified shard rejoins by itself).',
  },
  {
    code: 4015,
    name: 'VoiceServerCrashed',
    outcome: resume,
    why: 'The voice server crashed: Discord says to try resuming.',
  },
  {
    code: 4016,
    name: 'UnknownEncryptionMode',
    outcome: fail('ProtocolError'),
    why: 'We chose an encryption mode the server does not offer: a bug.',
  },
  {
    code: 4017,
    name: 'EndToEndEncryptionDAVEProtocolRequired',
    outcome: fail('E2EERequired'),
    why: 'The channel requires DAVE end-to-end encryption, which this connection did not offer.',
  },
  {
    code: 4020,
    name: 'BadRequest',
    outcome: fail('ProtocolError'),
    why: 'The server refused a malformed request: a bug.',
  },
  {
    code: 4021,
    name: 'RateLimited',
    outcome: fail('RateLimited'),
    why: 'Disconnected for sending too much: Discord says not to reconnect.',
  },
  {
    code: 4022,
    name: 'CallTerminated',
    outcome: fail('CallTerminated'),
    why: 'The call ended (channel deleted, voice server changed): reconnect only on a new VOICE_SERVER_UPDATE.',
  },
];

/**
 * The rule for every other close: below 4000 (1000/1001 from the server, 1005, 1006 for a TCP drop
 * without a close frame, 1011) the voice session survives; resume (docs/protocol/voice.md §2.5).
 * An unknown 4xxx code is treated as a lost session: rejoin.
 */
export function defaultVoiceCloseOutcome(code: number): VoiceCloseOutcome {
  return code < 4000 ? resume : rejoin;
}

const byCode = new Map<number, VoiceCloseOutcome>(
  voiceCloseCodeRules.map((rule) => [rule.code, rule.outcome]),
);

/** The outcome for a voice close code (see {@link voiceCloseCodeRules}). */
export function voiceCloseOutcome(code: number): VoiceCloseOutcome {
  return byCode.get(code) ?? defaultVoiceCloseOutcome(code);
}
