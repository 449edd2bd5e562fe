/**
 * Finds the TypeScript examples a user reads in Markdown (README.md, and the text of `@example`
 * tags): the ```ts blocks, each returned as written, so that the package check compiles exactly what
 * the user copies.
 */

/** One example: where it is (file and line, for the error message) and its code. */
export interface CodeBlock {
  readonly source: string;
  readonly line: number;
  readonly code: string;
}

const FENCE_OPEN = /^\s*```(ts|typescript)\s*$/;
const FENCE_CLOSE = /^\s*```\s*$/;

/** The ```ts / ```typescript blocks of Markdown text, in order. */
export function markdownBlocks(source: string, text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE_OPEN.test(lines[i]!)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !FENCE_CLOSE.test(lines[end]!)) end++;
    if (end === lines.length) throw new Error(`${source}:${i + 1}: unclosed code block`);
    blocks.push({ source, line: start + 1, code: lines.slice(start, end).join('\n') + '\n' });
    i = end;
  }
  return blocks;
}
