import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');

// Regression (issue 11, defect 9): the README did not document the events a bot needs to see faults.
describe('README documents every event of a shard', () => {
  it.for(['connected', 'reconnected', 'sessionLost', 'failure', 'stateChange', 'warning', 'budgetExhausted'])(
    '`%s` has a row in the events table',
    (event) => {
      expect(readme).toMatch(new RegExp(`^\\| \`${event}\` +\\|`, 'm'));
    },
  );
});
