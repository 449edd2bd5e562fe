/**
 * Fuzzing the pure shard machine: arbitrary sequences of its events (every close code, hellos with
 * any interval, READY/RESUMED at any time, op 7/9, user start/stop, adopt) interleaved with clock
 * advances, on a stub socket and gate and xstate's `SimulatedClock`. The machine must never reach an
 * error snapshot, must keep its protocol invariants, and must never be stuck: from every reached
 * state, silence alone (timers) leads to a new connection attempt, and a cooperating gateway leads
 * back to `ready` (or the state is `failed`, final by design).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor, SimulatedClock } from 'xstate';
import {
  createShardDelays,
  defaultShardTiming,
  gatewayCloseCodeRules,
  shardMachine,
} from '../../machines/index.js';
import type { ShardEvent, ShardTimingConfig, SocketCommand } from '../../machines/index.js';
import { stubSocket } from '../machines/stub-socket.js';

const SEED = 31_337_2026;

const CONFIG: ShardTimingConfig = {
  ...defaultShardTiming,
  helloTimeoutMs: 2_000,
  readyTimeoutMs: 3_000,
  resumeTimeoutMs: 3_000,
  backoffBaseMs: 100,
  backoffMaxMs: 1_000,
  maxResumeAttempts: 3,
  invalidSessionMinMs: 1_000,
  invalidSessionMaxMs: 5_000,
};
/** Hello intervals in the fuzz stay within what the adapter accepts and Discord sends (§2.1). */
const MAX_INTERVAL_MS = 60_000;
/** Longest any timer chain can take to open a new connection under silence (2 heartbeats + every timeout). */
const SILENCE_BOUND_MS =
  2 * MAX_INTERVAL_MS +
  5_000 +
  CONFIG.helloTimeoutMs +
  CONFIG.readyTimeoutMs +
  CONFIG.resumeTimeoutMs +
  CONFIG.backoffMaxMs;

type Step =
  | { readonly kind: 'event'; readonly event: ShardEvent }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'flush' }
  /** What a good gateway would send next (HELLO, READY, RESUMED): gets sequences deep into the chart. */
  | { readonly kind: 'answer' };

const closeCodes = fc.oneof(
  fc.constantFrom(1000, 1001, 1006, 1011, 3000, 4200, ...gatewayCloseCodeRules.map((rule) => rule.code)),
  fc.integer({ min: 1000, max: 4999 }),
);
const sessionRef = fc.record({
  sessionId: fc.constantFrom('s1', 's2', 's3'),
  resumeUrl: fc.constantFrom('ws://resume', null),
});

const event: fc.Arbitrary<ShardEvent> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ type: 'shard.start' as const }) },
  { weight: 1, arbitrary: fc.boolean().map((resumable) => ({ type: 'shard.stop' as const, resumable })) },
  {
    weight: 1,
    arbitrary: fc.option(sessionRef).map((session) => ({ type: 'shard.adoptSession' as const, session })),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(closeCodes, fc.constantFrom('gateway' as const, 'transport' as const))
      .map(([code, initiator]) => ({ type: 'socket.closed' as const, code, initiator })),
  },
  { weight: 2, arbitrary: fc.constant({ type: 'socket.alive' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'socket.corrupt' as const }) },
  {
    weight: 4,
    arbitrary: fc
      .integer({ min: 1, max: MAX_INTERVAL_MS })
      .map((heartbeatIntervalMs) => ({ type: 'gateway.hello' as const, heartbeatIntervalMs })),
  },
  {
    weight: 3,
    arbitrary: sessionRef.map(({ sessionId }) => ({
      type: 'gateway.ready' as const,
      sessionId,
      resumeUrl: 'ws://resume',
    })),
  },
  { weight: 2, arbitrary: fc.constant({ type: 'gateway.resumed' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'gateway.reconnect' as const }) },
  {
    weight: 3,
    arbitrary: fc.boolean().map((resumable) => ({ type: 'gateway.invalidSession' as const, resumable })),
  },
  { weight: 1, arbitrary: fc.constant({ type: 'gateway.heartbeatRequest' as const }) },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: event.map((e) => ({ kind: 'event' as const, event: e })) },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 0, max: 70_000 }).map((ms) => ({ kind: 'advance' as const, ms })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 6, arbitrary: fc.constant({ kind: 'answer' as const }) },
);

/** Lets the identify gate's promise settle. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The pure machine on a recording stub socket, an immediate gate and a simulated clock. */
function startMachine(random: number, config: ShardTimingConfig = CONFIG) {
  const clock = new SimulatedClock();
  const commands: SocketCommand[] = [];
  const stats = { opened: 0, open: 0, maxOpen: 0 };
  const logic = shardMachine.provide({
    actors: {
      socket: stubSocket({
        onOpen: () => {
          stats.opened += 1;
          stats.open += 1;
          stats.maxOpen = Math.max(stats.maxOpen, stats.open);
        },
        onCommand: (command) => commands.push(command),
        onStop: () => {
          stats.open -= 1;
        },
      }),
    },
    delays: createShardDelays(() => random),
  });
  const actor = createActor(logic, {
    clock,
    input: { shardId: 0, gatewayUrl: 'ws://gateway', config },
  });
  const errors: unknown[] = [];
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.start();
  return { actor, clock, commands, stats, errors };
}

type Machine = ReturnType<typeof startMachine>;

/** Applies one step and checks the invariants that hold after every step. */
async function apply(machine: Machine, next: Step): Promise<void> {
  const before = machine.commands.length;
  // `failed` is final: the actor is done and takes no more events (xstate would warn).
  if (machine.actor.getSnapshot().status !== 'active') return;
  if (next.kind === 'event') machine.actor.send(next.event);
  else if (next.kind === 'advance') machine.clock.increment(next.ms);
  else if (next.kind === 'answer') answer(machine);
  await flush();
  const snapshot = machine.actor.getSnapshot();
  expect(machine.errors).toEqual([]);
  expect(snapshot.status).not.toBe('error');
  // One connection at a time: a late socket can never coexist with the new one.
  expect(machine.stats.maxOpen).toBeLessThanOrEqual(1);
  // A resume loop is bounded by the configured attempts; then the shard identifies.
  expect(snapshot.context.resumeAttempts).toBeLessThanOrEqual(CONFIG.maxResumeAttempts);
  for (const command of machine.commands.slice(before)) {
    // RESUME always names the session it resumes.
    if (command.type === 'resume') expect(command.sessionId).not.toBe('');
    // Never IDENTIFY while holding a session that could still be resumed (it burns a session start).
    if (command.type === 'identify') expect(snapshot.context.session).toBeNull();
  }
}

function lifecycle(machine: Machine): string {
  const value = machine.actor.getSnapshot().value;
  if (typeof value === 'string') return value;
  const inner = value['connection'];
  if (typeof inner !== 'object') return 'connection';
  const state = inner['lifecycle'];
  if (typeof state === 'string') return state;
  const [parent, child] = Object.entries(state ?? {})[0] ?? ['?', '?'];
  return `${parent}.${typeof child === 'string' ? child : '?'}`;
}

/** One answer of a good gateway to the state the machine is in; nothing when none is due. */
function answer(machine: Machine): void {
  switch (lifecycle(machine)) {
    case 'connecting':
      machine.actor.send({ type: 'gateway.hello', heartbeatIntervalMs: 41_250 });
      return;
    case 'identifying.awaitingReady':
      machine.actor.send({
        type: 'gateway.ready',
        sessionId: `s${machine.commands.length % 3}`,
        resumeUrl: 'ws://resume',
      });
      return;
    case 'resuming':
      machine.actor.send({ type: 'gateway.resumed' });
      return;
    case 'reconnecting':
      machine.clock.increment(CONFIG.backoffMaxMs);
      return;
    default:
      machine.actor.send({ type: 'socket.alive' });
  }
}

/**
 * A gateway that does its part: HELLO on every new socket, READY after IDENTIFY, RESUMED after
 * RESUME, an ACK (any frame) after every heartbeat; and a user who starts a stopped shard.
 */
async function cooperate(machine: Machine): Promise<string> {
  for (let round = 0; round < 60; round++) {
    const state = lifecycle(machine);
    if (state === 'ready' || state === 'failed') return state;
    const heartbeats = machine.commands.filter((command) => command.type === 'heartbeat').length;
    switch (state) {
      case 'idle':
      case 'stopped':
        machine.actor.send({ type: 'shard.start' });
        break;
      case 'connecting':
        machine.actor.send({ type: 'gateway.hello', heartbeatIntervalMs: 41_250 });
        break;
      case 'identifying.awaitingReady':
        machine.actor.send({ type: 'gateway.ready', sessionId: `fresh-${round}`, resumeUrl: 'ws://resume' });
        break;
      case 'resuming':
        machine.actor.send({ type: 'gateway.resumed' });
        break;
      default:
        // reconnecting, cooldown, waiting for the gate: time passes.
        machine.clock.increment(500);
    }
    await flush();
    if (machine.commands.filter((command) => command.type === 'heartbeat').length > heartbeats) {
      machine.actor.send({ type: 'socket.alive' });
    }
    expect(machine.actor.getSnapshot().status).not.toBe('error');
  }
  return lifecycle(machine);
}

describe('the shard machine under arbitrary event sequences', () => {
  it('never errors, keeps its invariants, and is never stuck: timers move it on, a cooperating gateway brings it back to ready', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        async (steps, random) => {
          const machine = startMachine(random);
          try {
            await apply(machine, { kind: 'event', event: { type: 'shard.start' } });
            for (const next of steps) await apply(machine, next);
            const reached = lifecycle(machine);
            if (reached !== 'idle' && reached !== 'stopped' && reached !== 'failed') {
              // Silence: no frame, no close. Timers alone must lead to a new connection attempt.
              const opened = machine.stats.opened;
              for (
                let waited = 0;
                waited <= SILENCE_BOUND_MS && machine.stats.opened === opened;
                waited += 1_000
              ) {
                await apply(machine, { kind: 'advance', ms: 1_000 });
              }
              expect(machine.stats.opened, `stuck in ${reached} under silence`).toBeGreaterThan(opened);
            }
            const end = await cooperate(machine);
            expect(['ready', 'failed'], `from ${reached}, a cooperating gateway got to ${end}`).toContain(
              end,
            );
          } finally {
            machine.actor.stop();
          }
        },
      ),
      { seed: SEED, numRuns: Number(process.env.RUNS ?? 300) },
    );
  });

  it('resume→close loops: at most maxResumeAttempts answered resume failures in a row, then IDENTIFY; transport drops retry the resume', async () => {
    const resumableCodes = fc.constantFrom(
      1000,
      1001,
      1006,
      1011,
      3000,
      4200,
      ...gatewayCloseCodeRules.filter((rule) => rule.outcome.action === 'resume').map((rule) => rule.code),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(resumableCodes, { maxLength: 8 }),
        async (maxResumeAttempts, closes) => {
          const machine = startMachine(0.5, { ...CONFIG, maxResumeAttempts });
          try {
            const count = (type: SocketCommand['type']): number =>
              machine.commands.filter((command) => command.type === type).length;
            const hello = async (): Promise<void> => {
              machine.clock.increment(CONFIG.backoffMaxMs);
              machine.actor.send({ type: 'gateway.hello', heartbeatIntervalMs: 41_250 });
              await flush();
            };
            machine.actor.send({ type: 'shard.start' });
            await hello();
            machine.actor.send({ type: 'gateway.ready', sessionId: 's1', resumeUrl: 'ws://resume' });
            expect([count('identify'), lifecycle(machine)]).toEqual([1, 'ready']);

            // The oracle, from the rule alone: a RESUME fails when the gateway answers it (a close
            // frame); a transport drop (1006) is no answer. After maxResumeAttempts failures, identify.
            const expected = { resumes: 0, identifies: 1 };
            let failures = 0;
            let session = true;
            let resuming = false;
            const all = [...closes, 1006];
            for (const code of all) {
              const initiator = code === 1006 ? 'transport' : 'gateway';
              if (resuming && initiator === 'gateway') failures += 1;
              machine.actor.send({ type: 'socket.closed', code, initiator });
              await hello();
              resuming = session && failures < maxResumeAttempts;
              if (resuming) expected.resumes += 1;
              else {
                session = false;
                expected.identifies += 1;
              }
            }
            if (lifecycle(machine) === 'resuming') machine.actor.send({ type: 'gateway.resumed' });
            else machine.actor.send({ type: 'gateway.ready', sessionId: 's2', resumeUrl: 'ws://resume' });
            expect(lifecycle(machine)).toBe('ready');
            expect({ resumes: count('resume'), identifies: count('identify') }).toEqual(expected);
          } finally {
            machine.actor.stop();
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});
