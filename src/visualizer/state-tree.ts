import type { AnyStateMachine, AnyStateNode, StateValue } from 'xstate';
import { eventLabel } from '../diagrams/mermaid.js';
import type { StateTreeNode, TransitionView } from './feed-types.js';

interface TransitionLike {
  readonly eventType: string;
  readonly target?: readonly AnyStateNode[] | undefined;
  readonly guard?: unknown;
}

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && 'type' in guard) return String(guard.type);
  return 'inline';
}

function transitionsOf(node: AnyStateNode): TransitionView[] {
  const transitions = [...node.transitions.values()].flat() as TransitionLike[];
  return transitions.map((transition) => ({
    event: eventLabel(transition.eventType, node),
    guard: guardName(transition.guard),
    targets: (transition.target ?? []).map((target) => target.id),
  }));
}

/**
 * The structure of a machine as plain JSON for the page: every state node with its kind, its
 * description and its outgoing transitions (labels as in the Mermaid diagrams). Derived from the
 * machine definition only, never from a running actor, so it holds nothing from a session.
 */
export function stateTree(machine: AnyStateMachine): StateTreeNode {
  const visit = (node: AnyStateNode): StateTreeNode => ({
    id: node.id,
    key: node.key,
    type: node.type,
    description: node.description ?? null,
    initial: node.type === 'compound' ? (node.initial.target[0]?.id ?? null) : null,
    children: Object.values(node.states).map(visit),
    transitions: transitionsOf(node),
  });
  return visit(machine.root);
}

/** Ids of every active state node (the root and each ancestor of an active leaf included). */
export function activeStateIds(root: AnyStateNode, value: StateValue): string[] {
  const ids: string[] = [];
  const visit = (node: AnyStateNode, sub: StateValue | undefined): void => {
    ids.push(node.id);
    if (sub === undefined) return;
    if (typeof sub === 'string') {
      const child = node.states[sub];
      if (child !== undefined) visit(child, undefined);
      return;
    }
    for (const [key, childValue] of Object.entries(sub)) {
      const child = node.states[key];
      if (child !== undefined) visit(child, childValue);
    }
  };
  visit(root, value);
  return ids;
}

/** `{ connection: { lifecycle: { identifying: 'awaitingReady' } } }` → `['connection.lifecycle.identifying.awaitingReady', …]`. */
export function leafPaths(value: StateValue, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix + value];
  return Object.entries(value).flatMap(([key, child]) =>
    child === undefined ? [prefix + key] : leafPaths(child, `${prefix}${key}.`),
  );
}
