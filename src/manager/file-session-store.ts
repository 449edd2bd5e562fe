import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InvalidArgumentError, SessionStoreCorruptError } from '../errors.js';
import type { ShardSession } from '../shard/shard-options.js';
import type { SessionStore } from './session-store.js';

/** `format` of a session file: what tells it apart from any other JSON document. */
const FORMAT = 'statecord.sessions';
/** The document version this code reads and writes; any other version is refused, never rewritten. */
const VERSION = 1;

/** A write in flight: the change count it captured, and the promise its callers wait on. */
interface Write {
  readonly version: number;
  readonly done: Promise<void>;
}

/**
 * A {@link SessionStore} in one JSON file, so that a bot on a single host resumes every shard after a
 * restart (even a crash) with no server. The file is a small versioned document:
 *
 * ```json
 * { "format": "statecord.sessions", "version": 1,
 *   "sessions": { "0": { "sessionId": "…", "sequence": 42, "resumeUrl": "wss://…" } } }
 * ```
 *
 * - **One file per manager.** The file is read once, on first use; from then on this instance's copy is
 *   the truth and every write replaces the whole file. Two stores (or processes) on one path overwrite
 *   each other's shards, so give each manager its own path (e.g. `sessions-${processIndex}.json`).
 * - **Atomic, durable writes.** Each write goes to a new temporary file in the same directory, is
 *   fsynced, then renamed over the file (and the directory is fsynced), so a crash at any point leaves
 *   either the old or the new document, never a torn one. A crash between the two steps may leave a
 *   `.<name>.*.tmp` file behind; it is never read and may be deleted. Files are created with mode 0600.
 * - **Serialised and coalesced.** One write at a time; changes made while a write is in flight share
 *   the next one. The promise of `set`/`delete` resolves once the file holds that change (or a later one).
 * - **Never a silent overwrite.** A missing file is an empty store. A file that is not JSON, JSON of
 *   another format or version (a "foreign" file), or an entry of the wrong shape makes every call reject
 *   with {@link SessionStoreCorruptError} and is left as it is; the store tries again on each call, so
 *   moving the file away recovers without a restart. `ShardManager` reports such an error as a `warning`
 *   and identifies instead. Other I/O errors (e.g. `EACCES`) reject as Node reports them. The directory
 *   must exist.
 * - The file holds session ids, sequences and resume URLs only: never the token (a session cannot be
 *   resumed without it).
 *
 * @example
 * ```ts
 * import { FileSessionStore, GatewayIntentBits, ShardManager } from 'statecord';
 *
 * const manager = new ShardManager({
 *   token: process.env.DISCORD_TOKEN!,
 *   intents: GatewayIntentBits.Guilds,
 *   sessionStore: new FileSessionStore('./sessions.json'),
 * });
 * ```
 */
export class FileSessionStore implements SessionStore {
  /** The file, as given to the constructor. */
  readonly path: string;
  /** The sessions, once the file was loaded; null before. */
  #sessions: Map<number, ShardSession> | null = null;
  #loading: Promise<Map<number, ShardSession>> | null = null;
  /** Changes made so far, and the count the file is known to hold. */
  #version = 0;
  #written = 0;
  /** The write that has not started yet: later changes join it. */
  #queued: Promise<void> | null = null;
  #inFlight: Write | null = null;
  /** The end of the write chain; never rejects, so one failed write does not block the next. */
  #tail: Promise<void> = Promise.resolve();

  /** @param path The JSON file (created on the first write; its directory must exist). */
  constructor(path: string) {
    if (typeof path !== 'string' || path.length === 0) {
      throw new InvalidArgumentError('FileSessionStore needs a file path (a non-empty string)');
    }
    this.path = path;
  }

  /** The saved session of a shard, or null. Rejects with {@link SessionStoreCorruptError} for a bad file. */
  async get(shardId: number): Promise<ShardSession | null> {
    checkShardId(shardId);
    const sessions = this.#sessions ?? (await this.#load());
    const session = sessions.get(shardId);
    return session === undefined ? null : { ...session };
  }

  /** Saves a shard's session; resolves once the file holds it (or a later change). */
  async set(shardId: number, session: ShardSession): Promise<void> {
    checkShardId(shardId);
    const problem = sessionProblem(session);
    // Refused here, so that the store never writes a file it would refuse to load.
    if (problem !== null) {
      throw new InvalidArgumentError(`the session of shard ${shardId} is malformed: ${problem}`);
    }
    // Only the session's own fields: whatever else the caller's object holds never reaches the disk.
    const entry = sessionEntry(session);
    return this.#change((sessions) => {
      const old = sessions.get(shardId);
      sessions.set(shardId, entry);
      return !(
        old?.sessionId === entry.sessionId &&
        old.sequence === entry.sequence &&
        old.resumeUrl === entry.resumeUrl &&
        old.shardCount === entry.shardCount
      );
    });
  }

  /** Forgets a shard's session; resolves once the file no longer holds it. */
  async delete(shardId: number): Promise<void> {
    checkShardId(shardId);
    return this.#change((sessions) => sessions.delete(shardId));
  }

  /**
   * Applies a change to the loaded sessions (in call order, also while the file loads) and writes the
   * file if it changed anything or an earlier change has not reached the disk yet.
   */
  #change(apply: (sessions: Map<number, ShardSession>) => boolean): Promise<void> {
    if (this.#sessions === null) return this.#load().then(() => this.#change(apply));
    if (apply(this.#sessions)) this.#version += 1;
    return this.#flush();
  }

  /** The first load shares one read between every waiting call; a failed load is tried again next call. */
  #load(): Promise<Map<number, ShardSession>> {
    this.#loading ??= readSessionFile(this.path).then(
      (sessions) => {
        this.#loading = null;
        this.#sessions = sessions;
        return sessions;
      },
      (error: unknown) => {
        this.#loading = null;
        throw error;
      },
    );
    return this.#loading;
  }

  /** A promise that resolves once the file holds the current version. */
  #flush(): Promise<void> {
    if (this.#written === this.#version) return Promise.resolve();
    if (this.#queued !== null) return this.#queued;
    if (this.#inFlight?.version === this.#version) return this.#inFlight.done;
    const run = async (): Promise<void> => {
      // From here on, a change needs the next write: this one may already have taken its snapshot.
      this.#queued = null;
      const version = this.#version;
      this.#inFlight = { version, done };
      try {
        await writeAtomically(this.path, serialize(this.#sessions ?? new Map()));
        this.#written = version;
      } finally {
        if (this.#inFlight?.done === done) this.#inFlight = null;
      }
    };
    const done = this.#tail.then(run);
    this.#tail = done.catch(() => undefined);
    this.#queued = done;
    return done;
  }
}

function checkShardId(shardId: number): void {
  if (!Number.isSafeInteger(shardId) || shardId < 0) {
    throw new InvalidArgumentError(`shard id must be a non-negative integer, got ${String(shardId)}`);
  }
}

/** What is wrong with a session's shape, or null. Never quotes the session id (it is half a credential). @internal */
export function sessionProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `it is ${describe(value)}, not an object`;
  }
  const { sessionId, sequence, resumeUrl } = value as Record<string, unknown>;
  if (typeof sessionId !== 'string' || sessionId.length === 0) return 'sessionId is not a non-empty string';
  if (
    sequence !== null &&
    !(typeof sequence === 'number' && Number.isSafeInteger(sequence) && sequence >= 0)
  ) {
    return `sequence is ${describe(sequence)}, not a non-negative safe integer or null`;
  }
  if (resumeUrl !== null && typeof resumeUrl !== 'string') {
    return `resumeUrl is ${describe(resumeUrl)}, not a string or null`;
  }
  const { shardCount } = value as Record<string, unknown>;
  if (
    shardCount !== undefined &&
    !(typeof shardCount === 'number' && Number.isSafeInteger(shardCount) && shardCount >= 1)
  ) {
    return `shardCount is ${describe(shardCount)}, not an integer ≥ 1`;
  }
  return null;
}

/** The fields of a session the file keeps (`shardCount` only when known). */
function sessionEntry(session: ShardSession): ShardSession {
  const { sessionId, sequence, resumeUrl, shardCount } = session;
  return { sessionId, sequence, resumeUrl, ...(shardCount === undefined ? {} : { shardCount }) };
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a value of type ${typeof value}`;
}

/** Reads and checks a session file; a missing file is an empty store. */
async function readSessionFile(path: string): Promise<Map<number, ShardSession>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new SessionStoreCorruptError(path, `it is not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  return parseDocument(path, document);
}

function parseDocument(path: string, document: unknown): Map<number, ShardSession> {
  const corrupt = (reason: string) => new SessionStoreCorruptError(path, reason);
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw corrupt(`it is not a statecord session file (the JSON is ${describe(document)}, not an object)`);
  }
  const { format, version, sessions } = document as Record<string, unknown>;
  if (format !== FORMAT) throw corrupt(`it is not a statecord session file (no "format": "${FORMAT}")`);
  if (version !== VERSION) {
    throw corrupt(`its version is ${describe(version)}; this statecord reads version ${VERSION} only`);
  }
  if (typeof sessions !== 'object' || sessions === null || Array.isArray(sessions)) {
    throw corrupt(`"sessions" is ${describe(sessions)}, not an object`);
  }
  const result = new Map<number, ShardSession>();
  for (const [key, value] of Object.entries(sessions)) {
    const shardId = Number(key);
    if (!/^(0|[1-9][0-9]*)$/.test(key) || !Number.isSafeInteger(shardId)) {
      throw corrupt(`"sessions" has the key ${JSON.stringify(key.slice(0, 40))}, not a shard id`);
    }
    const problem = sessionProblem(value);
    if (problem !== null) throw corrupt(`the session of shard ${key} is malformed: ${problem}`);
    result.set(shardId, sessionEntry(value as ShardSession));
  }
  return result;
}

function serialize(sessions: ReadonlyMap<number, ShardSession>): string {
  const entries = [...sessions]
    .sort(([a], [b]) => a - b)
    .map(([id, session]): [string, ShardSession] => [String(id), session]);
  return `${JSON.stringify({ format: FORMAT, version: VERSION, sessions: Object.fromEntries(entries) }, null, 2)}\n`;
}

/** Write-then-rename (POSIX rename replaces the target atomically), fsyncing the data and the directory. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const directory = dirname(path);
  // Unique per write, hidden, in the target's directory (a rename across file systems is not atomic).
  const temporary = join(
    directory,
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}

/** Makes the rename itself durable. Some platforms (Windows) cannot open a directory: the rename is still atomic. */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: see above.
  }
}
