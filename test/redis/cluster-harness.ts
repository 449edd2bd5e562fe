/**
 * Harness of the `ShardCluster` process tests (and of `scripts/cluster-sim.ts`): bot processes running
 * `fixtures/cluster-bot.ts`, a stream of numbered dispatches from the FakeGateway, a consumer that
 * deduplicates by `(sessionId, seq)`, and a sampler that watches the gateway for two live sessions
 * of one shard.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import type { FakeGateway } from '../../src/testing/index.js';
import type { ClusterBotArgs, ClusterBotReport } from './fixtures/cluster-bot.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'cluster-bot.ts');

/** What every bot of one cluster shares. */
export type ClusterSetup = Omit<ClusterBotArgs, 'memberId' | 'skewMs'>;

/** Dispatches seen by every bot, deduplicated by `(sessionId, seq)`. */
export class Consumer {
  /** Every `(sessionId, seq)` seen, with how often. */
  readonly seen = new Map<string, number>();
  raw = 0;

  add(sid: string, s: number): void {
    this.raw += 1;
    const key = `${sid}:${s}`;
    this.seen.set(key, (this.seen.get(key) ?? 0) + 1);
  }

  /** Raw dispatches dropped by the deduplication (replays of what was already seen). */
  get duplicatesDropped(): number {
    return this.raw - this.seen.size;
  }
}

/** A bot process; its reports are kept. */
export class ClusterBot {
  readonly reports: ClusterBotReport[] = [];
  readonly memberId: string;
  readonly #child: ChildProcess;
  stderr = '';
  exited = false;

  constructor(setup: ClusterSetup, memberId: string, consumer: Consumer, skewMs?: number) {
    this.memberId = memberId;
    const args: ClusterBotArgs = { ...setup, memberId, ...(skewMs === undefined ? {} : { skewMs }) };
    this.#child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(args)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.once('exit', () => (this.exited = true));
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      let report: ClusterBotReport;
      try {
        report = JSON.parse(line) as ClusterBotReport;
      } catch {
        this.stderr += `(stdout) ${line}\n`;
        return;
      }
      if (report.k === 'd') consumer.add(report.sid, report.s);
      else this.reports.push(report);
    });
    this.#child.stderr!.on(
      'data',
      (chunk: Buffer) => (this.stderr = (this.stderr + String(chunk)).slice(-4000)),
    );
  }

  /** The error it reported, if any. */
  get error(): string | null {
    const line = this.reports.find((report) => report.k === 'error');
    return line === undefined ? null : `${JSON.stringify(line)}\n${this.stderr}`;
  }

  /** Reports of one kind (`acquired`, `ready`, `takenOver`, `released`), after `since` (ms). */
  events(kind: 'acquired' | 'ready' | 'takenOver' | 'released', since = 0): { id: number; at: number }[] {
    return this.reports.flatMap((report) =>
      report.k === kind && report.at >= since ? [{ id: report.id, at: report.at }] : [],
    );
  }

  /** The shards it holds now (acquired and not taken over nor released). */
  get owned(): Set<number> {
    const owned = new Set<number>();
    for (const report of this.reports) {
      if (report.k === 'acquired') owned.add(report.id);
      if (report.k === 'takenOver' || report.k === 'released') owned.delete(report.id);
    }
    return owned;
  }

  /** Whether it reported `kind` (`loaded`, `started`). */
  has(kind: 'loaded' | 'started'): boolean {
    return this.reports.some((report) => report.k === kind);
  }

  /** Lets a bot started with `waitForGo` join the cluster. */
  go(): void {
    this.#child.stdin!.write('go\n');
  }

  /** Whether every shard it holds was ready since it last acquired it. */
  get allOwnedReady(): boolean {
    return [...this.owned].every((id) => {
      const acquired =
        this.events('acquired')
          .filter((event) => event.id === id)
          .at(-1)?.at ?? 0;
      return this.events('ready', acquired).some((event) => event.id === id);
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.exited) this.#child.kill(signal);
  }

  kill(): void {
    this.signal('SIGKILL');
  }
}

/** Numbered TYPING_STARTs to every shard, every `everyMs`; keeps what the gateway sent to whom. */
export class Dispatcher {
  /** Every `(sessionId, seq)` the gateway sent (delivered, or buffered for a resume). */
  readonly sent = new Set<string>();
  /**
   * Per dispatch call, the `(sessionId, seq)` of each copy: a shard may have two sessions for a while
   * (one nobody holds any more, until it expires), and the gateway sends the event to both.
   */
  readonly events: string[][] = [];
  /** Per shard, how many dispatches it was sent. */
  readonly perShard = new Map<number, number>();
  #timer: NodeJS.Timeout | null = null;
  #n = 0;

  constructor(
    readonly gateway: FakeGateway,
    readonly shardCount: number,
  ) {}

  start(everyMs: number): void {
    this.#timer = setInterval(() => {
      for (let shardId = 0; shardId < this.shardCount; shardId += 1) {
        this.#n += 1;
        const records = this.gateway.dispatch(
          GatewayDispatchEvents.TypingStart,
          { channel_id: '1', user_id: String(this.#n), timestamp: this.#n },
          { shardId },
        );
        const copies = records.map((record) => `${record.sessionId}:${record.s}`);
        for (const copy of copies) this.sent.add(copy);
        if (copies.length > 0) this.events.push(copies);
        this.perShard.set(shardId, (this.perShard.get(shardId) ?? 0) + 1);
      }
    }, everyMs);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Dispatches of which the consumer saw no copy. */
  lost(consumer: Consumer): number {
    return this.events.filter((copies) => !copies.some((copy) => consumer.seen.has(copy))).length;
  }

  /** Copies never seen (a lost dispatch, or a copy sent to a session nobody holds). */
  unseenCopies(consumer: Consumer): number {
    let unseen = 0;
    for (const key of this.sent) if (!consumer.seen.has(key)) unseen += 1;
    return unseen;
  }

  /** Seen by the consumer but never sent (must be 0: nothing is made up). */
  unknown(consumer: Consumer): number {
    let unknown = 0;
    for (const key of consumer.seen.keys()) if (!this.sent.has(key)) unknown += 1;
    return unknown;
  }
}

/**
 * Watches the gateway every few ms: per shard, the longest stretch during which two or more
 * connections were open and authenticated for that shard (two processes running its session).
 */
export class OverlapSampler {
  /** Per shard, the longest overlap seen (ms). */
  readonly longest = new Map<number, number>();
  readonly #since = new Map<number, number>();
  #timer: NodeJS.Timeout | null = null;

  constructor(readonly gateway: FakeGateway) {}

  start(everyMs = 5): void {
    this.#timer = setInterval(() => this.#sample(), everyMs);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#sample();
  }

  /** The longest overlap of any shard (ms). */
  get worst(): number {
    return Math.max(0, ...this.longest.values());
  }

  #sample(): void {
    const now = Date.now();
    const open = new Map<number, number>();
    for (const connection of this.gateway.connections) {
      if (!connection.open || connection.shardId === null) continue;
      open.set(connection.shardId, (open.get(connection.shardId) ?? 0) + 1);
    }
    for (const [shardId, since] of this.#since) {
      if ((open.get(shardId) ?? 0) < 2) this.#since.delete(shardId);
      this.longest.set(shardId, Math.max(this.longest.get(shardId) ?? 0, now - since));
    }
    for (const [shardId, count] of open) {
      if (count >= 2 && !this.#since.has(shardId)) this.#since.set(shardId, now);
    }
  }
}
