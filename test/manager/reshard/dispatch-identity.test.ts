import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  dispatchIdentity,
  hasIdentityFields,
  isSessionDispatch,
} from '../../../src/manager/reshard/dispatch-identity.js';

function dispatch(t: string, d: unknown): GatewayDispatchPayload {
  return { op: 0, t, s: 1, d } as unknown as GatewayDispatchPayload;
}

/** One row per rule of docs/protocol/resharding.md §3: the type, a payload, and its identity. */
const rules: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
  ['MESSAGE_CREATE', { id: '10', channel_id: '1', content: 'x' }, 'MESSAGE_CREATE 10'],
  ['MESSAGE_DELETE', { id: '10', channel_id: '1' }, 'MESSAGE_DELETE 10'],
  ['MESSAGE_DELETE_BULK', { ids: ['3', '2'], channel_id: '1' }, 'MESSAGE_DELETE_BULK 1 2,3'],
  ['INTERACTION_CREATE', { id: '11', type: 2 }, 'INTERACTION_CREATE 11'],
  ['TYPING_START', { channel_id: '1', user_id: '2', timestamp: 1700000000 }, 'TYPING_START 1 2 1700000000'],
  [
    'GUILD_MEMBER_ADD',
    { guild_id: '1', user: { id: '2' }, joined_at: '2026-01-01T00:00:00Z' },
    'GUILD_MEMBER_ADD 1 2 2026-01-01T00:00:00Z',
  ],
  ['CHANNEL_CREATE', { id: '4', type: 0 }, 'CHANNEL_CREATE 4'],
  ['GUILD_ROLE_CREATE', { guild_id: '1', role: { id: '9' } }, 'GUILD_ROLE_CREATE 1 9'],
  ['GUILD_ROLE_DELETE', { guild_id: '1', role_id: '9' }, 'GUILD_ROLE_DELETE 1 9'],
  ['INVITE_CREATE', { code: 'abc', created_at: 't' }, 'INVITE_CREATE abc t'],
];

describe('dispatch identity', () => {
  it.for(rules)('%s is identified by its identity fields', ([type, d, identity]) => {
    expect(hasIdentityFields(type)).toBe(true);
    expect(dispatchIdentity(dispatch(type, d))).toBe(identity);
  });

  it('a MESSAGE_CREATE’s identity ignores fields other than its id', () => {
    const a = dispatch('MESSAGE_CREATE', { id: '10', content: 'x' });
    const b = dispatch('MESSAGE_CREATE', { id: '10', content: 'x', member: { nick: 'n' } });
    expect(dispatchIdentity(a)).toBe(dispatchIdentity(b));
  });

  it.for([
    'MESSAGE_UPDATE',
    'PRESENCE_UPDATE',
    'GUILD_MEMBER_UPDATE',
    'MESSAGE_REACTION_ADD',
    'VOICE_STATE_UPDATE',
  ])('%s has no identity fields: its whole payload, keys sorted, is its identity', (type) => {
    expect(hasIdentityFields(type)).toBe(false);
    const d = { b: 1, a: { d: [2, { f: 3, e: 4 }], c: null } };
    expect(dispatchIdentity(dispatch(type, d))).toBe(`${type} {"a":{"c":null,"d":[2,{"e":4,"f":3}]},"b":1}`);
  });

  it('canonical JSON sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ z: [3, 1], a: { y: 1, x: 2 } })).toBe('{"a":{"x":2,"y":1},"z":[3,1]}');
  });

  it('READY and RESUMED belong to one session; other types are the bot’s events', () => {
    expect(['READY', 'RESUMED', 'GUILD_CREATE', 'MESSAGE_CREATE'].map(isSessionDispatch)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
