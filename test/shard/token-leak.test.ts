import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GatewayIntentBits, PresenceUpdateStatus } from 'discord-api-types/v10';
import type { InspectionEvent } from 'xstate';
import type { Shard } from '../../src/shard/index.js';
import { TOKEN, nextEvent, shardDefaults, useShardRigs, waitForGateway } from './harness.js';
import type { Rig } from './harness.js';

const { rig, readyRig } = useShardRigs();

const WRONG_TOKEN = 'MTk4NjIy.wrong-but-still-secret.do-not-print-9c1e';

/** JSON of anything: survives cycles, shows errors (message, stack, cause), maps and sets. */
function serialize(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return item.toString();
    if (typeof item === 'function') return `[function ${item.name}]`;
    if (typeof item !== 'object' || item === null) return item;
    if (seen.has(item)) return '[seen]';
    seen.add(item);
    if (item instanceof Error) {
      return { ...item, name: item.name, message: item.message, stack: item.stack, cause: item.cause };
    }
    if (item instanceof Map) return { map: [...item.entries()] };
    if (item instanceof Set) return { set: [...item.values()] };
    return item;
  });
}

/**
 * Every string reachable from `root` through own properties (enumerable or not, symbol keys too, but
 * no getters), array items, map and set entries, and the bytes of buffers: what a user can get at
 * from an object, even where `toJSON` or `util.inspect` would hide it (xstate actors have a toJSON).
 */
function reachableStrings(root: unknown): string[] {
  const strings: string[] = [];
  const seen = new WeakSet<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      strings.push(item);
      continue;
    }
    if ((typeof item !== 'object' && typeof item !== 'function') || item === null) continue;
    if (seen.has(item)) continue;
    seen.add(item);
    if (ArrayBuffer.isView(item)) {
      strings.push(Buffer.from(item.buffer, item.byteOffset, item.byteLength).toString('utf8'));
      continue;
    }
    if (item instanceof Map) for (const [key, value] of item) stack.push(key, value);
    if (item instanceof Set) for (const value of item) stack.push(value);
    if (item instanceof WeakMap || item instanceof WeakSet) continue;
    for (const key of Reflect.ownKeys(item)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(item, key);
      if (descriptor !== undefined && 'value' in descriptor) stack.push(descriptor.value);
    }
  }
  return strings;
}

/** Everything a shard exposes, gathered while it runs. */
class Exposure {
  readonly collected: unknown[] = [];

  /** Every event of the shard and of shard.gateway. */
  watch(shard: Shard): void {
    for (const type of [
      'connected',
      'reconnected',
      'sessionLost',
      'failure',
      'stateChange',
      'warning',
    ] as const) {
      shard.on(type, (payload) => this.collected.push({ type, payload }));
    }
    shard.gateway.on('dispatch', (payload) => this.collected.push(payload));
  }

  /** The shard's public surface right now. */
  capture(shard: Shard): void {
    this.collected.push(
      JSON.stringify(shard.snapshot),
      shard.snapshot,
      shard.session,
      shard.failure,
      shard.stateValue,
      inspect(shard, { depth: 10 }),
      inspect(shard.gateway, { depth: 10 }),
    );
  }

  error(error: unknown): void {
    this.collected.push(error, String(error), inspect(error, { depth: 10 }));
    if (error instanceof Error) this.collected.push(error.message, error.stack);
  }

  /** `visible`: strings that must be found (the search does see what the shard exposed). */
  expectNoneContains(secrets: readonly string[], visible: readonly string[]): void {
    const text = serialize(this.collected);
    for (const value of visible) expect(text).toContain(value);
    for (const secret of secrets) expect(text).not.toContain(secret);
    const strings = reachableStrings(this.collected);
    for (const secret of secrets) expect(strings.filter((string) => string.includes(secret))).toEqual([]);
  }
}

async function resumeAfterDrop(r: Rig): Promise<void> {
  const reconnected = nextEvent(r.shard, 'reconnected');
  r.connection.terminate();
  await reconnected;
}

describe('the token never leaks', () => {
  it('through events, warnings, errors, the snapshot, the session, inspection events or util.inspect', async () => {
    const exposure = new Exposure();
    const inspection: InspectionEvent[] = [];
    const r = await rig({ shard: { inspect: (event) => inspection.push(event) } });
    exposure.watch(r.shard);
    await r.shard.start();
    exposure.capture(r.shard);
    await r.sendAndReceive(2);

    await resumeAfterDrop(r);
    exposure.capture(r.shard);

    // op 9 true: a resume; then 4009: the session is lost and the shard identifies again.
    const resumed = nextEvent(r.shard, 'reconnected');
    r.connection.invalidateSession(true);
    await resumed;
    const identified = nextEvent(r.shard, 'reconnected');
    r.connection.close(4009);
    await identified;
    exposure.capture(r.shard);

    // A decode error (warning with a cause) and a refused command.
    const warning = nextEvent(r.shard, 'warning');
    r.connection.sendRaw(Buffer.from([1, 2, 3, 0, 0, 0xff, 0xff]), { bypassCompression: true });
    await warning;
    await r.shard.gateway
      .updateStatus({
        since: null,
        activities: [{ name: 'x'.repeat(5_000), type: 0 }],
        status: PresenceUpdateStatus.Online,
        afk: false,
      })
      .catch((error: unknown) => exposure.error(error));

    await r.shard.stop({ resumable: true });
    exposure.capture(r.shard);
    exposure.collected.push(inspection);

    expect(inspection.length).toBeGreaterThan(50);
    expect(r.eventsOf('warning')).toHaveLength(1);
    const sessionIds = r.eventsOf('sessionLost').map((lost) => lost.sessionId);
    exposure.expectNoneContains([TOKEN], [...sessionIds, r.sessionId, 'payload is', 'STATECORD_ERR_DECODE']);
  });

  it('through a fatal failure, with the right token or a wrong one', async () => {
    const exposure = new Exposure();
    const inspection: InspectionEvent[] = [];
    const onInspect = (event: InspectionEvent) => inspection.push(event);

    // A wrong token: 4004.
    const wrong = await rig({ shard: { token: WRONG_TOKEN, inspect: onInspect } });
    exposure.watch(wrong.shard);
    await wrong.shard.start().catch((error: unknown) => exposure.error(error));
    exposure.capture(wrong.shard);

    // The right token, refused intents: 4014.
    const gated = await rig(
      { shard: { intents: GatewayIntentBits.GuildPresences, inspect: onInspect } },
      wrong,
    );
    exposure.watch(gated.shard);
    await gated.shard.start().catch((error: unknown) => exposure.error(error));
    exposure.capture(gated.shard);
    exposure.error(gated.shard.failure);
    exposure.collected.push(inspection);

    expect(wrong.shard.state).toBe('failed');
    expect(gated.shard.state).toBe('failed');
    exposure.expectNoneContains(
      [TOKEN, WRONG_TOKEN],
      ['STATECORD_ERR_AUTHENTICATION_FAILED', 'DisallowedIntents'],
    );
  });

  it('through a shard that resumes a handed-over session', async () => {
    const exposure = new Exposure();
    const first = await readyRig();
    await first.shard.stop({ resumable: true });
    const closed = waitForGateway(first.gateway, 'resumed');

    const inspection: InspectionEvent[] = [];
    const second = await rig(
      {
        shard: {
          ...shardDefaults(first.gateway),
          session: first.shard.session,
          inspect: (e) => inspection.push(e),
        },
      },
      first,
    );
    exposure.watch(second.shard);
    await second.shard.start();
    await closed;
    exposure.capture(second.shard);
    exposure.collected.push(inspection);

    exposure.expectNoneContains([TOKEN], [second.sessionId, 'RESUMED']);
  });
});
