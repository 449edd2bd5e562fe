import type { AnyStateMachine, AnyStateNode } from 'xstate';

interface TransitionLike {
  readonly eventType: string;
  readonly target?: readonly AnyStateNode[] | undefined;
  readonly guard?: unknown;
  readonly actions?: readonly unknown[];
  readonly reenter?: boolean;
  readonly description?: string | undefined;
}

/** Mermaid needs plain identifiers. */
function mermaidId(node: AnyStateNode): string {
  return node.id.replace(/[^A-Za-z0-9_]/g, '_');
}

/** `xstate.after.helloTimeout.shard.connection…` → `after helloTimeout`; invoke results by actor source. */
export function eventLabel(eventType: string, source: AnyStateNode): string {
  // Eventless (`always`) transitions have an empty event type.
  if (eventType === '') return 'always';
  if (eventType.startsWith('xstate.after.')) return `after ${eventType.split('.')[2]}`;
  const invoke = (prefix: string, word: string) => {
    if (!eventType.startsWith(prefix)) return null;
    const invokeId = eventType.slice(prefix.length);
    const definition = source.invoke.find((candidate) => candidate.id === invokeId);
    return `${word} ${typeof definition?.src === 'string' ? definition.src : invokeId}`;
  };
  return invoke('xstate.done.actor.', 'onDone') ?? invoke('xstate.error.actor.', 'onError') ?? eventType;
}

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && 'type' in guard) return String((guard).type);
  return 'inline';
}

function actionNames(actions: readonly unknown[] | undefined): string[] {
  return (actions ?? []).map((action) => {
    if (typeof action === 'string') return action;
    if (typeof action === 'object' && action !== null && 'type' in action) {
      return String((action).type);
    }
    return 'inline';
  });
}

/** A transition's label: `event [guard] / actions`, without characters Mermaid reads as syntax. */
export function transitionLabel(transition: TransitionLike, source: AnyStateNode): string {
  const guard = guardName(transition.guard);
  const actions = actionNames(transition.actions);
  const label = [
    eventLabel(transition.eventType, source),
    guard === null ? '' : `[${guard}]`,
    transition.reenter === true ? '(reenter)' : '',
    actions.length === 0 ? '' : `/ ${actions.join(', ')}`,
  ]
    .filter(Boolean)
    .join(' ');
  return label.replace(/[:;#]/g, ' ');
}

/** The node's transitions on events (`after`, `onDone`, `onError` included) and its `always` ones. */
function allTransitions(node: AnyStateNode): TransitionLike[] {
  return [...[...node.transitions.values()].flat(), ...(node.always ?? [])] as TransitionLike[];
}

/** Renders a machine as a Mermaid `stateDiagram-v2`. */
export function toMermaid(machine: AnyStateMachine): string {
  const lines: string[] = ['stateDiagram-v2'];
  const edges: string[] = [];

  const renderChildren = (node: AnyStateNode, indent: string) => {
    const children = Object.values(node.states);
    if (node.type !== 'parallel' && node.initial !== undefined) {
      const initial = node.initial.target[0];
      if (initial !== undefined) lines.push(`${indent}[*] --> ${mermaidId(initial)}`);
    }
    children.forEach((child, index) => {
      if (node.type === 'parallel' && index > 0) lines.push(`${indent}--`);
      renderNode(child, indent);
    });
  };

  const renderNode = (node: AnyStateNode, indent: string) => {
    const id = mermaidId(node);
    const kind = node.type === 'parallel' ? ' (parallel)' : '';
    lines.push(`${indent}state "${node.key}${kind}" as ${id}`);
    if (Object.keys(node.states).length > 0) {
      lines.push(`${indent}state ${id} {`);
      renderChildren(node, `${indent}  `);
      lines.push(`${indent}}`);
    }
    if (node.type === 'final') edges.push(`${id} --> [*]`);
    for (const transition of allTransitions(node)) {
      const targets = transition.target ?? [];
      const label = transitionLabel(transition, node);
      if (targets.length === 0) edges.push(`${id} --> ${id} : ${label} (internal)`);
      for (const target of targets) edges.push(`${id} --> ${mermaidId(target)} : ${label}`);
    }
  };

  renderChildren(machine.root, '  ');
  for (const transition of allTransitions(machine.root)) {
    const targets = transition.target ?? [];
    const label = transitionLabel(transition, machine.root);
    for (const target of targets) edges.push(`${mermaidId(machine.root)} --> ${mermaidId(target)} : ${label}`);
  }
  lines.push(...edges.map((edge) => `  ${edge}`));
  return lines.join('\n');
}

/** Every state with its `description`, as Markdown table rows. */
export function stateTable(machine: AnyStateMachine): string {
  const rows = ['| state | type | what it implements |', '| --- | --- | --- |'];
  const visit = (node: AnyStateNode) => {
    rows.push(`| \`${node.id}\` | ${node.type} | ${escapeCell(node.description ?? '')} |`);
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return rows.join('\n');
}

/** Every transition with its guard and `description`, as Markdown table rows. */
export function transitionTable(machine: AnyStateMachine): string {
  const rows = ['| from | on | guard | to | why |', '| --- | --- | --- | --- | --- |'];
  const visit = (node: AnyStateNode) => {
    for (const transition of allTransitions(node)) {
      const targets = (transition.target ?? []).map((target) => `\`${target.id}\``).join(', ') || '(stays)';
      rows.push(
        `| \`${node.id}\` | ${escapeCell(eventLabel(transition.eventType, node))} | ${guardName(transition.guard) ?? ''} | ${targets} | ${escapeCell(transition.description ?? '')} |`,
      );
    }
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return rows.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
