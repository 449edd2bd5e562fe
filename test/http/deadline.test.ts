import { getEventListeners, once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Deadline } from '../../src/http/deadline.js';

describe('Deadline', () => {
  it('aborts when its time passes, and says so', async () => {
    const deadline = new Deadline(undefined, 20);
    await once(deadline.signal, 'abort');
    expect(deadline.expired).toBe(true);
    expect(deadline.remainingMs()).toBe(0);
    deadline.dispose();
  });

  it("aborts with the parent's reason when the parent aborts, and is not expired", () => {
    const parent = new AbortController();
    const deadline = new Deadline(parent.signal, 60_000);
    expect(deadline.remainingMs()).toBeGreaterThan(0);
    parent.abort(new Error('stop'));
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toMatchObject({ message: 'stop' });
    expect(deadline.expired).toBe(false);
    deadline.dispose();
  });

  it('an already aborted parent aborts it at once', () => {
    const deadline = new Deadline(AbortSignal.abort(new Error('gone')), 60_000);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.expired).toBe(false);
    deadline.dispose();
  });

  it('dispose unlinks it from a long-lived parent and stops its timer', async () => {
    const parent = new AbortController();
    const deadlines = Array.from({ length: 5 }, () => new Deadline(parent.signal, 20));
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(5);
    for (const deadline of deadlines) deadline.dispose();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    // A later deadline still fires; the disposed ones never do.
    const witness = new Deadline(undefined, 40);
    await once(witness.signal, 'abort');
    expect(deadlines.map((deadline) => deadline.signal.aborted)).toEqual([false, false, false, false, false]);
  });
});
