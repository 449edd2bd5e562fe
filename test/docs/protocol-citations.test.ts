import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const SOURCE_DIRS = ['src', 'machines', 'scripts', 'bench', 'test'];

/**
 * The protocol notes the code cites: `docs/protocol/<name>.md`, which sections number their items as
 * citable `§N.M`, and numbers each must contain (proof that its headings are read).
 */
const NOTES = [
  {
    name: 'gateway',
    itemSections: ['11', '12'],
    expected: ['1', '1.6', '2.1', '3.5', '8.4', '10', '11.9', '12', '12.28'],
  },
  {
    name: 'voice',
    itemSections: [],
    expected: [
      ...['1', '1.1', '1.2', '2', '2.1', '2.2', '2.3', '2.4', '2.5', '3', '3.1', '3.2', '3.3', '3.4', '3.5'],
      ...['4', '4.1', '4.2', '4.3', '4.4', '4.5', '4.6', '4.7', '4.8', '5', '5.1', '5.2', '5.3', '6', '6.1'],
      ...['6.2', '7'],
    ],
  },
  { name: 'resharding', itemSections: [], expected: ['1', '2', '3', '4', '5'] },
];

/** Between two cited numbers: `, §`, ` and §`, or a range, `–` or `–§`. */
const SEPARATOR = /, §| and §|–§?/;
const NUMBER = String.raw`\d+(?:\.\d+)?`;

/** The path, then numbers: `§1.4`, `§1.4, §12.1`, `§2 and §7`, `§8.1–8.2`, `§2.1–§2.2`. Group 1: the numbers. */
function citationOf(name: string): RegExp {
  const numbers = `(${NUMBER}(?:(?:${SEPARATOR.source})${NUMBER})*)`;
  return new RegExp(String.raw`docs/protocol/${name}\.md` + '`? ?§' + numbers, 'g');
}

/** A citation of the protocol notes without the `docs/protocol/` path (any other folder counts as none). */
const BARE_CITATION = /(?<!docs\/protocol\/)(?:gateway|voice)\.md`? ?§|\bprotocol ?§/gi;

/** The citable numbers of some notes: `## N.` and `### N.M` headings, and the `N.` items of `itemSections`. */
function sectionsOf(markdown: string, itemSections: string[]): Set<string> {
  const sections = new Set<string>();
  let section = '';
  for (const line of markdown.split('\n')) {
    const heading = /^#{2,3} (\d+(?:\.\d+)?)[. ]/.exec(line)?.[1];
    if (heading !== undefined) sections.add(heading);
    if (line.startsWith('## ')) section = heading ?? '';
    const item = /^(\d+)\. /.exec(line)?.[1];
    if (item !== undefined && itemSections.includes(section)) sections.add(`${section}.${item}`);
  }
  return sections;
}

async function readSections(name: string, itemSections: string[]): Promise<Set<string>> {
  return sectionsOf(await readFile(join(root, 'docs', 'protocol', `${name}.md`), 'utf8'), itemSections);
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

describe.each(NOTES)('docs/protocol/$name.md citations', ({ name, itemSections, expected }) => {
  it('the notes have the expected section numbers', async () => {
    const sections = await readSections(name, itemSections);
    for (const number of expected) expect(sections, `no §${number}`).toContain(number);
  });

  it('every cited section exists in the notes', async () => {
    const sections = await readSections(name, itemSections);
    const missing = (await findInSources(citationOf(name))).flatMap(({ where, match }) =>
      (match[1] ?? '')
        .split(SEPARATOR)
        .filter((number) => !sections.has(number))
        .map((number) => `${where} cites §${number}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('protocol note citations', () => {
  it('no file cites the notes without the docs/protocol/ path', async () => {
    const bare = (await findInSources(BARE_CITATION)).map(({ where, line }) => `${where}: ${line.trim()}`);
    expect(bare).toEqual([]);
  });

  it('the check catches a bare citation of either notes and accepts the full path', () => {
    // Assembled from parts, so that this file does not itself hold a bare citation.
    const cite = (path: string) => `see ${path}.md §2.5`;
    const isBare = (text: string) => text.match(BARE_CITATION) !== null;
    expect(isBare(cite('voice'))).toBe(true);
    expect(isBare(cite('gateway'))).toBe(true);
    expect(isBare(cite('docs/protocol/voice'))).toBe(false);
  });
});
