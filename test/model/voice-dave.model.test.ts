import { describe, expect, it } from 'vitest';
import { getMicrosteps, initialTransition, transition, type SnapshotFrom } from 'xstate';
import { voiceDaveMachine, type VoiceDaveEvent } from '../../machines/index.js';
import { listTransitionKeys } from '../../src/testing/model/transitions.js';
import { voiceTransitionKey } from '../../src/testing/model/voice-model.js';

/**
 * Model-based exploration of the DAVE region (machines/voice-dave.machine.ts, docs/protocol/voice.md §4.4–
 * §4.5): from the initial state, every protocol op and every MLS adapter result, with the payload variants
 * that select each guarded branch, breadth first over every reachable (state, transitions-in-flight)
 * combination. It must take every transition the machine defines and never reach an error.
 */

type DaveSnapshot = SnapshotFrom<typeof voiceDaveMachine>;
const bytes = new Uint8Array([1, 2, 3]);
const events: VoiceDaveEvent[] = [
  { type: 'dave.protocol', version: 0 },
  { type: 'dave.protocol', version: 1 },
  { type: 'dave.externalSender', payload: bytes },
  { type: 'dave.proposals', payload: bytes },
  { type: 'dave.commit', transitionId: 5, payload: bytes },
  { type: 'dave.welcome', transitionId: 5, payload: bytes },
  { type: 'dave.prepareTransition', transitionId: 0, version: 0 },
  { type: 'dave.prepareTransition', transitionId: 0, version: 1 },
  { type: 'dave.prepareTransition', transitionId: 7, version: 0 },
  { type: 'dave.prepareTransition', transitionId: 7, version: 1 },
  { type: 'dave.executeTransition', transitionId: 5 },
  { type: 'dave.executeTransition', transitionId: 7 },
  { type: 'dave.prepareEpoch', epoch: 1, version: 1 },
  { type: 'dave.prepareEpoch', epoch: 1, version: 0 },
  { type: 'dave.prepareEpoch', epoch: 2, version: 1 },
  { type: 'dave.decryptFailing' },
  { type: 'mls.committed' },
  { type: 'mls.applied', transitionId: 5, epoch: 2, members: ['1', '2'] },
  { type: 'mls.applied', transitionId: 0, epoch: 1, members: ['1'] },
  { type: 'mls.invalid', transitionId: 5 },
];

function keyOf(snapshot: DaveSnapshot): string {
  const { protocolVersion, epoch, pendingTransitions, transitionId } = snapshot.context;
  return JSON.stringify([snapshot.value, protocolVersion, epoch, pendingTransitions, transitionId]);
}

/** Breadth-first over every reachable state; returns the transition keys taken and the states seen. */
function explore(): { taken: Set<string>; states: Set<string>; errors: string[] } {
  const [initial] = initialTransition(voiceDaveMachine, { guildId: '1' });
  const taken = new Set<string>();
  const states = new Set<string>();
  const errors: string[] = [];
  const seen = new Set([keyOf(initial)]);
  const queue: DaveSnapshot[] = [initial];
  while (queue.length > 0) {
    const snapshot = queue.shift()!;
    states.add(JSON.stringify(snapshot.value));
    for (const event of events) {
      for (const t of voiceDaveMachine.getTransitionData(snapshot, event)) taken.add(voiceTransitionKey(t));
      const steps = getMicrosteps(voiceDaveMachine, snapshot, event);
      if (steps.some(([step]) => step.value === 'recovering')) taken.add('dave.recovering --[always][0]');
      const [next] = transition(voiceDaveMachine, snapshot, event);
      if (next.status === 'error') errors.push(`${keyOf(snapshot)} --${event.type}`);
      const key = keyOf(next);
      if (seen.has(key)) continue;
      seen.add(key);
      queue.push(next);
    }
  }
  return { taken, states, errors };
}

/** The commands the region sends its MLS adapter for `event` from `snapshot`. */
function commands(snapshot: DaveSnapshot, event: VoiceDaveEvent): string[] {
  const [, actions] = transition(voiceDaveMachine, snapshot, event);
  return actions
    .filter((action) => action.type === 'xstate.sendTo')
    .map((action) => (action.params as { event: { type: string } }).event.type);
}

function after(...sequence: VoiceDaveEvent[]): DaveSnapshot {
  let [snapshot] = initialTransition(voiceDaveMachine, { guildId: '1' });
  for (const event of sequence) [snapshot] = transition(voiceDaveMachine, snapshot, event);
  return snapshot;
}

describe('the DAVE region, model-based', () => {
  it('takes every transition it defines, without an error state', () => {
    const { taken, states, errors } = explore();
    const all = listTransitionKeys(voiceDaveMachine);
    const covered = all.filter((key) => taken.has(key));
    console.log(`voice-dave transition coverage: ${covered.length}/${all.length}`);
    expect(errors).toEqual([]);
    expect(all.filter((key) => !taken.has(key))).toEqual([]);
    // `recovering` is transient (op 31, then straight to pending): every other state is a resting one.
    expect([...states].sort()).toEqual([
      '"active"',
      '"awaitingResponse"',
      '"off"',
      '"pending"',
      '"transitioning"',
    ]);
  });

  it('op 4 with version 1 starts: a fresh key package (command start)', () => {
    expect(commands(after(), { type: 'dave.protocol', version: 1 })).toContain('start');
    expect(after({ type: 'dave.protocol', version: 1 }).value).toBe('pending');
  });

  it('proposals are ignored while off (no group state), processed once pending', () => {
    expect(commands(after(), { type: 'dave.proposals', payload: bytes })).toEqual([]);
    const pending = after({ type: 'dave.protocol', version: 1 });
    expect(commands(pending, { type: 'dave.proposals', payload: bytes })).toEqual(['processProposals']);
  });

  it('an applied commit sends op 23 and waits for op 22; op 22 for it makes the group active', () => {
    const pending = after({ type: 'dave.protocol', version: 1 }, { type: 'mls.committed' });
    const applied = { type: 'mls.applied', transitionId: 5, epoch: 1, members: ['1', '2'] } as const;
    expect(commands(pending, applied)).toContain('transitionReady');
    const transitioning = after({ type: 'dave.protocol', version: 1 }, { type: 'mls.committed' }, applied);
    expect(transitioning.value).toBe('transitioning');
    expect(
      transition(voiceDaveMachine, transitioning, { type: 'dave.executeTransition', transitionId: 6 })[0]
        .value,
    ).toBe('transitioning');
    const [active] = transition(voiceDaveMachine, transitioning, {
      type: 'dave.executeTransition',
      transitionId: 5,
    });
    expect(active.value).toBe('active');
    expect(active.context).toMatchObject({ epoch: 1, members: ['1', '2'], protocolVersion: 1 });
  });

  it('an invalid commit or welcome recovers: op 31, then a fresh key package', () => {
    const pending = after({ type: 'dave.protocol', version: 1 });
    const [next, actions] = transition(voiceDaveMachine, pending, { type: 'mls.invalid', transitionId: 5 });
    const sent = actions
      .filter((a) => a.type === 'xstate.sendTo')
      .map((a) => (a.params as { event: { type: string } }).event.type);
    expect(sent).toEqual(expect.arrayContaining(['recover', 'start']));
    expect(sent.indexOf('recover')).toBeLessThan(sent.indexOf('start'));
    expect(next.value).toBe('pending');
    expect(next.context.recoveries).toBe(1);
  });

  it('sole-member reset: op 24 epoch 1 then op 21 id 0 leaves a fresh pending member, no op 23', () => {
    const active = after(
      { type: 'dave.protocol', version: 1 },
      { type: 'mls.applied', transitionId: 0, epoch: 1, members: ['1', '2'] },
    );
    expect(active.value).toBe('active');
    const [reset, resetActions] = transition(voiceDaveMachine, active, {
      type: 'dave.prepareEpoch',
      epoch: 1,
      version: 1,
    });
    expect(reset.value).toBe('pending');
    expect(
      resetActions.some(
        (a) => (a.params as { event?: { type: string } } | undefined)?.event?.type === 'start',
      ),
    ).toBe(true);
    expect(commands(reset, { type: 'dave.prepareTransition', transitionId: 0, version: 1 })).not.toContain(
      'transitionReady',
    );
  });

  it('downgrade to version 0 (op 21, op 23, op 22) turns E2EE off; op 24 epoch 1 version 1 upgrades again', () => {
    const active = after(
      { type: 'dave.protocol', version: 1 },
      { type: 'mls.applied', transitionId: 0, epoch: 1, members: ['1', '2'] },
    );
    const down = { type: 'dave.prepareTransition', transitionId: 7, version: 0 } as const;
    expect(commands(active, down)).toEqual(expect.arrayContaining(['passthrough', 'transitionReady']));
    const [off] = transition(voiceDaveMachine, transition(voiceDaveMachine, active, down)[0], {
      type: 'dave.executeTransition',
      transitionId: 7,
    });
    expect(off.value).toBe('off');
    expect(off.context.protocolVersion).toBe(0);
    expect(
      transition(voiceDaveMachine, off, { type: 'dave.prepareEpoch', epoch: 1, version: 1 })[0].value,
    ).toBe('pending');
  });
});
