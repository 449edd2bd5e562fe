import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileSessionStore, InvalidArgumentError, SessionStoreCorruptError } from '../../src/index.js';
import type { ShardSession } from '../../src/index.js';

// A pass-through spy: every write of the store ends in one rename, so counting renames counts writes.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  return { ...actual, rename: vi.fn(actual.rename) };
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh directory under the OS temp dir, removed after the test; returns a file path in it. */
async function tempFile(name = 'sessions.json'): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'statecord-file-store-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  return join(directory, name);
}

function session(n: number, shardId = 0): ShardSession {
  return { sessionId: `session-${shardId}-${n}`, sequence: n, resumeUrl: 'wss://resume.example' };
}

async function readDocument(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

function writesTo(path: string): number {
  return vi.mocked(rename).mock.calls.filter(([, to]) => to === path).length;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('FileSessionStore: reading and writing', () => {
  it('refuses an empty path when constructed', () => {
    expect(() => new FileSessionStore('')).toThrow(InvalidArgumentError);
  });

  it('a missing file is an empty store, and reading it creates no file', async () => {
    const path = await tempFile();
    const store = new FileSessionStore(path);
    expect(await store.get(0)).toBeNull();
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a new store on the same file reads back what the first one set (round trip)', async () => {
    const path = await tempFile();
    await new FileSessionStore(path).set(3, session(42, 3));
    await new FileSessionStore(path).set(0, { sessionId: 'a', sequence: null, resumeUrl: null });
    const reader = new FileSessionStore(path);
    expect(await reader.get(3)).toEqual(session(42, 3));
    expect(await reader.get(0)).toEqual({ sessionId: 'a', sequence: null, resumeUrl: null });
    expect(await reader.get(1)).toBeNull();
  });

  it('writes the versioned document, sessions keyed by shard id', async () => {
    const path = await tempFile();
    const store = new FileSessionStore(path);
    await Promise.all([store.set(10, session(7, 10)), store.set(2, session(5, 2))]);
    expect(await readDocument(path)).toEqual({
      format: 'statecord.sessions',
      version: 1,
      sessions: { '2': session(5, 2), '10': session(7, 10) },
    });
  });

  it('delete removes a shard from the file and leaves the others', async () => {
    const path = await tempFile();
    const store = new FileSessionStore(path);
    await Promise.all([store.set(0, session(1, 0)), store.set(1, session(1, 1))]);
    await store.delete(0);
    expect(await new FileSessionStore(path).get(0)).toBeNull();
    expect(await new FileSessionStore(path).get(1)).toEqual(session(1, 1));
  });

  it('get returns a copy: changing it does not change the store', async () => {
    const path = await tempFile();
    const store = new FileSessionStore(path);
    await store.set(0, session(1));
    const copy = (await store.get(0)) as { sequence: number | null };
    copy.sequence = 999;
    expect(await store.get(0)).toEqual(session(1));
  });

  it('set refuses a malformed session, so the store never writes a file it could not load', async () => {
    const path = await tempFile();
    const store = new FileSessionStore(path);
    const bad = { sessionId: 'x', sequence: -1, resumeUrl: null };
    expect(await rejection(store.set(0, bad))).toBeInstanceOf(InvalidArgumentError);
    expect(await rejection(store.set(-1, session(1)))).toBeInstanceOf(InvalidArgumentError);
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('the file holds sessionId, sequence and resumeUrl only: never a token or any other field', async () => {
    const path = await tempFile();
    const token = 'NzkyNzE1NDU0MTk2MDg4ODQy.X-hvzA.Ovy4MCQywSkoMRRclStW4xAYK7I';
    await new FileSessionStore(path).set(0, { ...session(1), token } as ShardSession);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(token);
    expect(Object.keys((JSON.parse(text) as { sessions: Record<string, object> }).sessions['0']!)).toEqual([
      'sessionId',
      'sequence',
      'resumeUrl',
    ]);
  });

  it.skipIf(process.platform === 'win32')('creates the file readable by its owner only (0600)', async () => {
    const path = await tempFile();
    await new FileSessionStore(path).set(0, session(1));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});

describe('FileSessionStore: atomic, serialised, coalesced writes', () => {
  it('leaves no temporary file behind after many writes', async () => {
    const path = await tempFile();
    const store = new FileSessionStore(path);
    for (let n = 1; n <= 20; n++) await store.set(n % 3, session(n, n % 3));
    expect(await readdir(join(path, '..'))).toEqual(['sessions.json']);
  });

  it('replaces the file by rename: a reader never sees a torn document while writes go on', async () => {
    const path = await tempFile();
    const store = new FileSessionStore(path);
    // ~60 KB per document: a non-atomic writer is caught half-way often at this size.
    const shards = Array.from({ length: 500 }, (_, shardId) => shardId);
    await Promise.all(shards.map((shardId) => store.set(shardId, session(0, shardId))));
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const document = (await readDocument(path)) as { sessions: Record<string, ShardSession> };
        expect(Object.keys(document.sessions)).toHaveLength(500);
        reads += 1;
      }
    })();
    for (let n = 1; n <= 30; n++) {
      await Promise.all(shards.map((shardId) => store.set(shardId, session(n, shardId))));
    }
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
  });

  it('a burst of 100 sets makes at most two file writes', async () => {
    const path = await tempFile();
    const store = new FileSessionStore(path);
    await store.get(0);
    const before = writesTo(path);
    await Promise.all(Array.from({ length: 100 }, (_, n) => store.set(n % 4, session(n, n % 4))));
    const made = writesTo(path) - before;
    expect(made).toBeGreaterThanOrEqual(1);
    expect(made).toBeLessThanOrEqual(2);
  });

  it('when a set of a burst resolves, the file holds its value or a later one; at the end, the last of each shard', async () => {
    const path = await tempFile();
    const store = new FileSessionStore(path);
    const sequenceInFile = async (shardId: number) =>
      ((await readDocument(path)) as { sessions: Record<string, ShardSession> }).sessions[shardId]?.sequence;
    await Promise.all(
      Array.from({ length: 100 }, async (_, n) => {
        await store.set(n % 4, session(n, n % 4));
        expect(await sequenceInFile(n % 4)).toBeGreaterThanOrEqual(n);
      }),
    );
    expect(await readDocument(path)).toMatchObject({
      sessions: { '0': session(96, 0), '1': session(97, 1), '2': session(98, 2), '3': session(99, 3) },
    });
  });

  it('concurrent sets of one shard, also across an ongoing write, keep the last value', async () => {
    const path = await tempFile();
    const store = new FileSessionStore(path);
    const writes: Array<Promise<void>> = [];
    for (let n = 1; n <= 50; n++) {
      writes.push(store.set(0, session(n)));
      // Every tenth set waits for a tick, so later sets arrive while a write is in flight.
      if (n % 10 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await Promise.all(writes);
    expect(await new FileSessionStore(path).get(0)).toEqual(session(50));
  });

  it('a delete issued after a set, before its write ends, wins', async () => {
    const path = await tempFile();
    const store = new FileSessionStore(path);
    const set = store.set(0, session(1));
    const deleted = store.delete(0);
    await Promise.all([set, deleted]);
    expect(await new FileSessionStore(path).get(0)).toBeNull();
  });

  it('a failed write rejects, and the next change writes every session again', async () => {
    const directory = join(await tempFile(), '..', 'not-yet');
    const path = join(directory, 'sessions.json');
    const store = new FileSessionStore(path);
    expect(await rejection(store.set(0, session(1)))).toMatchObject({ code: 'ENOENT' });
    await mkdir(directory);
    await store.set(1, session(1, 1));
    expect(await readDocument(path)).toMatchObject({ sessions: { '0': session(1), '1': session(1, 1) } });
  });
});

describe('FileSessionStore: a corrupt or foreign file', () => {
  const badFiles: Array<{ name: string; text: string; reason: RegExp }> = [
    { name: 'a file that is not JSON', text: '{"format": "statecord.sess', reason: /not valid JSON/ },
    { name: 'an empty file', text: '', reason: /not valid JSON/ },
    { name: 'foreign JSON (another program’s file)', text: '{"users": []}', reason: /not a statecord/ },
    { name: 'a JSON array', text: '[]', reason: /not a statecord/ },
    {
      name: 'a version this code does not read',
      text: '{"format": "statecord.sessions", "version": 2, "sessions": {}}',
      reason: /version is 2/,
    },
    {
      name: '"sessions" that is not an object',
      text: '{"format": "statecord.sessions", "version": 1, "sessions": []}',
      reason: /"sessions" is an array/,
    },
    {
      name: 'a key that is not a shard id',
      text: '{"format": "statecord.sessions", "version": 1, "sessions": {"-1": {}}}',
      reason: /not a shard id/,
    },
    ...[
      ['an entry that is not an object', '"x"', /shard 0 is malformed: it is a value of type string/],
      ['an empty sessionId', '{"sessionId": "", "sequence": 1, "resumeUrl": null}', /sessionId/],
      ['a negative sequence', '{"sessionId": "s", "sequence": -1, "resumeUrl": null}', /sequence is -1/],
      ['a fractional sequence', '{"sessionId": "s", "sequence": 1.5, "resumeUrl": null}', /sequence/],
      ['a sequence as a string', '{"sessionId": "s", "sequence": "1", "resumeUrl": null}', /sequence/],
      ['a missing resumeUrl', '{"sessionId": "s", "sequence": 1}', /resumeUrl/],
      ['a numeric resumeUrl', '{"sessionId": "s", "sequence": 1, "resumeUrl": 5}', /resumeUrl is 5/],
    ].map(([name, entry, reason]) => ({
      name: name as string,
      text: `{"format": "statecord.sessions", "version": 1, "sessions": {"0": ${entry as string}}}`,
      reason: reason as RegExp,
    })),
  ];

  it.each(badFiles)('$name: get rejects with SessionStoreCorruptError naming the path', async (bad) => {
    const path = await tempFile();
    await writeFile(path, bad.text);
    const error = await rejection(new FileSessionStore(path).get(0));
    expect(error).toBeInstanceOf(SessionStoreCorruptError);
    expect(error).toMatchObject({ code: 'STATECORD_ERR_SESSION_STORE_CORRUPT', path });
    expect((error as SessionStoreCorruptError).reason).toMatch(bad.reason);
    expect((error as Error).message).toContain(path);
  });

  it('set and delete reject too, and the file is left exactly as it was', async () => {
    const path = await tempFile();
    await writeFile(path, '{"users": []}');
    const store = new FileSessionStore(path);
    expect(await rejection(store.set(0, session(1)))).toBeInstanceOf(SessionStoreCorruptError);
    expect(await rejection(store.delete(0))).toBeInstanceOf(SessionStoreCorruptError);
    expect(await readFile(path, 'utf8')).toBe('{"users": []}');
    expect(await readdir(join(path, '..'))).toEqual(['sessions.json']);
  });

  it('the error never quotes a session id', async () => {
    const path = await tempFile();
    await writeFile(
      path,
      '{"format": "statecord.sessions", "version": 1, "sessions": {"0": {"sessionId": "secret-id", "sequence": -1, "resumeUrl": null}}}',
    );
    const error = (await rejection(new FileSessionStore(path).get(0))) as Error;
    expect(error.message).not.toContain('secret-id');
  });

  it('once the bad file is moved away, the same store starts afresh', async () => {
    const path = await tempFile();
    await writeFile(path, 'not json');
    const store = new FileSessionStore(path);
    expect(await rejection(store.get(0))).toBeInstanceOf(SessionStoreCorruptError);
    await rename(path, `${path}.bad`);
    await store.set(0, session(1));
    expect(await new FileSessionStore(path).get(0)).toEqual(session(1));
    expect(await readFile(`${path}.bad`, 'utf8')).toBe('not json');
  });
});
