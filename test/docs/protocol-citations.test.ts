import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const SOURCE_DIRS = ['src', 'machines', 'scripts', 'bench', 'test'];

/** The path, then one or more numbers: `§1.4`, `§1.4, §12.1`, `§2 and §7`, `§8.1–8.2`. Group 1: the numbers. */
const CITATION = /docs\/protocol\/gateway\.md`? ?§(\d+(?:\.\d+)?(?:(?:, §| and §|–)\d+(?:\.\d+)?)*)/g;
/** A citation of the protocol notes without the `docs/protocol/` path (any other folder counts as none). */
const BARE_CITATION = /(?<!docs\/protocol\/)gateway\.md`? ?§|\bprotocol ?§/gi;

/** The citable numbers of the notes: `## N.` and `### N.M` headings, and the `N.` items of §11 and §12. */
function sectionsOf(markdown: string): Set<string> {
  const sections = new Set<string>();
  let section = '';
  for (const line of markdown.split('\n')) {
    const heading = /^#{2,3} (\d+(?:\.\d+)?)[. ]/.exec(line)?.[1];
    if (heading !== undefined) sections.add(heading);
    if (line.startsWith('## ')) section = heading ?? '';
    const item = /^(\d+)\. /.exec(line)?.[1];
    if (item !== undefined && (section === '11' || section === '12')) sections.add(`${section}.${item}`);
  }
  return sections;
}

async function readSections(): Promise<Set<string>> {
  return sectionsOf(await readFile(join(root, 'docs', 'protocol', 'gateway.md'), 'utf8'));
}

/** Every match of `pattern` in the `.ts` files of the source folders, with the `file:line` it is on. */
async function findInSources(
  pattern: RegExp,
): Promise<{ where: string; line: string; match: RegExpMatchArray }[]> {
  const found: { where: string; line: string; match: RegExpMatchArray }[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const entry of await readdir(join(root, dir), { recursive: true })) {
      if (!entry.endsWith('.ts')) continue;
      const file = join(dir, entry);
      const lines = (await readFile(join(root, file), 'utf8')).split('\n');
      lines.forEach((line, index) => {
        for (const match of line.matchAll(pattern))
          found.push({ where: `${file}:${index + 1}`, line, match });
      });
    }
  }
  return found;
}

describe('docs/protocol/gateway.md citations', () => {
  it('the notes number sections 1–12, their subsections and the items of §11 and §12', async () => {
    const sections = await readSections();
    for (const number of ['1', '1.6', '2.1', '3.5', '8.4', '10', '11.9', '12', '12.28']) {
      expect(sections, `no §${number}`).toContain(number);
    }
  });

  it('every cited section exists in the notes', async () => {
    const sections = await readSections();
    const missing = (await findInSources(CITATION)).flatMap(({ where, match }) =>
      (match[1] ?? '')
        .split(/, §| and §|–/)
        .filter((number) => !sections.has(number))
        .map((number) => `${where} cites §${number}`),
    );
    expect(missing).toEqual([]);
  });

  it('no file cites the notes without the docs/protocol/ path', async () => {
    const bare = (await findInSources(BARE_CITATION)).map(({ where, line }) => `${where}: ${line.trim()}`);
    expect(bare).toEqual([]);
  });
});
