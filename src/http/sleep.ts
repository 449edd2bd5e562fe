import { setTimeout as delay } from 'node:timers/promises';
import type { Sleep } from './rest-options.js';

/** The default {@link Sleep}: a real timer that rejects when `signal` aborts. */
export const realSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal === undefined ? {} : { signal });
};
