import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** The kind of structure a transition can be defined in. */
export interface TransitionLike {
  /** The state node the transition is defined on. */
  readonly source: AnyStateNode;
  /** The event type it is defined for (`*` and xstate's own types included). */
  readonly eventType: string;
}

/**
 * A stable name for a transition definition: `<source id> --<event type>[<index among that event's
 * transitions on the source>]`. Index-based, so it survives `machine.provide()` (new node objects).
 */
export function transitionKey(transition: TransitionLike): string {
  const siblings = transition.source.transitions.get(transition.eventType) ?? [];
  const index = siblings.findIndex((candidate) => candidate === transition);
  return `${transition.source.id} --${transition.eventType}[${index < 0 ? 0 : index}]`;
}

/**
 * Every transition a machine defines: each `on` branch (each guarded alternative counts), each
 * `after`, `onDone`, `onError` and `always` branch, on every state node.
 */
export function listTransitionKeys(machine: AnyStateMachine): string[] {
  const keys: string[] = [];
  const visit = (node: AnyStateNode) => {
    for (const [eventType, definitions] of node.transitions) {
      definitions.forEach((_, index) => keys.push(`${node.id} --${eventType}[${index}]`));
    }
    node.always?.forEach((_, index) => keys.push(`${node.id} --[always][${index}]`));
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return keys;
}
