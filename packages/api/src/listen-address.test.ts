import { describe, expect, it } from 'vitest';
import { parseListenAddress } from './listen-address.js';

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:8080', '127.0.0.1', 8080],
    [':10259', '0.0.0.0', 10259],
    ['[::1]:0', '::1', 0],
  ])('%s', (text, host, port) => expect(parseListenAddress(text)).toEqual({ host, port }));

  it.each(['8080', 'host:x', 'host:70000', 'host:-1', 'host:1.5', 'host:', 'host: 80'])('refuses %j', (text) => {
    expect(() => parseListenAddress(text)).toThrow(/--listen must be HOST:PORT/);
  });

  it('says how to listen everywhere when given a bare port', () => {
    expect(() => parseListenAddress('10250')).toThrow('--listen must be HOST:PORT, got "10250" (":10250" listens on every interface)');
  });
});
