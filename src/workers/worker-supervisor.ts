import type { Worker } from 'node:worker_threads';
import { createActor } from 'xstate';
import type { Actor, ActorOptions, AnyActorLogic, InspectionEvent, Observer, SnapshotFrom } from 'xstate';
import { workerSupervisorMachine } from '../../machines/index.js';
import type { WorkerExit, WorkerFailure, WorkerSupervisorConfig } from '../../machines/index.js';
import { WORKER_PROTOCOL_VERSION } from './protocol.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** What a supervisor reports to its pool. @internal */
export interface WorkerSupervisorEvents {
  /** A message of the current thread (never `hello`, which the supervisor answers itself). */
  readonly message: (message: FromWorker) => void;
  readonly running: (respawned: boolean) => void;
  readonly crashed: (exit: WorkerExit, crashes: number) => void;
  readonly failed: (failure: WorkerFailure) => void;
}

/**
 * One worker thread and its supervisor machine (`workerSupervisorMachine`): this adapter creates the
 * thread, attaches its `message`, `error` and `exit` listeners before anything else can run (a
 * worker's first message or error must never be missed), and turns them into machine events. Events
 * of a thread that was replaced are ignored. @internal
 */
export class WorkerSupervisor {
  readonly index: number;
  readonly #actor: Actor<typeof workerSupervisorMachine>;
  readonly #spawn: () => Worker;
  readonly #events: WorkerSupervisorEvents;
  #worker: Worker | null = null;
  #exited: Promise<void> = Promise.resolve();

  constructor(options: {
    readonly index: number;
    readonly spawn: () => Worker;
    readonly events: WorkerSupervisorEvents;
    readonly config?: Partial<WorkerSupervisorConfig>;
    readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
    /** The clock of the machine's delays (tests: `SimulatedClock`). */
    readonly clock?: ActorOptions<AnyActorLogic>['clock'];
  }) {
    this.index = options.index;
    this.#spawn = options.spawn;
    this.#events = options.events;
    const logic = workerSupervisorMachine.provide({
      actions: {
        spawnWorker: () => this.#spawnWorker(),
        terminateWorker: () => this.#terminate(),
      },
    });
    this.#actor = createActor(logic, {
      input: { index: options.index, ...(options.config === undefined ? {} : { config: options.config }) },
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    this.#actor.on('supervisor.running', ({ respawned }) => this.#events.running(respawned));
    this.#actor.on('supervisor.crashed', ({ exit, crashes }) => this.#events.crashed(exit, crashes));
    this.#actor.on('supervisor.failed', ({ failure }) => this.#events.failed(failure));
    this.#actor.start();
  }

  /** The supervisor's state: `idle`, `starting`, `running`, `crashed`, `respawning`, `failed` or `stopped`. */
  get state(): string {
    return String(this.#actor.getSnapshot().value);
  }

  /** The machine's snapshot (for tests). */
  get snapshot(): SnapshotFrom<typeof workerSupervisorMachine> {
    return this.#actor.getSnapshot();
  }

  /** The current thread (for tests that kill it), or null. */
  get worker(): Worker | null {
    return this.#worker;
  }

  get failure(): WorkerFailure | null {
    return this.#actor.getSnapshot().context.failure;
  }

  start(): void {
    this.#actor.send({ type: 'worker.start' });
  }

  /** Terminates the thread on purpose; resolves when it has exited. */
  async stop(): Promise<void> {
    this.#actor.send({ type: 'worker.stop' });
    await this.#exited;
  }

  post(message: ToWorker): void {
    this.#worker?.postMessage(message);
  }

  #spawnWorker(): void {
    let worker: Worker;
    let error: string | null = null;
    try {
      worker = this.#spawn();
    } catch (spawnError) {
      // The thread could not even be created: the same as a crash on start.
      const message = spawnError instanceof Error ? spawnError.message : String(spawnError);
      queueMicrotask(() =>
        this.#actor.send({ type: 'worker.exited', exit: { exitCode: 1, error: message } }),
      );
      return;
    }
    this.#worker = worker;
    worker.on('message', (message: FromWorker) => {
      if (this.#worker !== worker) return;
      if (message.type !== 'hello') this.#events.message(message);
      else if (message.version === WORKER_PROTOCOL_VERSION) this.#actor.send({ type: 'worker.online' });
      else {
        error = `the worker speaks protocol ${message.version}, not ${WORKER_PROTOCOL_VERSION}`;
        void worker.terminate();
      }
    });
    worker.on('error', (thrown) => {
      error = thrown instanceof Error ? thrown.message : String(thrown);
    });
    worker.on('messageerror', (thrown) => {
      error = thrown.message;
    });
    this.#exited = new Promise<void>((resolve) =>
      worker.on('exit', (exitCode) => {
        resolve();
        if (this.#worker !== worker) return;
        this.#worker = null;
        this.#actor.send({ type: 'worker.exited', exit: { exitCode, error } });
      }),
    );
  }

  #terminate(): void {
    const worker = this.#worker;
    // Forgotten first: its exit is no crash.
    this.#worker = null;
    if (worker !== null) void worker.terminate();
  }
}
