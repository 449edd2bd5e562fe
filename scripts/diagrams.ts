/**
 * `npm run diagrams`: writes diagrams/<machine>.md from the machines.
 * `npm run diagrams:check`: renders into memory and fails if diagrams/ differs (a machine changed
 * without regenerating).
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderAllDiagrams } from '../src/diagrams/render-diagrams.js';

const folder = join(import.meta.dirname, '..', 'diagrams');

async function staleDiagrams(dir = folder): Promise<string[]> {
  const expected = renderAllDiagrams();
  const stale: string[] = [];
  for (const [file, text] of expected) {
    const current = await readFile(join(dir, file), 'utf8').catch(() => null);
    if (current !== text) stale.push(file);
  }
  for (const file of await readdir(dir)) {
    if (file.endsWith('.md') && !expected.has(file)) stale.push(`${file} (no such machine)`);
  }
  return stale;
}

async function main(): Promise<void> {
  if (process.argv.includes('--check')) {
    const stale = await staleDiagrams();
    if (stale.length > 0) {
      console.error(`diagrams/ is out of date: ${stale.join(', ')}. Run \`npm run diagrams\`.`);
      process.exitCode = 1;
      return;
    }
    console.log('diagrams/ is current');
    return;
  }
  for (const [file, text] of renderAllDiagrams()) await writeFile(join(folder, file), text);
  console.log(`wrote ${[...renderAllDiagrams().keys()].join(', ')} in diagrams/`);
}

await main();
