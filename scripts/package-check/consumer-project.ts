/**
 * A throwaway consumer project in a temporary folder: the packed tarball installed as a user installs
 * it (its dependencies from the registry or npm's cache), plus the packages the examples import, and
 * two tsconfigs that differ only in module resolution.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeBlock } from './code-blocks.js';

const STRICT = {
  target: 'ES2022',
  lib: ['ES2023'],
  types: ['node'],
  strict: true,
  exactOptionalPropertyTypes: true,
  skipLibCheck: false,
  noEmit: true,
};

/** `module` / `moduleResolution` pairs every example is compiled under. */
export const RESOLUTIONS = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
} as const;

/** The version of a dev dependency as installed in this repository, so the consumer uses the same. */
export function installedVersion(repo: string, name: string): string {
  const manifest = JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** Writes the consumer's package.json, tsconfigs and example files; returns the files to compile. */
export function writeConsumer(folder: string, examples: readonly CodeBlock[], smokeSource: string): void {
  mkdirSync(join(folder, 'examples'), { recursive: true });
  writeFileSync(
    join(folder, 'package.json'),
    JSON.stringify({ name: 'statecord-consumer', private: true, type: 'module' }, null, 2),
  );
  const index: string[] = [];
  examples.forEach((example, i) => {
    const file = `examples/example-${String(i + 1).padStart(2, '0')}.ts`;
    writeFileSync(join(folder, file), example.code);
    index.push(`${file}\t${example.source}:${example.line}`);
  });
  writeFileSync(join(folder, 'examples', 'INDEX.tsv'), index.join('\n') + '\n');
  writeFileSync(join(folder, 'smoke.ts'), smokeSource);
  for (const [name, resolution] of Object.entries(RESOLUTIONS)) {
    writeFileSync(
      join(folder, `tsconfig.${name}.json`),
      JSON.stringify(
        { compilerOptions: { ...STRICT, ...resolution }, include: ['examples/*.ts', 'smoke.ts'] },
        null,
        2,
      ),
    );
  }
  writeFileSync(
    join(folder, 'tsconfig.smoke.json'),
    JSON.stringify(
      {
        // Type-checked above with the examples; here only emitted, so other packages' declarations are skipped.
        compilerOptions: {
          ...STRICT,
          ...RESOLUTIONS.nodenext,
          skipLibCheck: true,
          noEmit: false,
          outDir: 'out',
        },
        files: ['smoke.ts'],
      },
      null,
      2,
    ),
  );
}
