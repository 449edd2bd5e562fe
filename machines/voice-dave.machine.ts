import { assign, enqueueActions, fromCallback, sendTo, setup } from 'xstate';
import type {
  VoiceDaveCommand,
  VoiceDaveContext,
  VoiceDaveEvent,
  VoiceDaveInput,
} from './voice-dave.types.js';

/** How long receivers accept unencrypted frames around a downgrade or an upgrade, in s (docs/protocol/voice.md §4.5). */
const DOWNGRADE_PASSTHROUGH_S = 24;
const UPGRADE_PASSTHROUGH_S = 10;

type DaveTransitionEvent = Extract<VoiceDaveEvent, { transitionId: number }>;

/**
 * DAVE end-to-end encryption of one voice session (docs/protocol/voice.md §4.4–§4.5), invoked by the voice
 * machine's `session` state so that it lives across resumes and starts over with a fresh session.
 * `off`: protocol version 0 (transport encryption only); `pending`: our key package is out, no group;
 * `awaitingResponse`: our commit is out; `active`: frames are encrypted in epoch n; `transitioning`: op 23
 * sent, waiting for op 22; `recovering`: op 31 and a fresh key package. Binary ops are handled only in the
 * states where they are valid; the davey session itself is the `mls` actor, provided by `src/voice/dave/`.
 */
export const voiceDaveMachine = setup({
  types: {
    context: {} as VoiceDaveContext,
    events: {} as VoiceDaveEvent,
    input: {} as VoiceDaveInput,
  },
  actors: {
    /** The MLS adapter around `@snazzah/davey`: commands in, `mls.*` results out. */
    mls: fromCallback<VoiceDaveCommand, VoiceDaveInput, VoiceDaveEvent>(() => undefined),
  },
  guards: {
    versionOn: ({ event }) =>
      (event.type === 'dave.protocol' || event.type === 'dave.prepareEpoch') && event.version > 0,
    /** op 24 with epoch 1: a new group (upgrade, version change, sole-member reset). */
    newGroup: ({ event }) => event.type === 'dave.prepareEpoch' && event.epoch === 1,
    newGroupOff: ({ event }) =>
      event.type === 'dave.prepareEpoch' && event.epoch === 1 && event.version === 0,
    /** op 21 with transition id 0: (re)initialisation, executed at once without op 23. */
    immediate: ({ event }) => event.type === 'dave.prepareTransition' && event.transitionId === 0,
    immediateOff: ({ event }) =>
      event.type === 'dave.prepareTransition' && event.transitionId === 0 && event.version === 0,
    downgrade: ({ event }) => event.type === 'dave.prepareTransition' && event.version === 0,
    appliedNow: ({ event }) => event.type === 'mls.applied' && event.transitionId === 0,
    /** op 22 for the transition we wait for. */
    executesOurs: ({ context, event }) =>
      event.type === 'dave.executeTransition' && event.transitionId === context.transitionId,
    executesDowngrade: ({ context, event }) =>
      event.type === 'dave.executeTransition' &&
      event.transitionId === context.transitionId &&
      context.pendingTransitions[String(event.transitionId)] === 0,
  },
  actions: {
    start: sendTo('mls', ({ context }) => ({ type: 'start' as const, version: context.protocolVersion })),
    stop: sendTo('mls', { type: 'stop' }),
    setVersion: assign({
      protocolVersion: ({ context, event }) =>
        event.type === 'dave.protocol' ||
        event.type === 'dave.prepareEpoch' ||
        event.type === 'dave.prepareTransition'
          ? event.version
          : context.protocolVersion,
    }),
    forgetGroup: assign({ epoch: null, members: [], pendingTransitions: {}, transitionId: null }),
    setExternalSender: sendTo('mls', ({ event }) =>
      event.type === 'dave.externalSender'
        ? { type: 'setExternalSender' as const, payload: event.payload }
        : { type: 'stop' as const },
    ),
    processProposals: sendTo('mls', ({ event }) =>
      event.type === 'dave.proposals'
        ? { type: 'processProposals' as const, payload: event.payload }
        : { type: 'stop' as const },
    ),
    applyCommit: sendTo('mls', ({ event }) =>
      event.type === 'dave.commit'
        ? { type: 'applyCommit' as const, transitionId: event.transitionId, payload: event.payload }
        : { type: 'stop' as const },
    ),
    applyWelcome: sendTo('mls', ({ event }) =>
      event.type === 'dave.welcome'
        ? { type: 'applyWelcome' as const, transitionId: event.transitionId, payload: event.payload }
        : { type: 'stop' as const },
    ),
    /** The applied commit/welcome: new epoch and members; op 23 unless it is transition 0. */
    recordApplied: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'mls.applied') return;
      enqueue.assign({
        epoch: event.epoch,
        members: event.members,
        transitionId: event.transitionId === 0 ? context.transitionId : event.transitionId,
        pendingTransitions: { ...context.pendingTransitions, [event.transitionId]: context.protocolVersion },
      });
      if (event.transitionId !== 0) {
        enqueue.sendTo('mls', { type: 'transitionReady', transitionId: event.transitionId });
      }
    }),
    /** op 21 with a non-zero id: remember its version and answer op 23 (a downgrade enables passthrough). */
    prepare: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'dave.prepareTransition') return;
      enqueue.assign({
        transitionId: event.transitionId,
        pendingTransitions: { ...context.pendingTransitions, [event.transitionId]: event.version },
      });
      if (event.version === 0)
        enqueue.sendTo('mls', { type: 'passthrough', expirySec: DOWNGRADE_PASSTHROUGH_S });
      enqueue.sendTo('mls', { type: 'transitionReady', transitionId: event.transitionId });
    }),
    execute: assign(({ context, event }) => {
      const id = (event as DaveTransitionEvent).transitionId;
      const pending = { ...context.pendingTransitions };
      const version = pending[String(id)] ?? context.protocolVersion;
      delete pending[String(id)];
      return { protocolVersion: version, pendingTransitions: pending, transitionId: null };
    }),
    upgradePassthrough: sendTo('mls', { type: 'passthrough', expirySec: UPGRADE_PASSTHROUGH_S }),
    announce: sendTo('mls', ({ context }) => ({
      type: 'changed' as const,
      protocolVersion: context.protocolVersion,
      epoch: context.epoch,
      members: context.members,
    })),
    recover: enqueueActions(({ context, event, enqueue }) => {
      const id = 'transitionId' in event ? event.transitionId : (context.transitionId ?? 0);
      enqueue.assign({ recoveries: context.recoveries + 1, epoch: null, members: [], transitionId: null });
      enqueue.sendTo('mls', { type: 'recover', transitionId: id });
    }),
  },
}).createMachine({
  id: 'dave',
  description: 'DAVE end-to-end encryption of one voice session (docs/protocol/voice.md §4).',
  context: ({ input }) => ({
    guildId: input.guildId,
    protocolVersion: 0,
    epoch: null,
    members: [],
    pendingTransitions: {},
    transitionId: null,
    recoveries: 0,
  }),
  invoke: { id: 'mls', src: 'mls', input: ({ context }) => ({ guildId: context.guildId }) },
  initial: 'off',
  on: {
    'dave.prepareEpoch': [
      {
        description: 'op 24 epoch 1, version 0: E2EE ends for the call.',
        guard: 'newGroupOff',
        target: '.off',
        actions: ['setVersion', 'forgetGroup'],
      },
      {
        description:
          'op 24 epoch 1: a new group (upgrade, version change, sole-member reset): fresh key package.',
        guard: 'newGroup',
        // No `reenter`: that would re-enter the root and restart the MLS adapter (a new voice session).
        target: '.pending',
        actions: ['setVersion', 'forgetGroup'],
      },
    ],
    'dave.prepareTransition': [
      {
        description: 'op 21 id 0 to version 0: executed at once, no op 23.',
        guard: 'immediateOff',
        target: '.off',
        actions: ['setVersion', 'forgetGroup'],
      },
      {
        description: 'op 21 id 0: (re)initialisation, executed at once without op 23.',
        guard: 'immediate',
        actions: ['setVersion', 'announce'],
      },
    ],
  },
  states: {
    off: {
      description: 'Protocol version 0: transport encryption only; received frames pass through.',
      entry: ['stop', 'announce'],
      on: {
        'dave.protocol': { guard: 'versionOn', target: 'pending', actions: 'setVersion' },
        'dave.externalSender': {
          description: 'op 25 before op 4: kept by the adapter until the group state exists.',
          actions: 'setExternalSender',
        },
      },
    },
    pending: {
      description:
        'Our key package (op 26) is out; no group yet. Proposals may make us commit, a welcome adds us.',
      entry: ['start', 'announce'],
      on: {
        'dave.externalSender': { actions: 'setExternalSender' },
        'dave.proposals': { actions: 'processProposals' },
        'dave.welcome': { actions: 'applyWelcome' },
        'mls.committed': { target: 'awaitingResponse' },
        'mls.applied': [
          { guard: 'appliedNow', target: 'active', actions: ['recordApplied', 'announce'] },
          { target: 'transitioning', actions: 'recordApplied' },
        ],
        'mls.invalid': { target: 'recovering' },
      },
    },
    awaitingResponse: {
      description: 'Our commit (op 28) is out: op 29 says it won, op 30 that another one did.',
      on: {
        'dave.proposals': { actions: 'processProposals' },
        'dave.commit': { actions: 'applyCommit' },
        'dave.welcome': { actions: 'applyWelcome' },
        'mls.applied': [
          { guard: 'appliedNow', target: 'active', actions: ['recordApplied', 'announce'] },
          { target: 'transitioning', actions: 'recordApplied' },
        ],
        'mls.invalid': { target: 'recovering' },
      },
    },
    active: {
      description: 'In a group at epoch n: every non-silence frame is DAVE-encrypted.',
      on: {
        'dave.proposals': { actions: 'processProposals' },
        'mls.committed': { target: 'awaitingResponse' },
        'dave.commit': { actions: 'applyCommit' },
        'dave.welcome': { actions: 'applyWelcome' },
        'mls.applied': [
          { guard: 'appliedNow', target: 'active', reenter: true, actions: ['recordApplied', 'announce'] },
          { target: 'transitioning', actions: 'recordApplied' },
        ],
        'mls.invalid': { target: 'recovering' },
        'dave.prepareTransition': { guard: 'downgrade', target: 'transitioning', actions: 'prepare' },
        'dave.decryptFailing': { target: 'recovering' },
      },
    },
    transitioning: {
      description: 'op 23 sent for a prepared transition; op 22 executes it (senders switch then).',
      on: {
        'dave.executeTransition': [
          { guard: 'executesDowngrade', target: 'off', actions: ['execute', 'forgetGroup'] },
          { guard: 'executesOurs', target: 'active', actions: ['execute', 'upgradePassthrough', 'announce'] },
        ],
        'dave.proposals': { actions: 'processProposals' },
        'dave.commit': { actions: 'applyCommit' },
        'dave.welcome': { actions: 'applyWelcome' },
        'mls.committed': { target: 'awaitingResponse' },
        'mls.applied': { target: 'transitioning', reenter: true, actions: 'recordApplied' },
        'mls.invalid': { target: 'recovering' },
        'dave.prepareTransition': { guard: 'downgrade', actions: 'prepare' },
      },
    },
    recovering: {
      description:
        'An invalid commit/welcome or too many failed decryptions: op 31, then a fresh key package.',
      entry: 'recover',
      always: { target: 'pending' },
    },
  },
});

/** The type of the DAVE region machine (`voiceDaveMachine`): use it to type actors, snapshots and `createActor` results. */
export type VoiceDaveMachine = typeof voiceDaveMachine;
