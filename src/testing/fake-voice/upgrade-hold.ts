/** An upgrade request held by `holdUpgrades`: what to do when it is released or refused. */
interface HeldUpgrade {
  /** Completes the WebSocket handshake. */
  readonly accept: () => void;
  /** Drops the TCP connection without an answer (the client sees the socket fail). */
  readonly drop: () => void;
  /** The client still waits (its TCP connection is open). */
  readonly alive: () => boolean;
}

/**
 * The upgrade requests option `holdUpgrades` holds, oldest first. A request whose client gave up (its
 * TCP connection closed) leaves the queue by itself, so a release always answers a client that waits.
 */
export class UpgradeHold {
  private readonly queue: HeldUpgrade[] = [];

  /** How many requests wait (clients that gave up are not counted). */
  get count(): number {
    return this.queue.filter((upgrade) => upgrade.alive()).length;
  }

  /** Holds a request; `onGone` is to be called by the owner when its socket closes. */
  add(upgrade: HeldUpgrade): () => void {
    this.queue.push(upgrade);
    return () => {
      const index = this.queue.indexOf(upgrade);
      if (index !== -1) this.queue.splice(index, 1);
    };
  }

  /** Completes the oldest held handshake whose client still waits; false when none does. */
  release(): boolean {
    const upgrade = this.next();
    upgrade?.accept();
    return upgrade !== undefined;
  }

  /** Drops the oldest held request's TCP connection whose client still waits; false when none does. */
  refuse(): boolean {
    const upgrade = this.next();
    upgrade?.drop();
    return upgrade !== undefined;
  }

  private next(): HeldUpgrade | undefined {
    for (let upgrade = this.queue.shift(); upgrade !== undefined; upgrade = this.queue.shift()) {
      if (upgrade.alive()) return upgrade;
      upgrade.drop();
    }
    return undefined;
  }

  /** Drops every held request (server shutdown). */
  clear(): void {
    for (const upgrade of this.queue.splice(0)) upgrade.drop();
  }
}
