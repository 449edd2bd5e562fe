import { describe, expect, it } from 'vitest';
import { GatewayOpcodes } from 'discord-api-types/v10';
import { GatewayDecodeError } from '../../src/errors.js';
import { createInboundDecoder } from '../../src/gateway/codec/index.js';

const text = (value: string): Buffer => Buffer.from(value, 'utf8');

describe('json decoder (no transport compression)', () => {
  it('decodes a text frame into its payload', () => {
    const decoder = createInboundDecoder('none');
    const payload = decoder.decode(text('{"op":10,"d":{"heartbeat_interval":41250}}'), false);
    expect(payload).toEqual({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: 41250 } });
  });

  it('decodes every message on its own, in any order', () => {
    const decoder = createInboundDecoder('none');
    expect(decoder.decode(text('{"op":11}'), false)).toEqual({ op: 11 });
    expect(decoder.decode(text('{"t":"READY","s":1,"op":0,"d":{}}'), false)).toMatchObject({ s: 1 });
  });

  it('accepts the key order of real frames and keeps unknown fields such as _trace', () => {
    const decoder = createInboundDecoder('none');
    const frame = '{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250,"_trace":["gw-1"]},"x":1}';
    expect(decoder.decode(text(frame), false)).toEqual({
      t: null,
      s: null,
      op: 10,
      d: { heartbeat_interval: 41250, _trace: ['gw-1'] },
      x: 1,
    });
  });

  it('parses a binary frame as UTF-8 JSON too', () => {
    const decoder = createInboundDecoder('none');
    expect(decoder.decode(text('{"op":11,"d":null}'), true)).toEqual({ op: 11, d: null });
  });

  it('rejects a frame over maxPayloadBytes with GatewayDecodeError', () => {
    const decoder = createInboundDecoder('none', { maxPayloadBytes: 16 });
    expect(() => decoder.decode(text('{"op":11,"d":null}'), false)).toThrow(GatewayDecodeError);
  });

  it('keeps decoding after a bad frame: it has no state to break', () => {
    const decoder = createInboundDecoder('none');
    expect(() => decoder.decode(text('not json'), false)).toThrow(GatewayDecodeError);
    expect(decoder.decode(text('{"op":11}'), false)).toEqual({ op: 11 });
  });

  it('throws GatewayDecodeError after close()', () => {
    const decoder = createInboundDecoder('none');
    decoder.close();
    expect(() => decoder.decode(text('{"op":11}'), false)).toThrow(GatewayDecodeError);
  });
});

describe('envelope validation', () => {
  const decode = (frame: string) => createInboundDecoder('none').decode(text(frame), false);

  it.each([
    ['invalid JSON', '{"op":'],
    ['an empty frame', ''],
    ['a JSON array', '[1,2]'],
    ['JSON null', 'null'],
    ['a JSON number', '10'],
    ['a JSON string', '"op"'],
    ['a missing op', '{"d":null}'],
    ['a null op', '{"op":null}'],
    ['a fractional op', '{"op":1.5}'],
    ['a string op', '{"op":"10"}'],
    ['a fractional s', '{"op":0,"s":1.5,"t":"X","d":{}}'],
    ['a string s', '{"op":0,"s":"1","t":"X","d":{}}'],
    ['a boolean s', '{"op":0,"s":true,"t":"X","d":{}}'],
    ['a numeric t', '{"op":0,"s":1,"t":5,"d":{}}'],
    ['an object t', '{"op":0,"s":1,"t":{},"d":{}}'],
  ])('rejects %s with GatewayDecodeError', (_name, frame) => {
    expect(() => decode(frame)).toThrow(GatewayDecodeError);
  });

  it.each([
    ['s and t null', '{"op":11,"s":null,"t":null,"d":null}'],
    ['s, t and d absent', '{"op":11}'],
    ['an integer s and a string t', '{"op":0,"s":42,"t":"MESSAGE_CREATE","d":{}}'],
    ['any d', '{"op":9,"d":false}'],
    ['an unknown op', '{"op":99,"d":"new"}'],
  ])('accepts %s', (_name, frame) => {
    expect(decode(frame)).toEqual(JSON.parse(frame));
  });

  it('reports the STATECORD_ERR_DECODE code', () => {
    expect(() => decode('{')).toThrow(expect.objectContaining({ code: 'STATECORD_ERR_DECODE' }));
  });
});
