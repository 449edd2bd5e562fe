import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { TOKEN, defer, guildOnShard, startSystem } from './harness.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `SKIPPED the 1,000-shard visualizer test: no Chromium at ${CHROMIUM} ` +
      '(install it with `apt-get install -y chromium`, as .ci/run does, or set CHROMIUM_PATH).',
  );
}

const SHARDS = 1_000;
/** Generous: a loaded machine starts a thousand shards in seconds to tens of seconds. */
const STARTED = { timeout: 150_000 };
const WAIT = { timeout: 20_000 };

describe.skipIf(!hasChromium)('the visualizer with 1,000 shards', () => {
  it(
    'shows an overview, finds a shard by guild id, opens one on click, lists failed shards, and replays a downloaded trace',
    { timeout: 240_000 },
    async () => {
      const { gateway, manager, url } = await startSystem(SHARDS, {
        visualizer: { countersIntervalMs: 1_000 },
        gateway: { maxConcurrency: 16 },
      });
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync', '--disable-quic'],
      });
      defer(() => browser.close());
      const page = await browser.newPage({ viewport: { width: 1500, height: 1000 }, acceptDownloads: true });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      await page.goto(url);
      await page.locator('#feed').filter({ hasText: 'live' }).waitFor(WAIT);
      manager.on('warning', () => {});
      const started = Promise.all(manager.startShards());

      // The overview: one cell per shard, and counts per state, while they start.
      await page
        .locator('.cell')
        .nth(SHARDS - 1)
        .waitFor(WAIT);
      expect(await page.locator('.cell').count()).toBe(SHARDS);
      await started;
      await page
        .locator('.count[data-state="ready"] .n')
        .filter({ hasText: /^1000$/ })
        .waitFor(STARTED);
      expect(await page.locator('#ready-count').textContent()).toBe('1000/1000 ready');

      // A click shows one shard's statechart and history; the time it takes is logged, not asserted.
      const clickedAt = performance.now();
      await page.click('.cell[data-shard="500"]');
      await page
        .locator('.shard[data-shard="500"] [data-state-id="shard.connection.lifecycle.ready"].active')
        .waitFor(WAIT);
      const clickMs = performance.now() - clickedAt;
      console.log(`visualizer, ${SHARDS} shards: a click showed shard 500 in ${clickMs.toFixed(0)} ms`);
      await page.locator('#history tr[data-shard="500"][data-event="gateway.ready"]').waitFor(WAIT);

      // Search by guild id: the shard its guild routes to.
      await page.fill('#search', guildOnShard(123, SHARDS));
      await page.press('#search', 'Enter');
      await page.locator('.shard[data-shard="123"]').waitFor(WAIT);
      expect(await page.locator('#search-result').textContent()).toContain('shard 123');

      // Shard 7 fails for good (disallowed intents): the header lists it, the failure filter finds it.
      gateway.connections
        .find((connection) => connection.shardId === 7)!
        .close(4014, 'Disallowed intent(s).');
      await page.locator('#failed').filter({ hasText: '1 failed: #7' }).waitFor(WAIT);
      await page.selectOption('#failure-filter', 'failed');
      await page
        .locator('#shown')
        .filter({ hasText: /^1 of 1000 shown$/ })
        .waitFor(WAIT);
      expect(await page.locator('.cell:not(.dim)').getAttribute('data-shard')).toBe('7');
      await page.selectOption('#failure-filter', 'any');
      await page.selectOption('#bucket-filter', '3');
      await page
        .locator('#shown')
        .filter({ hasText: /^63 of 1000 shown$/ })
        .waitFor(WAIT);
      await page.selectOption('#bucket-filter', 'all');
      await page.click('#failed');
      await page.locator('.shard[data-shard="7"][data-status="failed"]').waitFor(WAIT);

      // docs/visualizer-1000.png is a copy of this screenshot (the test never writes into docs/).
      await mkdir('test-output', { recursive: true });
      await page.screenshot({ path: 'test-output/visualizer-1000.png' });

      // Shard 7's trace, downloaded, then loaded back and replayed step by step.
      const downloading = page.waitForEvent('download');
      await page.click('#download-trace');
      const file = await (await downloading).path();
      const trace = JSON.parse(await readFile(file, 'utf8')) as { shard: number; entries: { to: string }[] };
      expect(trace.shard).toBe(7);
      expect(trace.entries.map((entry) => entry.to)).toContain('failed');
      expect(JSON.stringify(trace)).not.toContain(TOKEN);
      await page.setInputFiles('#trace-file', file);
      await page
        .locator('#replay-step')
        .filter({ hasText: /^step 1 of \d+/ })
        .waitFor(WAIT);
      await page.click('#replay-next');
      await page.locator('.shard.replaying[data-step="1"]').waitFor(WAIT);
      await page
        .locator('.shard.replaying svg.arrows path.arrow.taken')
        .first()
        .waitFor({ ...WAIT, state: 'attached' });

      expect(errors).toEqual([]);
      expect(await page.content()).not.toContain(TOKEN);
    },
  );
});
