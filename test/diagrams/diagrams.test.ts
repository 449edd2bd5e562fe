import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderAllDiagrams } from '../../src/diagrams/render-diagrams.js';

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

describe('diagrams/', () => {
  it('holds one current file per machine (npm run diagrams:check)', async () => {
    for (const [file, text] of renderAllDiagrams()) {
      expect(await readFile(join(root, 'diagrams', file), 'utf8'), `diagrams/${file} is stale: run npm run diagrams`).toBe(text);
    }
  });

  it('labels every transition of the shard machine with its event, guard and delay name', () => {
    const shard = renderAllDiagrams().get('shard.md')!;
    expect(shard).toContain('socket.closed [closeIsFatal]');
    expect(shard).toContain('after heartbeatInterval [isZombie]');
    expect(shard).toContain('shard_failed --> [*]');
    expect(shard).toContain('| 4004 | AuthenticationFailed | fail (AuthenticationFailed) |');
  });

  it('diagrams:check fails after a machine edit without regeneration (on a copy of the repo)', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'statecord-diagrams-'));
    try {
      for (const path of ['machines', 'src', 'scripts', 'diagrams', 'package.json', 'tsconfig.json']) {
        await cp(join(root, path), join(copy, path), { recursive: true });
      }
      await symlink(join(root, 'node_modules'), join(copy, 'node_modules'));
      const tsx = join(root, 'node_modules', '.bin', 'tsx');
      await expect(run(tsx, ['scripts/diagrams.ts', '--check'], { cwd: copy })).resolves.toBeDefined();

      const machineFile = join(copy, 'machines', 'shard.machine.ts');
      const source = await readFile(machineFile, 'utf8');
      await writeFile(machineFile, source.replace("description: 'Created, not started.'", "description: 'Edited.'"));
      await expect(run(tsx, ['scripts/diagrams.ts', '--check'], { cwd: copy })).rejects.toMatchObject({
        stderr: expect.stringContaining('diagrams/ is out of date: shard.md') as unknown,
      });
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
