import { afterEach, describe, expect, it } from 'vitest';
import {
  flush,
  GATEWAY_URL,
  readyShard,
  RESUME_URL,
  SESSION_ID,
  startPureShard,
  takeActorErrors,
} from './harness.js';

afterEach(() => {
  expect(takeActorErrors()).toEqual([]);
});

describe('stopping', () => {
  it('stop({ resumable: false }) from ready → close 1000 and stopped', async () => {
    const shard = await readyShard();
    shard.send({ type: 'shard.stop', resumable: false });
    expect(shard.lifecycle()).toBe('stopped');
    expect(shard.commandsTo(0).slice(-2)).toEqual([
      { type: 'outbound.hold', url: GATEWAY_URL, socket: 0 },
      { type: 'close', code: 1000, url: GATEWAY_URL, socket: 0 },
    ]);
  });

  it('stop({ resumable: false }) forgets the session and emits session.lost', async () => {
    const shard = await readyShard();
    shard.send({ type: 'shard.stop', resumable: false });
    expect(shard.context().session).toBeNull();
    expect(shard.emitted.at(-1)).toEqual({ type: 'session.lost', sessionId: SESSION_ID });
  });

  it('a start after a non-resumable stop identifies on the gateway url', async () => {
    const shard = await readyShard();
    shard.send({ type: 'shard.stop', resumable: false });
    shard.start();
    expect(shard.sockets).toEqual([GATEWAY_URL, GATEWAY_URL]);
    shard.hello();
    await flush();
    expect(shard.commandsTo(1).map((command) => command.type)).toEqual(['identify']);
  });

  it('stop({ resumable: true }) from ready → close 4000 and stopped, session kept', async () => {
    const shard = await readyShard();
    shard.send({ type: 'shard.stop', resumable: true });
    expect(shard.lifecycle()).toBe('stopped');
    expect(shard.commands.at(-1)).toEqual({ type: 'close', code: 4000, url: GATEWAY_URL, socket: 0 });
    expect(shard.context().session).toEqual({ sessionId: SESSION_ID, resumeUrl: RESUME_URL });
    expect(shard.emitted.map((event) => event.type)).toEqual(['session.identified']);
  });

  it('a start after a resumable stop resumes on the resume url', async () => {
    const shard = await readyShard();
    shard.send({ type: 'shard.stop', resumable: true });
    shard.start();
    expect(shard.sockets).toEqual([GATEWAY_URL, RESUME_URL]);
    shard.hello();
    expect(shard.commandsTo(1)).toEqual([
      { type: 'resume', sessionId: SESSION_ID, url: RESUME_URL, socket: 1 },
    ]);
    shard.resumed();
    expect(shard.lifecycle()).toBe('ready');
  });

  it('a stopped shard opens no socket and sends nothing, however long the clock runs', async () => {
    const shard = await readyShard();
    shard.send({ type: 'shard.stop', resumable: true });
    const sent = shard.commands.length;
    shard.clock.increment(10 * 60 * 1000);
    expect(shard.sockets).toHaveLength(1);
    expect(shard.commands).toHaveLength(sent);
    expect(shard.lifecycle()).toBe('stopped');
  });

  it('stop while reconnecting → stopped with no new socket', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.send({ type: 'shard.stop', resumable: true });
    expect(shard.lifecycle()).toBe('stopped');
    shard.clock.increment(120_000);
    expect(shard.sockets).toHaveLength(1);
    expect(shard.context().session?.sessionId).toBe(SESSION_ID);
  });

  it('a non-resumable stop while reconnecting forgets the session and sends no close', async () => {
    const shard = await readyShard();
    shard.close(1006, 'transport');
    const sent = shard.commands.length;
    shard.send({ type: 'shard.stop', resumable: false });
    expect(shard.lifecycle()).toBe('stopped');
    expect(shard.context().session).toBeNull();
    expect(shard.emitted.at(-1)).toEqual({ type: 'session.lost', sessionId: SESSION_ID });
    expect(shard.commands).toHaveLength(sent);
  });

  it('stop while connecting closes the socket and cancels the hello timeout', () => {
    const shard = startPureShard();
    shard.start();
    shard.send({ type: 'shard.stop', resumable: false });
    expect(shard.commands).toEqual([{ type: 'close', code: 1000, url: GATEWAY_URL, socket: 0 }]);
    shard.clock.increment(60_000);
    expect(shard.lifecycle()).toBe('stopped');
    expect(shard.sockets).toHaveLength(1);
  });

  it('stop while waiting for the identify slot → stopped, identify never sent', async () => {
    let release: () => void = () => undefined;
    const shard = startPureShard({}, { gate: () => new Promise<void>((resolve) => (release = resolve)) });
    shard.start();
    shard.hello();
    shard.send({ type: 'shard.stop', resumable: false });
    release();
    await flush();
    expect(shard.lifecycle()).toBe('stopped');
    expect(shard.commandTypes()).toEqual(['close']);
  });

  it('stop while resuming with resumable: true keeps the session for the next start', async () => {
    const shard = await readyShard();
    shard.send({ type: 'gateway.reconnect' });
    shard.clock.increment(500);
    shard.hello();
    shard.send({ type: 'shard.stop', resumable: true });
    expect(shard.commands.at(-1)).toMatchObject({ type: 'close', code: 4000, socket: 1 });
    shard.start();
    shard.hello();
    expect(shard.commandsTo(2).map((command) => command.type)).toEqual(['resume']);
  });

  it('stop before start → stopped, no socket', () => {
    const shard = startPureShard();
    shard.send({ type: 'shard.stop', resumable: true });
    expect(shard.lifecycle()).toBe('stopped');
    expect(shard.sockets).toEqual([]);
  });

  it('start after a stop before start connects', () => {
    const shard = startPureShard();
    shard.send({ type: 'shard.stop', resumable: true });
    shard.start();
    expect(shard.lifecycle()).toBe('connecting');
    expect(shard.sockets).toEqual([GATEWAY_URL]);
  });

  it('a stopped shard ignores socket and gateway events', async () => {
    const shard = await readyShard();
    shard.send({ type: 'shard.stop', resumable: true });
    shard.close(4004);
    shard.hello();
    shard.send({ type: 'gateway.invalidSession', resumable: false });
    expect(shard.lifecycle()).toBe('stopped');
    expect(shard.context().failure).toBeNull();
    expect(shard.context().session?.sessionId).toBe(SESSION_ID);
  });

  it('stop({ resumable: false }) before start forgets an input session: the next start identifies', () => {
    const shard = startPureShard({ session: { sessionId: 'saved', resumeUrl: RESUME_URL } });
    shard.send({ type: 'shard.stop', resumable: false });
    expect(shard.context().session).toBeNull();
    shard.start();
    expect(shard.sockets).toEqual([GATEWAY_URL]);
  });
});
