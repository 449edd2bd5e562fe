import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { TOKEN, defer, startSystem } from './harness.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `SKIPPED the visualizer browser test: no Chromium at ${CHROMIUM} ` +
      '(install it with `apt-get install -y chromium`, as .ci/run does, or set CHROMIUM_PATH).',
  );
}

const WAIT = { timeout: 5_000 };

/** The little of the DOM the in-page checks use (this project's TypeScript has no DOM types). */
interface PageDocument {
  querySelectorAll(selector: string): Iterable<{
    readonly dataset: Record<string, string | undefined>;
    getAttribute(name: string): string | null;
  }>;
}
interface PageGlobals {
  readonly document: PageDocument;
}

// Run in the page: functions, not strings (the page's CSP forbids eval).
const threeReady = () =>
  [...(globalThis as unknown as PageGlobals).document.querySelectorAll('.shard[data-status="ready"]')]
    .length === 3;
/** Shard 1's log rows, oldest first, show ready → reconnecting, then connecting → resuming, then resuming → ready. */
const resumeStoryShown = () => {
  const rows = [
    ...(globalThis as unknown as PageGlobals).document.querySelectorAll('#log tr[data-shard="1"]'),
  ];
  const moves = rows.reverse().map((row) => `${row.dataset['from']}>${row.dataset['to']}`);
  const down = moves.indexOf('ready>reconnecting');
  const resuming = moves.indexOf('connecting>resuming', down);
  const ready = moves.indexOf('resuming>ready', resuming);
  return down >= 0 && resuming > down && ready > resuming;
};
const logRowShards = () =>
  [...(globalThis as unknown as PageGlobals).document.querySelectorAll('#log tr')].map((row) =>
    row.getAttribute('data-shard'),
  );

describe.skipIf(!hasChromium)('the visualizer page in Chromium', () => {
  it(
    'shows 3 shards ready, then one shard reconnect, resume and be ready again',
    { timeout: 15_000 },
    async () => {
      const { gateway, manager, url } = await startSystem(3);
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
          '--disable-sync',
          '--disable-quic',
        ],
      });
      defer(() => browser.close());
      const page = await browser.newPage({ viewport: { width: 1500, height: 1050 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('request', (request) => requests.push(request.url()));

      await page.goto(url);
      await Promise.all(manager.startShards());
      await page.waitForFunction(threeReady, undefined, WAIT);
      await page.locator('#feed').filter({ hasText: 'live' }).waitFor(WAIT);
      for (const id of [0, 1, 2]) {
        await page
          .locator(`.shard[data-shard="${id}"] [data-state-id="shard.connection.lifecycle.ready"].active`)
          .waitFor(WAIT);
      }
      expect(await page.locator('#ready-count').textContent()).toBe('3/3 ready');

      // Op 7 on shard 1: it must go through reconnecting and resuming back to ready.
      const connection = gateway.connections.find((candidate) => candidate.shardId === 1)!;
      connection.sendReconnect();
      await page.waitForFunction(resumeStoryShown, undefined, WAIT);
      const card = page.locator('.shard[data-shard="1"]');
      await card.locator('[data-state-id="shard.connection.lifecycle.ready"].active').waitFor(WAIT);
      expect(await card.getAttribute('data-status')).toBe('ready');
      await card.locator('[data-stat="reconnects"]').filter({ hasText: /^1$/ }).waitFor(WAIT);
      await page.locator('#log tr[data-shard="1"][data-event="gateway.reconnect"]').first().waitFor(WAIT);

      // The log filter shows one shard's transitions only.
      await page.selectOption('#filter', '1');
      const shown = await page.evaluate(logRowShards);
      expect(shown.length).toBeGreaterThanOrEqual(4);
      expect(new Set(shown)).toEqual(new Set(['1']));
      await page.selectOption('#filter', 'all');

      await mkdir('test-output', { recursive: true });
      await page.screenshot({ path: 'test-output/visualizer.png', fullPage: true });

      expect(errors).toEqual([]);
      const origin = new URL(url).origin;
      expect(requests.every((request) => request.startsWith(origin))).toBe(true);
      expect(await page.content()).not.toContain(TOKEN);
    },
  );
});
