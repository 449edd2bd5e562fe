import { GatewayOpcodes } from 'discord-api-types/v10';
import type { Shard } from '../../shard/shard.js';
import type { FakeGateway, FakeGatewayConnection, ReceivedFrame } from '../fake-gateway/index.js';
import type { WaitUntilOptions } from './manager-wait.js';
import { waitUntil } from './manager-wait.js';

/** Of a connection's IDENTIFY or RESUME: the fake holds its answer, the run released it, or it was refused. */
type Answer = 'held' | 'released' | 'refused';

/**
 * The fake gateway as a manager path run sees it: which shard each connection carries (from its
 * IDENTIFY or RESUME), and whether the fake holds its answer (`holdHandshake`), so that a model
 * event about shard N acts on shard N's connection.
 */
export class GatewaySide {
  readonly #gateway: FakeGateway;
  readonly #wait: Pick<WaitUntilOptions, 'timeoutMs' | 'abort'>;
  readonly #shardOf = new Map<number, number>();
  readonly #answers = new Map<number, Answer>();

  constructor(gateway: FakeGateway, wait: Pick<WaitUntilOptions, 'timeoutMs' | 'abort'>) {
    this.#gateway = gateway;
    this.#wait = wait;
    gateway.on('frame', (frame) => this.#onFrame(frame));
    // Emitted right after the frame: an accepted IDENTIFY is held (holdHandshake), a refused one is not.
    gateway.on('identify', ({ connectionId, outcome }) =>
      this.#answers.set(connectionId, outcome === 'ready' ? 'held' : 'refused'),
    );
    gateway.on('resume', ({ connectionId, outcome }) => {
      if (outcome !== 'resumed') this.#answers.set(connectionId, 'refused');
    });
  }

  /** The shard a connection carries, once its IDENTIFY or RESUME arrived. */
  shardOf(connection: FakeGatewayConnection): number | undefined {
    return this.#shardOf.get(connection.id);
  }

  /**
   * The shard's current connection: the newest open one its IDENTIFY or RESUME came on (waits for
   * it). `held`: one whose answer the fake holds; `released`: one whose answer was released.
   */
  async connection(shardId: number, which: 'any' | 'held' | 'released'): Promise<FakeGatewayConnection> {
    let found: FakeGatewayConnection | undefined;
    const current = () =>
      this.#gateway.connections
        .filter((connection) => connection.open && this.#shardOf.get(connection.id) === shardId)
        .at(-1);
    await waitUntil(
      () => {
        found = current();
        return found !== undefined && (which === 'any' || this.#answers.get(found.id) === which);
      },
      `a connection of shard ${shardId} (${which})`,
      this.#wait,
    );
    return found!;
  }

  /** Releases the held READY (or RESUMED) of the shard's connection: the shard becomes ready. */
  async release(shardId: number): Promise<void> {
    const connection = await this.connection(shardId, 'held');
    connection.releaseHandshake();
    this.#answers.set(connection.id, 'released');
  }

  /**
   * Waits until no started shard is about to identify: each is ready, failed, stopped, not started
   * yet, or has its IDENTIFY (or RESUME) on a connection known here, or waits at the identify gate
   * behind a shard of its bucket whose IDENTIFY is unanswered. A 4004 must not overtake an IDENTIFY
   * in flight, or the "no identify after 4004" rule would blame the manager for one sent before the
   * shard could know.
   */
  async settleIdentifies(shards: readonly Shard[], maxConcurrency: number): Promise<void> {
    const value = (shard: Shard) => JSON.stringify(shard.stateValue);
    const sent = (shard: Shard) =>
      value(shard).includes('awaitingReady') || value(shard).includes('resuming');
    const known = (shard: Shard) =>
      this.#gateway.connections.some(
        (connection) => connection.open && this.#shardOf.get(connection.id) === shard.id,
      );
    const settled = (shard: Shard) => {
      if (['ready', 'failed', 'stopped', 'idle'].includes(shard.state)) return true;
      if (sent(shard)) return known(shard);
      const bucket = shard.id % maxConcurrency;
      return (
        value(shard).includes('waitingForSlot') &&
        shards.some((mate) => mate !== shard && mate.id % maxConcurrency === bucket && sent(mate))
      );
    };
    await waitUntil(() => shards.every(settled), 'every shard to have identified, or to wait behind one', {
      ...this.#wait,
      actual: () => shards.map((shard) => `${shard.id}: ${value(shard)}`).join('; '),
    });
  }

  /**
   * Waits until the fake has no open connection but those of the shards `mayStayOpen` spares, and
   * those whose shard is not known.
   */
  async allClosed(mayStayOpen: (shardId: number) => boolean): Promise<void> {
    const open = () =>
      this.#gateway.connections.filter((connection) => {
        const shardId = this.#shardOf.get(connection.id);
        return shardId === undefined || !mayStayOpen(shardId);
      });
    await waitUntil(() => open().length === 0, 'every connection to close', {
      ...this.#wait,
      actual: () =>
        `${open().length} open (shards ${open()
          .map((connection) => this.#shardOf.get(connection.id))
          .join(', ')})`,
    });
  }

  #onFrame(frame: ReceivedFrame): void {
    if (frame.op === GatewayOpcodes.Identify) {
      const shard = (frame.d as { shard?: [number, number] }).shard;
      this.#shardOf.set(frame.connectionId, shard?.[0] ?? 0);
    } else if (frame.op === GatewayOpcodes.Resume) {
      const sessionId = (frame.d as { session_id?: string }).session_id;
      const session = this.#gateway.sessions.find((candidate) => candidate.id === sessionId);
      if (session !== undefined) this.#shardOf.set(frame.connectionId, session.shardId);
      // Held unless the 'resume' event that follows at once says it was refused.
      this.#answers.set(frame.connectionId, 'held');
    }
  }
}
