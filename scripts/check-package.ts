/**
 * `npm run check:package`: checks the package as users get it (run by `.ci/run`).
 *
 * 1. `npm pack` (prepack cleans and builds `dist`), then every file of the tarball must be reachable
 *    from `exports`;
 * 2. `publint --strict` and `attw --profile esm-only` on the tarball;
 * 3. a throwaway consumer project in a temporary folder installs the tarball, and every ```ts block of
 *    README.md and every `@example` of the API reference is compiled as written, under
 *    `module: nodenext` and under `moduleResolution: bundler`, `strict` + `exactOptionalPropertyTypes`;
 * 4. a smoke program (scripts/package-check/consumer/smoke.ts) runs there against `FakeGateway`, and
 *    `require('statecord')` works (Node ≥ 20.19 loads ESM from `require`);
 * 5. a second consumer installs only the tarball (no optional peers): `statecord/testing` loads,
 *    `FakeGateway` runs, and `FakeVoiceServer.start()` rejects with a MissingPeerDependencyError.
 *
 * `--keep` leaves the temporary folder in place and prints it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownBlocks } from './package-check/code-blocks.js';
import { installedVersion, RESOLUTIONS, writeConsumer } from './package-check/consumer-project.js';
import { typedocExamples } from './package-check/doc-examples.js';
import { unreachableFiles } from './package-check/reachability.js';

const repo = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'statecord-package-'));
/** Run in a consumer that installed only the tarball (no optional peers). */
const BARE_TESTING = `
import { FakeGateway, FakeVoiceServer } from 'statecord/testing';
const gateway = await FakeGateway.start();
await gateway.close();
const error = await FakeVoiceServer.start().then(
  async (voice) => { await voice.close(); return null; },
  (caught) => caught,
);
if (error?.code !== 'STATECORD_ERR_MISSING_PEER_DEPENDENCY') throw new Error('expected a MissingPeerDependencyError, got ' + error);
console.log('FakeGateway runs without ts-mls; FakeVoiceServer says: ' + error.message);
`;
const bin = (name: string): string => join(repo, 'node_modules', '.bin', name);

function run(command: string, args: readonly string[], cwd = repo): string {
  console.log(`$ ${[command, ...args].join(' ')}`);
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function step(title: string, command: string, args: readonly string[], cwd = repo): void {
  console.log(`\n== ${title}`);
  process.stdout.write(run(command, args, cwd));
}

/**
 * Runs tsc with `skipLibCheck: false`, so that statecord's own declarations are checked too. Errors
 * inside other packages' declarations (xstate's do not all hold under `exactOptionalPropertyTypes`)
 * are not ours to fix and are left out; every other error fails the check.
 */
function typeCheck(title: string, tsc: string, project: string, cwd: string): void {
  console.log(`\n== ${title}`);
  let output: string;
  try {
    output = run(tsc, ['-p', project, '--pretty', 'false'], cwd);
  } catch (error) {
    output = (error as { stdout?: string }).stdout ?? '';
  }
  const errors = output
    .split('\n')
    .filter((line) => /error TS\d+/.test(line) && !/^node_modules\/(?!statecord\/)/.test(line));
  if (errors.length > 0) throw new Error(`${errors.length} type errors:\n${errors.join('\n')}`);
  console.log('no type errors (examples/INDEX.tsv says where each example comes from)');
}

try {
  console.log('== npm pack');
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work])) as {
    filename: string;
    files: { path: string }[];
  }[];
  const tarball = join(work, packed!.filename);
  const unpacked = join(work, 'unpacked');
  mkdirSync(unpacked);
  run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
  const unreachable = unreachableFiles(
    unpacked,
    packed!.files.map((file) => file.path),
  );
  if (unreachable.length > 0) {
    throw new Error(`the tarball ships files no export reaches:\n  ${unreachable.join('\n  ')}`);
  }
  console.log(`${tarball}: ${packed!.files.length} files, all reachable from exports`);

  step('publint --strict', bin('publint'), ['run', '--strict', tarball]);
  step('attw --profile esm-only', bin('attw'), [tarball, '--profile', 'esm-only', '--no-color']);

  console.log('\n== examples: README.md and the API reference');
  const apiJson = join(work, 'api.json');
  // Only the examples here: \`npm run docs\` is the check that fails on a warning.
  run(bin('typedoc'), [
    '--json',
    apiJson,
    '--logLevel',
    'Error',
    '--treatWarningsAsErrors',
    'false',
    '--treatValidationWarningsAsErrors',
    'false',
  ]);
  const examples = [
    ...markdownBlocks('README.md', readFileSync(join(repo, 'README.md'), 'utf8')),
    ...typedocExamples(apiJson),
  ];
  const consumer = join(work, 'consumer');
  writeConsumer(
    consumer,
    examples,
    readFileSync(join(import.meta.dirname, 'package-check/consumer/smoke.ts'), 'utf8'),
  );
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      tarball,
      `typescript@${installedVersion(repo, 'typescript')}`,
      `@types/node@${installedVersion(repo, '@types/node')}`,
      `redis@${installedVersion(repo, 'redis')}`,
      // statecord/testing's FakeVoiceServer builds its DAVE external sender with these optional peers.
      `ts-mls@${installedVersion(repo, 'ts-mls')}`,
      `@noble/curves@${installedVersion(repo, '@noble/curves')}`,
      // statecord/metrics reports through this optional peer.
      `@opentelemetry/api@${installedVersion(repo, '@opentelemetry/api')}`,
      // The fromIoredis example adapts an ioredis client.
      `ioredis@${installedVersion(repo, 'ioredis')}`,
    ],
    consumer,
  );
  const tsc = join(consumer, 'node_modules', '.bin', 'tsc');
  for (const name of Object.keys(RESOLUTIONS)) {
    typeCheck(`${examples.length} examples + smoke.ts under ${name}`, tsc, `tsconfig.${name}.json`, consumer);
  }

  step('smoke program against FakeGateway', tsc, ['-p', 'tsconfig.smoke.json'], consumer);
  step('smoke program against FakeGateway', process.execPath, ['out/smoke.js'], consumer);
  step(
    'require() of the ESM package',
    process.execPath,
    [
      '-e',
      "const s = require('statecord'); if (typeof s.Shard !== 'function') throw new Error('no Shard'); console.log('require(statecord) works')",
    ],
    consumer,
  );
  // Without the optional peers: statecord/testing still loads and FakeGateway runs; FakeVoiceServer
  // says which peers to install (its DAVE side is loaded lazily).
  const bare = join(work, 'bare');
  mkdirSync(bare);
  writeFileSync(
    join(bare, 'package.json'),
    JSON.stringify({ name: 'bare-consumer', private: true, type: 'module' }),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], bare);
  step(
    'statecord/testing without its optional peers',
    process.execPath,
    ['--input-type=module', '-e', BARE_TESTING],
    bare,
  );
  console.log('\npackage check passed');
} catch (error) {
  const output = error as { stdout?: string; message: string };
  if (output.stdout) process.stdout.write(output.stdout);
  console.error(`\npackage check failed: ${output.message}`);
  if (!process.argv.includes('--keep')) console.error('(run with --keep to inspect the temporary folder)');
  process.exitCode = 1;
} finally {
  if (process.argv.includes('--keep')) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
