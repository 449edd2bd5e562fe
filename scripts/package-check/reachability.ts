/**
 * Files of a packed tarball that no user can reach: not an entry of `exports`, and not imported
 * (statically, dynamically or as a type) by a file that is. A `.js` file, its `.d.ts` and their maps
 * count as one: they ship together.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/** `from './x.js'`, `import('./x.js')`, and `new URL('./x.js', import.meta.url)` (a worker's entry). */
const SPECIFIER = /(?:from|import|new URL)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const ALWAYS_SHIPPED = new Set(['package.json', 'README.md', 'LICENSE']);

/** The stem of a file (`dist/src/index` for `.js`, `.d.ts`, `.js.map`, `.d.ts.map`). */
function stem(file: string): string {
  return file.replace(/(\.d)?\.(js|ts)(\.map)?$/, '');
}

/** Export targets of a package.json `exports` value, as package-relative paths. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [normalize(exports)];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

/**
 * @param root - the unpacked package folder
 * @param files - the tarball's file list, package-relative
 * @returns the files of the list that nothing reaches
 */
export function unreachableFiles(root: string, files: readonly string[]): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports?: unknown };
  const byStem = new Map<string, string[]>();
  for (const file of files) byStem.set(stem(file), [...(byStem.get(stem(file)) ?? []), file]);
  const reached = new Set<string>();
  const queue = exportTargets(manifest.exports).map(stem);
  while (queue.length > 0) {
    const current = queue.pop()!;
    if (reached.has(current)) continue;
    reached.add(current);
    for (const file of byStem.get(current) ?? []) {
      if (file.endsWith('.map')) continue;
      for (const match of readFileSync(join(root, file), 'utf8').matchAll(SPECIFIER)) {
        queue.push(stem(normalize(join(dirname(file), match[1]!))));
      }
    }
  }
  return files.filter((file) => !ALWAYS_SHIPPED.has(file) && !reached.has(stem(file)));
}
