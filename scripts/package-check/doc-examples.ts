/**
 * The `@example` blocks of the API reference: read from TypeDoc's JSON output, so that exactly the
 * examples of documented public symbols are checked.
 */
import { readFileSync } from 'node:fs';
import { markdownBlocks } from './code-blocks.js';
import type { CodeBlock } from './code-blocks.js';

interface CommentPart {
  readonly kind: string;
  readonly text: string;
}
interface Reflection {
  readonly name: string;
  readonly sources?: readonly { readonly fileName: string; readonly line: number }[];
  readonly comment?: {
    readonly blockTags?: readonly { readonly tag: string; readonly content: CommentPart[] }[];
  };
  readonly children?: readonly Reflection[];
  readonly signatures?: readonly Reflection[];
  readonly getSignature?: Reflection;
  readonly setSignature?: Reflection;
}

function* walk(node: Reflection, path: string): Generator<[string, Reflection]> {
  yield [path, node];
  const nested = [...(node.children ?? []), ...(node.signatures ?? [])];
  if (node.getSignature) nested.push(node.getSignature);
  if (node.setSignature) nested.push(node.setSignature);
  for (const child of nested) yield* walk(child, child.name === node.name ? path : `${path}.${child.name}`);
}

/**
 * Every `@example` of a TypeDoc JSON project. A fenced ```ts block is taken as written; an example
 * without a fence is taken whole, as TypeDoc renders it as code.
 */
export function typedocExamples(jsonPath: string): CodeBlock[] {
  const project = JSON.parse(readFileSync(jsonPath, 'utf8')) as Reflection;
  const examples: CodeBlock[] = [];
  for (const [path, node] of walk(project, '')) {
    for (const tag of node.comment?.blockTags ?? []) {
      if (tag.tag !== '@example') continue;
      const text = tag.content.map((part) => part.text).join('');
      const where = node.sources?.[0];
      const source = `@example of ${path.replace(/^\./, '')} (${where?.fileName ?? '?'})`;
      const line = where?.line ?? 0;
      const fenced = markdownBlocks(source, text).map((block) => ({ ...block, line }));
      if (fenced.length > 0) examples.push(...fenced);
      else if (!/```/.test(text)) examples.push({ source, line, code: text + '\n' });
      else throw new Error(`${source}: a code block that is not \`\`\`ts`);
    }
  }
  return examples;
}
