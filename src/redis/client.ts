import { createHash } from 'node:crypto';
import { RedisUnavailableError } from '../errors.js';

/** Keys and arguments of one script call, as node-redis (`redis` ≥ 5) takes them. */
export interface RedisScriptCall {
  /** The script's `KEYS` (all under the gate's prefix). */
  readonly keys: string[];
  /** The script's `ARGV`, as strings. */
  readonly arguments: string[];
}

/**
 * The part of a Redis client that `statecord/redis` uses: running a Lua script by its SHA1 (`EVALSHA`)
 * and by its source (`EVAL`, when the server does not have it cached yet). Every command the scripts
 * run is a core command, so Redis ≥ 7 and Valkey both work.
 *
 * A client of the official `redis` package (node-redis, `createClient()`) fits as it is; an ioredis
 * client fits through `fromIoredis(client)`; any other client through a small object of these two.
 */
export interface RedisScriptClient {
  /** `EVAL script numkeys keys… args…`. */
  eval(script: string, options: RedisScriptCall): Promise<unknown>;
  /** `EVALSHA sha1 numkeys keys… args…`; rejects with an error whose message starts `NOSCRIPT` when not cached. */
  evalSha(sha1: string, options: RedisScriptCall): Promise<unknown>;
}

/** A Lua script, called by SHA1 and sent in full only when the server lacks it. @internal */
export class LuaScript {
  readonly source: string;
  readonly sha1: string;

  constructor(source: string) {
    this.source = source;
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Runs the script. Rejects with {@link RedisUnavailableError} when the client fails or has not
   * answered within `timeoutMs` (an offline client may queue the call and run it later: its result is
   * then ignored, which the scripts allow for).
   */
  async run(client: RedisScriptClient, call: RedisScriptCall, timeoutMs: number): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RedisUnavailableError(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#call(client, call), timeout]);
    } catch (error) {
      throw error instanceof RedisUnavailableError
        ? error
        : new RedisUnavailableError(describe(error), error);
    } finally {
      clearTimeout(timer);
    }
  }

  async #call(client: RedisScriptClient, call: RedisScriptCall): Promise<unknown> {
    try {
      return await client.evalSha(this.sha1, call);
    } catch (error) {
      if (!describe(error).includes('NOSCRIPT')) throw error;
      return client.eval(this.source, call);
    }
  }
}

/** An error's message without anything but its text (a client error never holds the bot token). */
function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
