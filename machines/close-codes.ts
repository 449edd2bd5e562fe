/**
 * What a shard does when its gateway connection closes with a given code: one row per code, read by
 * one guard (`closeIsFatal`, `closeEndsSession`) and rendered into the docs. Codes from Discord's
 * "Gateway Close Event Codes" table (docs/protocol/gateway.md §4).
 */

/** Why a shard ended in `failed`: the fatal gateway close codes, by name. */
export type ShardFailureReason =
  | 'AuthenticationFailed'
  | 'InvalidShard'
  | 'ShardingRequired'
  | 'InvalidApiVersion'
  | 'InvalidIntents'
  | 'DisallowedIntents';

/** The outcome of a close: reconnect and resume the session, reconnect with a new session, or stop for good. */
export type CloseOutcome =
  | {
      /** Reconnect and resume the session. */
      readonly action: 'resume';
    }
  | {
      /** Reconnect and identify a new session. */
      readonly action: 'identify';
    }
  | {
      /** Stop for good. */
      readonly action: 'fail';
      /** The failure reason reported. */
      readonly reason: ShardFailureReason;
    };

/** A row of the table: the code, Discord's name for it, what we do, and why. */
export interface CloseCodeRule {
  /** The gateway close code. */
  readonly code: number;
  /** Discord's name for it. */
  readonly name: string;
  /** What we do after it. */
  readonly outcome: CloseOutcome;
  /** Why, citing Discord's docs or observed behaviour. */
  readonly why: string;
}

const resume = { action: 'resume' } as const;
const identify = { action: 'identify' } as const;
const fail = (reason: ShardFailureReason): CloseOutcome => ({ action: 'fail', reason });

/** Every gateway close code Discord documents (4000–4014), plus the retired 4006. */
export const gatewayCloseCodeRules: readonly CloseCodeRule[] = [
  {
    code: 4000,
    name: 'UnknownError',
    outcome: resume,
    why: 'Discord: "try reconnecting"; the session survives.',
  },
  { code: 4001, name: 'UnknownOpcode', outcome: resume, why: 'We sent a bad opcode; the session survives.' },
  {
    code: 4002,
    name: 'DecodeError',
    outcome: resume,
    why: 'We sent an undecodable or >4096-byte payload; the session survives.',
  },
  {
    code: 4003,
    name: 'NotAuthenticated',
    outcome: identify,
    why: 'Payload before identify, or the session was invalidated: start a new one.',
  },
  {
    code: 4004,
    name: 'AuthenticationFailed',
    outcome: fail('AuthenticationFailed'),
    why: 'The token is wrong; every retry would fail and burn identifies.',
  },
  {
    code: 4005,
    name: 'AlreadyAuthenticated',
    outcome: resume,
    why: 'A second identify; resume if we hold a session, else identify.',
  },
  {
    code: 4006,
    name: 'SessionNoLongerValid',
    outcome: identify,
    why: 'Retired code (no longer documented); if seen, the session is gone.',
  },
  {
    code: 4007,
    name: 'InvalidSeq',
    outcome: identify,
    why: 'The resume sequence was invalid: a new session is needed.',
  },
  {
    code: 4008,
    name: 'RateLimited',
    outcome: resume,
    why: 'Too many sends; the session is not said to be invalid, so try to resume.',
  },
  {
    code: 4009,
    name: 'SessionTimedOut',
    outcome: identify,
    why: 'The session timed out: a new session is needed.',
  },
  {
    code: 4010,
    name: 'InvalidShard',
    outcome: fail('InvalidShard'),
    why: 'The [shard_id, num_shards] pair is invalid for this bot.',
  },
  {
    code: 4011,
    name: 'ShardingRequired',
    outcome: fail('ShardingRequired'),
    why: 'Too many guilds for this shard; the bot must reshard.',
  },
  {
    code: 4012,
    name: 'InvalidAPIVersion',
    outcome: fail('InvalidApiVersion'),
    why: 'The gateway version in the URL is not accepted.',
  },
  {
    code: 4013,
    name: 'InvalidIntents',
    outcome: fail('InvalidIntents'),
    why: 'The intents bitfield is invalid.',
  },
  {
    code: 4014,
    name: 'DisallowedIntents',
    outcome: fail('DisallowedIntents'),
    why: 'A privileged intent is not enabled or approved for the app.',
  },
];

/**
 * The rule for every other close: 1000/1001 sent by the server, 1006 (TCP drop without a close
 * frame), 1011, or an unknown code. Reconnect and try to resume; op 9 says if it is too late.
 */
export const defaultCloseOutcome: CloseOutcome = resume;

const byCode = new Map<number, CloseOutcome>(gatewayCloseCodeRules.map((rule) => [rule.code, rule.outcome]));

/** The outcome for a close code (see {@link gatewayCloseCodeRules}). */
export function closeOutcome(code: number): CloseOutcome {
  return byCode.get(code) ?? defaultCloseOutcome;
}
