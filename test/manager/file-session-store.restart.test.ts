import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import { afterEach, expect, it } from 'vitest';
import type { ShardSession } from '../../src/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import type { DispatchRecord } from '../../src/testing/index.js';
import type { BotArgs, BotReport } from './fixtures/file-store-bot.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'file-store-bot.ts');
const SHARDS = [0, 1] as const;
const GUILD_ID = '81384788765712384';
/** Generous: a child starts tsx and a manager on a shared, loaded machine. */
const WAIT_MS = 60_000;

/** A bot process: its stdout reports, waited on by predicate; SIGKILLed by `kill()` or the cleanup. */
class BotProcess {
  readonly reports: BotReport[] = [];
  readonly exited: Promise<void>;
  readonly #child: ChildProcess;
  readonly #waiters = new Set<() => void>();
  #stderr = '';
  #exit: string | null = null;

  constructor(args: BotArgs) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(args)], {
      cwd: ROOT,
      // stdin stays open: the bot exits when it closes, so no bot outlives this test process.
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      try {
        this.reports.push(JSON.parse(line) as BotReport);
      } catch {
        this.#stderr += `(stdout) ${line}\n`;
      }
      this.#wake();
    });
    this.#child.stderr!.on(
      'data',
      (chunk: Buffer) => (this.#stderr = (this.#stderr + String(chunk)).slice(-4000)),
    );
    this.exited = new Promise((resolve) =>
      this.#child.once('exit', (code, signal) => {
        this.#exit = `code ${code}, signal ${signal}`;
        this.#wake();
        resolve();
      }),
    );
  }

  /** Resolves once `done()` holds (checked on every report); rejects on timeout or exit. */
  async until(what: string, done: () => boolean): Promise<void> {
    const failure = () => new Error(`bot: ${what} (exit: ${this.#exit ?? 'running'})\n${this.describe()}`);
    if (done()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(failure());
      }, WAIT_MS);
      const check = () => {
        if (!done() && this.#exit === null) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        if (done()) resolve();
        else reject(failure());
      };
      this.#waiters.add(check);
    });
  }

  /** The `s` of every MESSAGE_CREATE the bot got on a shard, in arrival order. */
  messages(shard: number): number[] {
    return this.reports.flatMap((r) =>
      r.kind === 'dispatch' && r.shard === shard && r.t === 'MESSAGE_CREATE' ? [r.s] : [],
    );
  }

  async kill(): Promise<void> {
    if (this.#exit === null) this.#child.kill('SIGKILL');
    await this.exited;
  }

  describe(): string {
    const warnings = this.reports.filter((r) => r.kind === 'warning' || r.kind === 'error');
    return `reports: ${this.reports.length}, warnings/errors: ${JSON.stringify(warnings)}\nstderr: ${this.#stderr}`;
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('a bot SIGKILLed and started again on the same file resumes every shard (RESUME, no IDENTIFY) and gets every dispatch after the saved sequence exactly once, in order', async () => {
  const gateway = await FakeGateway.start({
    identifyIntervalMs: 50,
    heartbeatIntervalMs: 10_000,
    guilds: [],
  });
  cleanups.push(() => gateway.close());
  const directory = await mkdtemp(join(tmpdir(), 'statecord-restart-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  const storePath = join(directory, 'sessions.json');
  const args: BotArgs = {
    token: gateway.options.token,
    gatewayUrl: gateway.url,
    restUrl: gateway.restUrl,
    storePath,
    shards: SHARDS.length,
    identifyIntervalMs: 50,
    // Short, but long enough that the dispatches sent just before the kill are usually not saved yet.
    sessionSaveIntervalMs: 500,
  };
  const start = (): BotProcess => {
    const bot = new BotProcess(args);
    cleanups.push(() => bot.kill());
    return bot;
  };

  // Every MESSAGE_CREATE sent, per shard, with the `s` its session gave it.
  const sent = new Map<number, DispatchRecord[]>(SHARDS.map((shard) => [shard, []]));
  let counter = 0;
  const dispatchRound = (perShard: number): DispatchRecord[] =>
    Array.from({ length: perShard }).flatMap(() =>
      SHARDS.map((shardId) => {
        counter += 1;
        const data = { id: String(counter), channel_id: '1', guild_id: GUILD_ID, content: `#${counter}` };
        const records = gateway.dispatch(GatewayDispatchEvents.MessageCreate, data, { shardId });
        expect(records).toHaveLength(1);
        sent.get(shardId)!.push(records[0]!);
        return records[0]!;
      }),
    );
  const lastSent = (shard: number) => sent.get(shard)!.at(-1)!.s;
  const receivedAll = (bot: BotProcess) => () =>
    SHARDS.every((shard) => bot.messages(shard).includes(lastSent(shard)));

  // 1. The first bot identifies, gets some dispatches, and the file holds sessions with a sequence.
  const first = start();
  await first.until('every shard ready', () => first.reports.some((r) => r.kind === 'ready'));
  dispatchRound(5);
  await first.until('the first 5 dispatches of each shard', receivedAll(first));
  await first.until('a save of each shard at or past its 5th dispatch', () =>
    SHARDS.every((shard) =>
      first.reports.some(
        (r) => r.kind === 'saved' && r.shard === shard && (r.sequence ?? 0) >= lastSent(shard),
      ),
    ),
  );
  const savedEarly = await readSessions(storePath);
  for (const shard of SHARDS)
    expect(savedEarly[shard]!.sequence).toBeGreaterThanOrEqual(sent.get(shard)![4]!.s);

  // 2. More dispatches reach the first bot (probably after its last save), then it is SIGKILLed.
  dispatchRound(3);
  await first.until('the next 3 dispatches of each shard', receivedAll(first));
  for (const shard of SHARDS)
    expect(first.messages(shard)).toEqual(sent.get(shard)!.map((record) => record.s));
  await first.kill();
  while (gateway.sessions.some((session) => session.connected)) {
    await gateway.waitFor('close', undefined, { timeoutMs: WAIT_MS });
  }

  // 3. Dispatches while no bot is connected: the gateway buffers them for the sessions.
  const missed = dispatchRound(4);
  expect(missed.every((record) => !record.delivered)).toBe(true);
  const saved = await readSessions(storePath);
  expect(await readFile(storePath, 'utf8')).not.toContain(gateway.options.token);
  for (const shard of SHARDS) {
    const live = gateway.sessions.find((session) => session.id === saved[shard]!.sessionId);
    expect(live?.shardId).toBe(shard);
  }

  // 4. A second bot on the same file resumes; its connections are the ones opened from here on.
  const identifies = gateway.stats.identifies;
  const secondConnections = new Set<number>();
  const stopWatching = gateway.onConnection((connection) => secondConnections.add(connection.id));
  cleanups.push(() => Promise.resolve(stopWatching()));
  const second = start();
  await second.until('every shard ready', () => second.reports.some((r) => r.kind === 'ready'));
  stopWatching();
  dispatchRound(2);
  await second.until('the dispatches sent after it resumed', receivedAll(second));

  // On the wire: one RESUME per shard, from the file's session and sequence, and no IDENTIFY.
  const frames = gateway.received.filter((frame) => secondConnections.has(frame.connectionId));
  expect(frames.filter((frame) => frame.op === GatewayOpcodes.Identify)).toEqual([]);
  const resumes = frames
    .filter((frame) => frame.op === GatewayOpcodes.Resume)
    .map((frame) => frame.d as { session_id: string; seq: number });
  const bySession = (a: { sessionId: string }, b: { sessionId: string }) =>
    a.sessionId.localeCompare(b.sessionId);
  expect(resumes.map((d) => ({ sessionId: d.session_id, seq: d.seq })).sort(bySession)).toEqual(
    SHARDS.map((shard) => ({ sessionId: saved[shard]!.sessionId, seq: saved[shard]!.sequence })).sort(
      bySession,
    ),
  );
  expect(gateway.stats.identifies).toBe(identifies);
  expect(second.reports.filter((r) => r.kind === 'connected')).toEqual(
    expect.arrayContaining(SHARDS.map((shard) => ({ kind: 'connected', shard, resumed: true }))),
  );

  for (const shard of SHARDS) {
    const savedSequence = saved[shard]!.sequence ?? 0;
    // Nothing after the saved sequence is lost, nothing comes twice, and the order is the gateway's.
    const expected = sent
      .get(shard)!
      .map((record) => record.s)
      .filter((s) => s > savedSequence);
    expect(second.messages(shard)).toEqual(expected);
    // Seen by the first bot but not yet saved when it died: inherent, delivered to both processes.
    const overlap = first.messages(shard).filter((s) => s > savedSequence).length;
    console.info(
      `shard ${shard}: saved sequence ${savedSequence}; after it, ${expected.length} delivered to the second bot, ` +
        `${missed.filter((r) => r.shardId === shard).length} of them sent while no bot was connected; ` +
        `overlap (also delivered to the first bot): ${overlap}`,
    );
  }
}, 240_000);

/** The sessions in the file, by shard id, read straight from its JSON (not through the store). */
async function readSessions(path: string): Promise<Record<number, ShardSession>> {
  const document = JSON.parse(await readFile(path, 'utf8')) as { sessions: Record<string, ShardSession> };
  return document.sessions;
}
