import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import {
  STAGE_ID,
  TOKEN,
  VOICE_TIMING,
  defer,
  endlessFrames,
  guildOnShard,
  stageGuild,
  startSystem,
} from './harness.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `SKIPPED the visualizer browser test: no Chromium at ${CHROMIUM} ` +
      '(install it with `apt-get install -y chromium`, as .ci/run does, or set CHROMIUM_PATH).',
  );
}

const WAIT = { timeout: 10_000 };

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
  [...(globalThis as unknown as PageGlobals).document.querySelectorAll('.cell[data-status="ready"]')]
    .length === 3;
/** Shard 1's own log rows, oldest first, show ready → reconnecting, then connecting → resuming, then resuming → ready. */
const resumeStoryShown = () => {
  const rows = [
    ...(globalThis as unknown as PageGlobals).document.querySelectorAll(
      '#log tr[data-shard="1"]:not([data-guild])',
    ),
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

/** A guild of shard 1, whose stage channel the test joins. */
const VOICE_GUILD = guildOnShard(1, 3);

describe.skipIf(!hasChromium)('the visualizer page in Chromium', () => {
  it(
    'shows 3 shards ready, one shard reconnect, resume and be ready again, and its voice connection resume',
    { timeout: 30_000 },
    async () => {
      const { gateway, voice, manager, url } = await startSystem(3, {
        guilds: [stageGuild(VOICE_GUILD)],
        voice: true,
      });
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
      // The overview first; a click on a shard's cell shows its statechart.
      for (const id of [0, 2, 1]) {
        await page.click(`.cell[data-shard="${id}"]`);
        await page
          .locator(`.shard[data-shard="${id}"] [data-state-id="shard.connection.lifecycle.ready"].active`)
          .waitFor(WAIT);
      }
      expect(await page.locator('#ready-count').textContent()).toBe('3/3 ready');
      expect(await page.locator('.count[data-state="ready"] .n').textContent()).toBe('3');

      // Shard 1 joins a stage channel and plays: its voice connection shows under it, speaking.
      const call = await manager.voice.join(VOICE_GUILD, STAGE_ID, { timing: VOICE_TIMING });
      const music = endlessFrames();
      const playback = call.play(music.source);
      defer(async () => {
        music.stop();
        await playback.finished.catch(() => {});
      });
      const voiceCard = page.locator(`.shard[data-shard="1"] .voice[data-guild="${VOICE_GUILD}"]`);
      await voiceCard
        .locator('[data-role="voice-status"]')
        .filter({ hasText: /^ready$/ })
        .waitFor(WAIT);
      await voiceCard
        .locator('[data-state-id="voice.session.connection.lifecycle.ready.speaking"].active')
        .waitFor(WAIT);
      expect(await voiceCard.locator('.guild-id').textContent()).toBe(VOICE_GUILD);
      await page.locator('#voice-count').filter({ hasText: '1/1 voice ready' }).waitFor(WAIT);

      // Op 7 on shard 1: it must go through reconnecting and resuming back to ready.
      const connection = gateway.connections.find((candidate) => candidate.shardId === 1)!;
      connection.sendReconnect();
      await page.waitForFunction(resumeStoryShown, undefined, WAIT);
      const card = page.locator('.shard[data-shard="1"]');
      await card.locator('[data-state-id="shard.connection.lifecycle.ready"].active').waitFor(WAIT);
      expect(await card.getAttribute('data-status')).toBe('ready');
      await card.locator('[data-stat="reconnects"]').filter({ hasText: /^1$/ }).waitFor(WAIT);
      // The step it took is drawn as an arrow on its statechart; its history lists it.
      await card
        .locator('svg.arrows path.arrow.taken')
        .first()
        .waitFor({ ...WAIT, state: 'attached' });
      await page.locator('#history tr[data-event="gateway.resumed"]').first().waitFor(WAIT);
      await page.locator('#log tr[data-shard="1"][data-event="gateway.reconnect"]').first().waitFor(WAIT);

      // The voice server drops the voice connection's TCP: it resumes, and is ready (speaking) again.
      voice!.connections.find((candidate) => candidate.open)!.terminate();
      const voiceRows = `#log tr[data-shard="1"][data-guild="${VOICE_GUILD}"]`;
      await page.locator(`${voiceRows}[data-event="socket.closed"][data-to="reconnecting"]`).waitFor(WAIT);
      await page.locator(`${voiceRows}[data-event="voice.resumed"][data-from="resuming"]`).waitFor(WAIT);
      await voiceCard.locator('[data-stat="voice-reconnects"]').filter({ hasText: /^1$/ }).waitFor(WAIT);
      await voiceCard
        .locator('[data-state-id="voice.session.connection.lifecycle.ready.speaking"].active')
        .waitFor(WAIT);
      expect(await voiceCard.getAttribute('data-status')).toBe('ready');

      // The log filter shows one shard's transitions only (its voice connection's among them).
      await page.selectOption('#filter', '1');
      const shown = await page.evaluate(logRowShards);
      expect(shown.length).toBeGreaterThanOrEqual(4);
      expect(new Set(shown)).toEqual(new Set(['1']));
      await page.selectOption('#filter', 'all');

      await mkdir('test-output', { recursive: true });
      await page.screenshot({ path: 'test-output/visualizer.png', fullPage: true });

      // Leaving destroys the connection: greyed out, then gone.
      music.stop();
      await playback.finished;
      await call.leave();
      await voiceCard
        .locator('[data-role="voice-status"]')
        .filter({ hasText: /^destroyed$/ })
        .waitFor(WAIT);
      await page.locator(`.voice.gone[data-guild="${VOICE_GUILD}"]`).waitFor(WAIT);
      expect(await voiceCard.locator('[data-role="disconnection"]').textContent()).toBe('Left');
      expect(await page.locator('#voice-count').isHidden()).toBe(true);

      expect(errors).toEqual([]);
      const origin = new URL(url).origin;
      expect(requests.every((request) => request.startsWith(origin))).toBe(true);
      expect(await page.content()).not.toContain(TOKEN);
    },
  );
});
