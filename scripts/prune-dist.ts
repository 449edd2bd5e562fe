/**
 * Runs after `tsc -p tsconfig.build.json` (`npm run build`): deletes what the build emitted that no
 * export of package.json reaches. tsc compiles only the entry points and their imports, but a module
 * imported only by an `@internal` declaration still gets an empty `.js` whose importer's `.d.ts` no
 * longer names it; it would ship unreachable.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { unreachableFiles } from './package-check/reachability.js';

const root = join(import.meta.dirname, '..');
const files = readdirSync(join(root, 'dist'), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => relative(root, join(entry.parentPath, entry.name)));
const unreachable = unreachableFiles(root, files);
for (const file of unreachable) rmSync(join(root, file));
if (unreachable.length > 0) console.error(`dist: removed ${unreachable.length} unreachable files`);
