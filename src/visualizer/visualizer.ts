import type { InspectionEvent } from 'xstate';
import { InvalidArgumentError } from '../errors.js';
import { generateAccessKey, isLoopbackHost } from './access.js';
import { VisualizerModel } from './feed-model.js';
import type { VisualizedManager } from './feed-model.js';
import { FeedBatcher } from './feed-batcher.js';
import { FeedServer } from './server.js';

/** Options of {@link createVisualizer}. */
export interface VisualizerOptions {
  /** TCP port. Default 0: a free port (read `viz.url`). */
  readonly port?: number;
  /** Address to bind. Default `127.0.0.1`. Any non-loopback address requires an access key. */
  readonly host?: string;
  /**
   * Key every HTTP and WebSocket request must carry (`?key=`, `X-Statecord-Key` or `Authorization:
   * Bearer`). Generated (and announced once) when `host` is not loopback and none is given; on
   * loopback no key is required unless one is given.
   */
  readonly accessKey?: string;
  /** Transition log entries kept for pages that connect later. Default 500. */
  readonly logSize?: number;
  /**
   * How often sequence numbers and latencies are read from the shards. Default 500 ms, or 5 ms per
   * shard when that is longer (5 s for 1,000 shards: a busy bot's sequence numbers change all the time).
   */
  readonly countersIntervalMs?: number;
  /**
   * How often the feed sends what changed, as one `batch` message in which each shard's views are
   * merged into its latest. Default 100 ms; 0 sends every message at once (a few shards, a test).
   */
  readonly feedIntervalMs?: number;
  /** History entries kept per shard, sent to a page when it opens that shard. Default 200. */
  readonly historySize?: number;
  /** Called once with the page's URL (key included) when a key was generated. Default: printed to stderr. */
  readonly announce?: (url: string) => void;
}

/** A live debug page over a `ShardManager`'s actor system. See {@link createVisualizer}. */
export interface Visualizer {
  /**
   * The XState inspection observer: pass it as `inspect` to `new ShardManager({ ... })` (or to a
   * `Shard`). It reads only lifecycle transitions and never throws.
   */
  readonly inspect: (event: InspectionEvent) => void;
  /**
   * Starts serving the page and its feed; resolves with the page's URL (with `?key=` when a key is
   * required). `manager` gives the counters kept outside the machines (sequence numbers, latency).
   */
  listen(manager?: VisualizedManager): Promise<string>;
  /** The page's URL, with the access key if one is required. Throws before `listen()`. */
  readonly url: string;
  /** The access key, or null when none is required. */
  readonly accessKey: string | null;
  /** Stops the server and disconnects every page. Idempotent. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

class LiveVisualizer implements Visualizer {
  readonly accessKey: string | null;
  readonly #model: VisualizerModel;
  readonly #host: string;
  readonly #port: number;
  readonly #keyGenerated: boolean;
  readonly #countersIntervalMs: number | null;
  readonly #announce: (url: string) => void;
  readonly #feedIntervalMs: number;
  #batcher: FeedBatcher | null = null;
  #server: FeedServer | null = null;
  #url: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  #closing: Promise<void> | null = null;

  constructor(options: VisualizerOptions) {
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? 0;
    if (!Number.isInteger(this.#port) || this.#port < 0 || this.#port > 65_535) {
      throw new InvalidArgumentError(`port must be an integer in [0, 65535], got ${this.#port}`);
    }
    if (options.accessKey !== undefined && options.accessKey.length < 8) {
      throw new InvalidArgumentError('accessKey must be at least 8 characters long');
    }
    this.#keyGenerated = options.accessKey === undefined && !isLoopbackHost(this.#host);
    this.accessKey = options.accessKey ?? (this.#keyGenerated ? generateAccessKey() : null);
    this.#countersIntervalMs = options.countersIntervalMs ?? null;
    this.#announce =
      options.announce ??
      ((url) => process.stderr.write(`statecord visualizer: generated an access key; open ${url}\n`));
    this.#feedIntervalMs = options.feedIntervalMs ?? 100;
    if (!Number.isFinite(this.#feedIntervalMs) || this.#feedIntervalMs < 0) {
      throw new InvalidArgumentError(`feedIntervalMs must be a number ≥ 0, got ${this.#feedIntervalMs}`);
    }
    this.#model = new VisualizerModel({
      ...(options.logSize === undefined ? {} : { logSize: options.logSize }),
      ...(options.historySize === undefined ? {} : { historySize: options.historySize }),
    });
  }

  get inspect(): (event: InspectionEvent) => void {
    return this.#model.inspect;
  }

  get url(): string {
    if (this.#url === null) throw new Error('the visualizer is not listening yet: await viz.listen()');
    return this.#url;
  }

  async listen(manager?: VisualizedManager): Promise<string> {
    if (this.#server !== null || this.#closing !== null) throw new Error('listen() was already called');
    if (manager !== undefined && !this.#model.seenActors) {
      throw new InvalidArgumentError(
        'the visualizer sees no actor: create the ShardManager with `inspect: viz.inspect`',
      );
    }
    const server = new FeedServer({
      host: this.#host,
      port: this.#port,
      accessKey: this.accessKey,
      hello: () => this.#model.hello(),
      answer: (request) => ({
        type: 'history',
        shard: request.shard,
        entries: this.#model.history(request.shard),
      }),
    });
    this.#server = server;
    const port = await server.listen();
    const batcher = new FeedBatcher(this.#feedIntervalMs, (message) => server.broadcast(message));
    this.#batcher = batcher;
    this.#unsubscribe = this.#model.subscribe((message) => batcher.add(message));
    if (manager !== undefined) {
      this.#model.refreshCounters(manager);
      const intervalMs = this.#countersIntervalMs ?? Math.max(500, 5 * manager.shards.length);
      this.#timer = setInterval(() => this.#model.refreshCounters(manager), intervalMs);
      this.#timer.unref();
    }
    const key = this.accessKey === null ? '' : `?key=${encodeURIComponent(this.accessKey)}`;
    this.#url = `http://${urlHost(this.#host)}:${port}/${key}`;
    if (this.#keyGenerated) this.#announce(this.#url);
    return this.#url;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#timer !== null) clearInterval(this.#timer);
      this.#unsubscribe?.();
      this.#batcher?.stop();
      await this.#server?.close();
    })();
    return this.#closing;
  }
}

/**
 * Creates the visualizer: a page on 127.0.0.1 showing every shard of a manager as its statechart
 * (current state highlighted), a strip of counters per shard, each shard's voice connections (the
 * voice actors its actor spawned, as their statecharts), and a transition log, fed live from XState
 * inspection. Two steps, because a `ShardManager` takes its `inspect` observer when it is
 * constructed. Only lifecycle facts and counters reach the page: never the token, a session id, or a
 * dispatch.
 *
 * @example
 * ```ts
 * import { GatewayIntentBits, ShardManager } from 'statecord';
 * import { createVisualizer } from 'statecord/visualizer';
 *
 * const viz = createVisualizer();
 * const manager = new ShardManager({
 *   token: process.env.DISCORD_TOKEN!,
 *   intents: GatewayIntentBits.Guilds,
 *   inspect: viz.inspect,
 * });
 * manager.createShards(4);
 * console.log('visualizer:', await viz.listen(manager));
 * await Promise.all(manager.startShards());
 * // …
 * await viz.close();
 * ```
 */
export function createVisualizer(options: VisualizerOptions = {}): Visualizer {
  return new LiveVisualizer(options);
}
