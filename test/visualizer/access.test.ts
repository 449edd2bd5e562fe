import { describe, expect, it, vi } from 'vitest';
import { ShardManager } from '../../src/index.js';
import { createVisualizer } from '../../src/visualizer/index.js';
import { accessKeyMatches, isLoopbackHost } from '../../src/visualizer/access.js';
import { TOKEN, defer, feedUrl, httpGet, startSystem, upgradeStatus } from './harness.js';

/** The page's URL on 127.0.0.1 (the server listens on every address) without the key. */
function localUrl(pageUrl: string): string {
  const url = new URL(pageUrl);
  url.hostname = '127.0.0.1';
  url.search = '';
  return url.toString();
}

describe('access to the visualizer', () => {
  it('on a non-loopback address, generates a key, announces it once, and checks it on every request', async () => {
    const announce = vi.fn();
    const viz = createVisualizer({ host: '0.0.0.0', announce });
    defer(() => viz.close());
    const url = await viz.listen();
    expect(viz.accessKey).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(announce).toHaveBeenCalledTimes(1);
    expect(announce).toHaveBeenCalledWith(url);
    expect(url).toContain(`?key=${viz.accessKey}`);
    const base = localUrl(url);
    const key = viz.accessKey!;

    expect((await httpGet(base)).status).toBe(401);
    expect((await httpGet(`${base}?key=wrong-key-123`)).status).toBe(403);
    expect((await httpGet(`${base}?key=${key.slice(0, -1)}`)).status).toBe(403);
    expect((await httpGet(`${base}nothing-here`)).status).toBe(401);
    const page = await httpGet(`${base}?key=${key}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>statecord');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect((await httpGet(base, { 'X-Statecord-Key': key })).status).toBe(200);
    expect((await httpGet(base, { Authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await httpGet(base, { Authorization: 'Bearer nope-nope-nope' })).status).toBe(403);

    const feed = feedUrl(base);
    expect(await upgradeStatus(feed)).toBe(401);
    expect(await upgradeStatus(`${feed}?key=wrong-key-123`)).toBe(403);
    expect(await upgradeStatus(`${feed}?key=${key}`)).toBe(101);
  });

  it('checks a given key on loopback too', async () => {
    const viz = createVisualizer({ accessKey: 'correct-horse-battery' });
    defer(() => viz.close());
    const url = await viz.listen();
    const base = localUrl(url);
    expect((await httpGet(base)).status).toBe(401);
    expect((await httpGet(`${base}?key=correct-horse-batterx`)).status).toBe(403);
    expect((await httpGet(url)).status).toBe(200);
    expect(await upgradeStatus(feedUrl(base))).toBe(401);
    expect(await upgradeStatus(feedUrl(url))).toBe(101);
  });

  it('on loopback without a key, refuses foreign hosts and origins (DNS rebinding, cross-site sockets)', async () => {
    const viz = createVisualizer();
    defer(() => viz.close());
    const url = await viz.listen();
    expect(viz.accessKey).toBeNull();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await httpGet(url)).status).toBe(200);
    const port = new URL(url).port;
    expect((await httpGet(url, { Host: `localhost:${port}` })).status).toBe(200);
    expect((await httpGet(url, { Host: `evil.example:${port}` })).status).toBe(403);
    expect(await upgradeStatus(feedUrl(url))).toBe(101);
    expect(await upgradeStatus(feedUrl(url), { Origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await upgradeStatus(feedUrl(url), { Origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(feedUrl(url), { Origin: 'null' })).toBe(403);
    expect(await upgradeStatus(url.replace('http:', 'ws:') + 'elsewhere')).toBe(404);
  });

  it('refuses a manager that was not created with its inspect observer', async () => {
    const viz = createVisualizer();
    defer(() => viz.close());
    const manager = new ShardManager({ token: TOKEN, intents: 1, fetchGatewayInfo: false });
    defer(() => manager.stopShards());
    await expect(viz.listen(manager)).rejects.toThrow(/inspect: viz\.inspect/);
  });

  it('does not embed the key in the page (the script reads it from the address bar)', async () => {
    const { url } = await startSystem(1, { visualizer: { host: '0.0.0.0', announce: () => {} } });
    const page = await httpGet(url.replace('0.0.0.0', '127.0.0.1'));
    const key = new URL(url).searchParams.get('key')!;
    expect(page.status).toBe(200);
    expect(page.body).not.toContain(key);
  });
});

describe('access helpers', () => {
  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', 'a.localhost']) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.2', 'example.com', '128.0.0.1', 'localhost.evil.com']) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });

  it('compares keys of any length', () => {
    expect(accessKeyMatches('abcdefgh', 'abcdefgh')).toBe(true);
    expect(accessKeyMatches('abcdefgh', 'abcdefg')).toBe(false);
    expect(accessKeyMatches('abcdefgh', '')).toBe(false);
  });
});
