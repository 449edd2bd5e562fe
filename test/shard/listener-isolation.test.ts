import { afterAll, describe, expect, it } from 'vitest';
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { countProcessErrors } from '../reliability/helpers.js';
import { nextEvent, useShardRigs } from './harness.js';

const { rig, readyRig } = useShardRigs();
const processErrors = countProcessErrors();
afterAll(() => processErrors.dispose());

const fail = (): never => {
  throw new Error('bot bug');
};
const rejectLater = async (): Promise<never> => {
  await Promise.resolve();
  throw new Error('async bot bug');
};

// Regression: a throwing listener stopped every listener after it on the same event (Node's
// EventEmitter), and a rejecting async listener was an unhandled rejection that crashed the process.
describe("a user's listener cannot starve its neighbours or crash the process", () => {
  it('a second MESSAGE_CREATE listener runs after the first throws', async () => {
    const r = await readyRig();
    let second = 0;
    r.shard.gateway.on(GatewayDispatchEvents.MessageCreate, fail);
    r.shard.gateway.on(GatewayDispatchEvents.MessageCreate, () => (second += 1));
    await r.sendAndReceive(2);
    expect(second).toBe(2);
    r.expectDeliveredExactlyOnce();
  });

  it('a second reconnected listener runs after the first throws', async () => {
    const r = await readyRig();
    let second = 0;
    r.shard.on('reconnected', fail);
    r.shard.on('reconnected', () => (second += 1));
    const reconnected = nextEvent(r.shard, 'reconnected');
    r.connection.close(4000);
    await reconnected;
    expect(second).toBe(1);
  });

  it('a second stateChange listener sees every change although the first throws', async () => {
    const r = await rig();
    const seen: string[] = [];
    r.shard.on('stateChange', fail);
    r.shard.on('stateChange', ({ to }) => seen.push(to));
    await r.shard.start();
    expect(seen).toEqual(['connecting', 'identifying', 'ready']);
  });

  it('a second failure listener runs after the first throws', async () => {
    // GUILD_MEMBERS is privileged and the fake application is not allowed it: close 4014.
    const r = await rig({ shard: { intents: 1 << 1 } });
    let second = 0;
    r.shard.on('failure', fail);
    r.shard.on('failure', () => (second += 1));
    await expect(r.shard.start()).rejects.toMatchObject({ reason: 'DisallowedIntents' });
    expect(second).toBe(1);
  });

  it('a rejecting async listener becomes a warning naming the event, not an unhandled rejection', async () => {
    const r = await readyRig();
    r.shard.gateway.on(GatewayDispatchEvents.MessageCreate, rejectLater);
    const warning = nextEvent(r.shard, 'warning');
    await r.sendAndReceive(1);
    expect(await warning).toMatchObject({
      error: { code: 'STATECORD_ERR_LISTENER', event: 'MESSAGE_CREATE', cause: { message: 'async bot bug' } },
    });
    expect(processErrors.rejections).toEqual([]);
    expect(processErrors.exceptions).toEqual([]);
  });

  it('a throwing warning listener does not take the shard down, nor starve the warning listener after it', async () => {
    const r = await readyRig();
    let second = 0;
    r.shard.on('warning', fail);
    r.shard.on('warning', () => (second += 1));
    r.shard.gateway.on(GatewayDispatchEvents.MessageCreate, fail);
    await r.sendAndReceive(2);
    expect(second).toBe(2);
    expect(r.shard.state).toBe('ready');
    r.expectDeliveredExactlyOnce();
    expect(processErrors.exceptions).toEqual([]);
  });
});
