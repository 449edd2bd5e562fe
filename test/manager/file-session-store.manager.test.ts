import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayOpcodes } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSessionStore, SessionStoreCorruptError, ShardManager } from '../../src/index.js';
import type { ShardManagerEvents } from '../../src/index.js';
import { FakeGateway } from '../../src/testing/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh directory under the OS temp dir, removed after the test; returns a file path in it. */
async function tempFile(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'statecord-file-store-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  return join(directory, 'sessions.json');
}

async function readDocument(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

describe('FileSessionStore with a ShardManager', () => {
  async function startGateway(): Promise<FakeGateway> {
    const gateway = await FakeGateway.start({
      heartbeatIntervalMs: 5_000,
      identifyIntervalMs: 50,
      guilds: [],
    });
    cleanups.push(() => gateway.close());
    return gateway;
  }

  function createManager(gateway: FakeGateway, store: FileSessionStore): ShardManager {
    const manager = new ShardManager({
      token: gateway.options.token,
      intents: 1,
      restUrl: gateway.restUrl,
      gatewayUrl: gateway.url,
      identifyIntervalMs: gateway.options.identifyIntervalMs,
      timing: { backoffBaseMs: 20, backoffMaxMs: 100 },
      sessionStore: store,
    });
    cleanups.push(() => manager.stopShards());
    manager.createShards(2);
    return manager;
  }

  const ops = (gateway: FakeGateway) => gateway.received.map((frame) => frame.op);

  it('a resumable stop saves every session; a new manager on the same file resumes them without IDENTIFY', async () => {
    const gateway = await startGateway();
    const path = await tempFile();
    const first = createManager(gateway, new FileSessionStore(path));
    await Promise.all(first.startShards());
    await first.stopShards({ resumable: true });
    const identifies = ops(gateway).filter((op) => op === GatewayOpcodes.Identify).length;
    expect(identifies).toBe(2);

    const second = createManager(gateway, new FileSessionStore(path));
    await Promise.all(second.startShards());
    expect(ops(gateway).filter((op) => op === GatewayOpcodes.Identify)).toHaveLength(identifies);
    expect(ops(gateway).filter((op) => op === GatewayOpcodes.Resume)).toHaveLength(2);
    expect(await readFile(path, 'utf8')).not.toContain(gateway.options.token);
  });

  it('a non-resumable stop removes the sessions from the file', async () => {
    const gateway = await startGateway();
    const path = await tempFile();
    const manager = createManager(gateway, new FileSessionStore(path));
    await Promise.all(manager.startShards());
    await manager.stopShards();
    expect(await readDocument(path)).toEqual({ format: 'statecord.sessions', version: 1, sessions: {} });
  });

  it('a corrupt file: the manager warns with SessionStoreCorruptError, identifies, and leaves the file as it was', async () => {
    const gateway = await startGateway();
    const path = await tempFile();
    await writeFile(path, '{"format": "statecord.sessions", "version": 1, "sessions": {"0": 1}}');
    const manager = createManager(gateway, new FileSessionStore(path));
    const warnings: Array<ShardManagerEvents['warning']> = [];
    manager.on('warning', (warning) => warnings.push(warning));
    // Loads happen before any connection: the warnings by the first IDENTIFY are the loads'.
    let beforeIdentify: Array<number | undefined> = [];
    gateway.once('identify', () => (beforeIdentify = warnings.map((warning) => warning.shard?.id)));
    await Promise.all(manager.startShards());
    expect(manager.shards.map((shard) => shard.state)).toEqual(['ready', 'ready']);
    expect(ops(gateway).filter((op) => op === GatewayOpcodes.Identify)).toHaveLength(2);
    expect(beforeIdentify.sort()).toEqual([0, 1]);
    // Every warning, the loads' and the saves' since READY, is the typed error: nothing else failed.
    for (const { error } of warnings) expect(error).toBeInstanceOf(SessionStoreCorruptError);
    await manager.stopShards({ resumable: true });
    expect(await readFile(path, 'utf8')).toBe(
      '{"format": "statecord.sessions", "version": 1, "sessions": {"0": 1}}',
    );
  });
});
