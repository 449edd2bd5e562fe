import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The bench folder, absolute (of the sources: the orchestrator runs them through tsx). */
export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * Where `npm run bench` compiles the bench and the library with `tsc` (`tsconfig.bench.json`) before
 * it starts any child. Children run that JavaScript on plain `node`, as users run the built package:
 * tsx transpiles with esbuild's `keepNames`, which wraps every named closure in
 * `Object.defineProperty(fn, 'name', …)` and so gives each one a property store (≈ 256 B each, 13 per
 * shard: 3.3 KiB of heap per shard that a user's shard does not have).
 */
export function buildDir(): string {
  // Set by the orchestrator to its own output folder, so that two bench runs never share one.
  return process.env['STATECORD_BENCH_BUILD'] ?? `${BENCH_DIR}.build/bench/`;
}

export interface ChildOptions {
  /** Extra node flags (e.g. `--expose-gc`, `--cpu-prof`). */
  readonly execArgv?: readonly string[];
  /** The node binary (default this one): e.g. a Node 24 for zstd-stream. */
  readonly execPath?: string;
  /** Killed (SIGKILL) after this long. */
  readonly timeoutMs: number;
  readonly cwd?: string;
}

/**
 * A bench script (`clients/x.ts`, run as its compiled `buildDir()/clients/x.js`) in a child process
 * with an IPC channel: the orchestrator,
 * the gateway server and every client run apart, so each one's CPU time is its own.
 */
export class Child<Out = unknown> {
  readonly process: ChildProcess;
  readonly #messages: Out[] = [];
  readonly #waiters: Array<{ accept: (message: Out) => boolean; resolve: (message: Out) => void }> = [];
  readonly exited: Promise<number | null>;
  #signal: NodeJS.Signals | null = null;
  readonly #timer: NodeJS.Timeout;
  #stderrTail = '';

  constructor(script: string, args: readonly string[], options: ChildOptions) {
    this.process = fork(`${buildDir()}${script.replace(/\.ts$/, '.js')}`, [...args], {
      execArgv: [...(options.execArgv ?? [])],
      ...(options.execPath === undefined ? {} : { execPath: options.execPath }),
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    this.process.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      this.#stderrTail = (this.#stderrTail + chunk.toString()).slice(-4000);
    });
    this.process.on('message', (message) => this.#deliver(message as Out));
    this.#timer = setTimeout(() => this.process.kill('SIGKILL'), options.timeoutMs);
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.#signal = signal;
        clearTimeout(this.#timer);
        resolve(code);
      });
    });
  }

  send(message: unknown): void {
    this.process.send(message as never);
  }

  /** The next message that `accept`s, or a rejection when the child exits first. */
  async next(accept: (message: Out) => boolean = () => true): Promise<Out> {
    const index = this.#messages.findIndex(accept);
    if (index >= 0) return this.#messages.splice(index, 1)[0] as Out;
    const exitedFirst = this.exited.then((code) => {
      throw new Error(
        `${this.describe()} exited (code ${code}, signal ${this.#signal}) before answering\n${this.#stderrTail}`,
      );
    });
    const answered = new Promise<Out>((resolve) => this.#waiters.push({ accept, resolve }));
    return Promise.race([answered, exitedFirst]);
  }

  describe(): string {
    return `child ${this.process.pid ?? '?'} (${this.process.spawnargs.slice(-2).join(' ')})`;
  }

  /** Asks politely (IPC `close`), then kills after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    if (this.process.connected) this.send({ type: 'close' });
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  #deliver(message: Out): void {
    const index = this.#waiters.findIndex((waiter) => waiter.accept(message));
    if (index < 0) {
      this.#messages.push(message);
      return;
    }
    const [waiter] = this.#waiters.splice(index, 1);
    waiter?.resolve(message);
  }
}

/** Sends a message to the parent (the orchestrator); a no-op outside a child. */
export function toParent(message: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) {
      resolve();
      return;
    }
    process.send(message, undefined, undefined, () => resolve());
  });
}

/** The JSON argument a child was started with (argv[2]). */
export function childArgs<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('missing JSON argument');
  return JSON.parse(raw) as T;
}
