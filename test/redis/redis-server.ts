/**
 * A real `redis-server` for the Redis tests: started on a free loopback port with its own temporary
 * directory and no persistence, waited for until it answers PING, stopped (and its directory removed)
 * afterwards. It can be stopped and started again on the same port (the outage tests).
 *
 * Without `redis-server` on the PATH the Redis tests skip with one line saying how to install it;
 * with `CI=true` they fail instead (`.ci/run` installs it).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether `redis-server` can be run here. */
export const redisServerAvailable =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** The one line a run without `redis-server` prints (from `test/redis/global-setup.ts`). */
export const MISSING_REDIS = 'redis-server not found: the Redis tests skip (apt-get install redis-server)';

/**
 * Whether the Redis suites run: true when `redis-server` is on the PATH. Without it they skip (the
 * global setup printed one line), or, with `CI=true`, the global setup already failed the run.
 */
export function redisTestsEnabled(): boolean {
  return redisServerAvailable;
}

/** A `redis-server` process owned by a test. */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  #child: ChildProcess | null = null;
  #log = '';

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  /** Starts a server on a free loopback port; resolves once it answers PING. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), await mkdtemp(join(tmpdir(), 'statecord-redis-')));
    await server.restart();
    return server;
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether the server process runs. */
  get running(): boolean {
    return this.#child !== null;
  }

  /** Starts the server (again, on the same port and directory); resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.#child !== null) return;
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', [...args, '--dir', this.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    const keep = (chunk: Buffer) => (this.#log = (this.#log + String(chunk)).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('exit', () => {
      if (this.#child === child) this.#child = null;
    });
    const deadline = Date.now() + 15_000;
    while (!(await ping(this.port))) {
      if (this.#child !== child) throw new Error(`redis-server exited:\n${this.#log}`);
      if (Date.now() > deadline)
        throw new Error(`redis-server did not answer on ${this.port}:\n${this.#log}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Stops the server (SIGTERM, SIGKILL after 5 s); resolves once it exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the server and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A port the OS just handed out on 127.0.0.1 (then released for the server). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a Redis answers PING on the port (inline command, so no client is needed). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += String(chunk);
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}
