import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { OverlapDedupe } from '../../../src/manager/reshard/overlap-dedupe.js';

function dispatch(t: string, d: Record<string, unknown>): GatewayDispatchPayload {
  return { op: 0, t, s: 1, d } as unknown as GatewayDispatchPayload;
}

function dedupe(windowMs = 1_000) {
  let now = 0;
  const instance = new OverlapDedupe({ windowMs, now: () => now });
  return { instance, advance: (ms: number) => (now += ms) };
}

const message = (id: string) => dispatch('MESSAGE_CREATE', { id, channel_id: '1', content: 'hi' });
const reactionAdd = dispatch('MESSAGE_REACTION_ADD', {
  message_id: '5',
  user_id: '7',
  emoji: { id: null, name: '👍' },
});
const reactionRemove = dispatch('MESSAGE_REACTION_REMOVE', {
  message_id: '5',
  user_id: '7',
  emoji: { id: null, name: '👍' },
});

describe('the overlap dedupe', () => {
  it('delivers the first copy of an event and drops the other set’s copy', () => {
    const { instance } = dedupe();
    expect(instance.admit('old', message('1'))).toBe(true);
    expect(instance.admit('new', message('1'))).toBe(false);
    expect(instance.stats).toEqual({ delivered: 1, duplicates: 1 });
  });

  it('delivers whichever set’s copy comes first', () => {
    const { instance } = dedupe();
    expect(instance.admit('new', message('1'))).toBe(true);
    expect(instance.admit('old', message('1'))).toBe(false);
  });

  it('delivers two different events of one set both', () => {
    const { instance } = dedupe();
    expect([instance.admit('old', message('1')), instance.admit('old', message('2'))]).toEqual([true, true]);
  });

  it('matches repeats one to one: add, remove, add on both sets is three deliveries', () => {
    const { instance } = dedupe();
    const old = [reactionAdd, reactionRemove, reactionAdd].map((payload) => instance.admit('old', payload));
    const lagging = [reactionAdd, reactionRemove, reactionAdd].map((payload) =>
      instance.admit('new', payload),
    );
    expect(old).toEqual([true, true, true]);
    expect(lagging).toEqual([false, false, false]);
  });

  it('matches copies of one event whose keys come in another order', () => {
    const { instance } = dedupe();
    const update = dispatch('GUILD_MEMBER_UPDATE', { guild_id: '1', user: { id: '2' }, nick: 'a' });
    const reordered = dispatch('GUILD_MEMBER_UPDATE', { nick: 'a', user: { id: '2' }, guild_id: '1' });
    expect([instance.admit('old', update), instance.admit('new', reordered)]).toEqual([true, false]);
  });

  it('tells two updates of one member apart by their content', () => {
    const { instance } = dedupe();
    const first = dispatch('GUILD_MEMBER_UPDATE', { guild_id: '1', user: { id: '2' }, nick: 'a' });
    const second = dispatch('GUILD_MEMBER_UPDATE', { guild_id: '1', user: { id: '2' }, nick: 'b' });
    expect([instance.admit('old', first), instance.admit('old', second)]).toEqual([true, true]);
    expect([instance.admit('new', first), instance.admit('new', second)]).toEqual([false, false]);
  });

  it('forgets an unmatched copy after the window: a later twin is delivered again (the stated limit)', () => {
    const { instance, advance } = dedupe(1_000);
    instance.admit('old', message('1'));
    advance(1_001);
    expect(instance.admit('new', message('1'))).toBe(true);
    expect(instance.unmatched).toBe(1);
  });

  it('holds only copies younger than the window', () => {
    const { instance, advance } = dedupe(100);
    for (let index = 0; index < 50; index++) {
      instance.admit('old', message(String(index)));
      advance(10);
    }
    expect(instance.unmatched).toBeLessThanOrEqual(11);
  });
});
