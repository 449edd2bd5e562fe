import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ListenerError } from '../../src/errors.js';
import { resetReportedWarnings } from '../../src/util/process-warning.js';
import { TypedEmitter } from '../../src/util/typed-emitter.js';

interface Events {
  ping: number;
  other: string;
}

/** An emitter that records what its listeners' failures became. */
class Recording extends TypedEmitter<Events> {
  readonly failures: Array<{ event: string; error: unknown }> = [];

  protected override onListenerError(event: string, error: unknown): void {
    this.failures.push({ event, error });
  }
}

/** Resolves after pending promise callbacks ran (a rejected listener's report is one of them). */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TypedEmitter: each listener runs isolated', () => {
  it('a listener that throws does not stop the listeners after it', () => {
    const emitter = new Recording();
    const calls: string[] = [];
    emitter.on('ping', () => calls.push('first'));
    emitter.on('ping', () => {
      throw new Error('bot bug');
    });
    emitter.on('ping', () => calls.push('third'));

    emitter.emit('ping', 1);

    expect(calls).toEqual(['first', 'third']);
    expect(emitter.failures).toMatchObject([{ event: 'ping', error: { message: 'bot bug' } }]);
  });

  it('an async listener that rejects is reported, not left unhandled', async () => {
    const emitter = new Recording();
    emitter.on('ping', async () => {
      await Promise.resolve();
      throw new Error('async bot bug');
    });

    emitter.emit('ping', 1);
    await settled();

    expect(emitter.failures).toMatchObject([{ event: 'ping', error: { message: 'async bot bug' } }]);
  });

  it('a listener that throws a non-Error value is reported with that value', () => {
    const emitter = new Recording();
    emitter.on('ping', () => {
      throw 'a string'; // eslint-disable-line @typescript-eslint/only-throw-error
    });
    emitter.emit('ping', 1);
    expect(emitter.failures).toEqual([{ event: 'ping', error: 'a string' }]);
  });

  it('without an override, a failing listener becomes one process warning with a code', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const emitter = new TypedEmitter<Events>();
      emitter.on('ping', () => {
        throw new Error('bot bug');
      });
      emitter.emit('ping', 1);
      emitter.emit('ping', 2);
      await settled();
      expect(warnings).toMatchObject([{ name: ListenerError.name, code: 'STATECORD_ERR_LISTENER' }]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  beforeEach(() => resetReportedWarnings());
  afterEach(() => resetReportedWarnings());
});

describe('TypedEmitter: registration', () => {
  it('once runs a listener for one emit only', () => {
    const emitter = new Recording();
    const seen: number[] = [];
    emitter.once('ping', (value) => seen.push(value));
    emitter.emit('ping', 1);
    emitter.emit('ping', 2);
    expect(seen).toEqual([1]);
    expect(emitter.listenerCount('ping')).toBe(0);
  });

  it('the function on() returns removes that listener; off() removes one registration', () => {
    const emitter = new Recording();
    const seen: string[] = [];
    const listener = () => seen.push('a');
    const remove = emitter.on('ping', listener);
    emitter.on('ping', listener);
    remove();
    emitter.emit('ping', 1);
    emitter.off('ping', listener);
    emitter.emit('ping', 2);
    expect(seen).toEqual(['a']);
  });

  it('a listener added during an emit runs from the next emit on', () => {
    const emitter = new Recording();
    const seen: string[] = [];
    emitter.on('ping', () => {
      seen.push('outer');
      emitter.on('ping', () => seen.push('inner'));
    });
    emitter.emit('ping', 1);
    expect(seen).toEqual(['outer']);
    emitter.emit('ping', 2);
    expect(seen).toEqual(['outer', 'outer', 'inner']);
  });

  it('emit reports whether the event had listeners', () => {
    const emitter = new Recording();
    expect(emitter.emit('other', 'x')).toBe(false);
    emitter.on('other', () => undefined);
    expect(emitter.emit('other', 'x')).toBe(true);
  });
});
